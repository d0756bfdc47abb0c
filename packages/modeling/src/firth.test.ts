import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TaceError } from '@tace/common';
import { readCsv } from './csv.test-helper.ts';
import { FirthProblem, firthInference, firthLrTest, fitFirth } from './firth.ts';
import { mulberry32, randomNormal } from './prng.ts';

// Reference: reference/firth_sex2.R — logistf is not installed; its definitions (penalised
// log-likelihood ℓ + ½·log det I, modified score, profile penalised-likelihood limits, penalised LR
// tests) are re-implemented there in base R, iterated to a step < 1e-13 and cross-checked against
// optim(BFGS) and logistf's own iteration. Estimates, SEs, log-likelihoods: 1e-9 relative;
// profile limits (root finding on nested fits) and LR statistics: 1e-8.
interface FirthRef {
  n: number;
  events: number;
  terms: string[];
  firth: {
    coefficients: number[];
    penalised_loglik: number;
    loglik: number;
    vcov: number[][];
    se: number[];
    z: number[];
    p_wald: number[];
    wald_lower: number[];
    wald_upper: number[];
    profile_lower: number[];
    profile_upper: number[];
    plr_chisq: number[];
    plr_p: number[];
    overall: { chisq: number; df: number; p: number; restricted_coefficients: number[]; restricted_penalised_loglik: number };
  };
}
const ref = JSON.parse(readFileSync(new URL('../reference/firth_sex2.json', import.meta.url), 'utf8')) as Record<'sex2' | 'complete', FirthRef>;

function load(file: string, outcome: string, terms: string[]): { X: number[][]; y: number[] } {
  const rows = readCsv(new URL(`../reference/${file}`, import.meta.url).pathname);
  return { X: rows.map((r) => terms.map((t) => Number(r[t]))), y: rows.map((r) => Number(r[outcome])) };
}

function close(actual: number, expected: number, rel: number, floor = 1): void {
  const err = Math.abs(actual - expected);
  const bound = rel * Math.max(Math.abs(expected), floor);
  if (!(err <= bound)) expect.fail(`${actual} vs ${expected}: error ${err} > ${bound}`);
}

const DATA = {
  sex2: load('firth_sex2.csv', 'case', ['age', 'oc', 'vic', 'vicl', 'vis', 'dia']),
  complete: load('firth_complete.csv', 'y', ['x', 'z']),
};

for (const name of ['sex2', 'complete'] as const) {
  describe(`Firth (logistf definition) on ${name}`, () => {
    const { X, y } = DATA[name];
    const r = ref[name].firth;
    const model = fitFirth(X, y);
    const k = X[0].length + 1;

    it('data as in R', () => {
      expect(X.length).toBe(ref[name].n);
      expect(y.reduce((s, v) => s + v, 0)).toBe(ref[name].events);
      expect(ref[name].terms.length).toBe(k);
    });

    it('estimates, penalised and plain log-likelihood, I(β̂)⁻¹, Wald SE / z / p / CI (1e-9)', () => {
      expect(model.converged).toBe(true);
      expect(model.scoreNorm).toBeLessThan(1e-9);
      model.coefficients.forEach((b, j) => close(b, r.coefficients[j], 1e-9)); // complete: z's estimate is 0 (±1e-16): absolute
      close(model.penalizedLogLik, r.penalised_loglik, 1e-12);
      close(model.logLik, r.loglik, 1e-12);
      model.vcov.forEach((row, a) => row.forEach((v, b) => close(v, r.vcov[a][b], 1e-9, Math.sqrt(r.vcov[a][a] * r.vcov[b][b]))));
      model.standardErrors.forEach((se, j) => close(se, r.se[j], 1e-9));
      const q = 1.959963984540054;
      model.coefficients.forEach((b, j) => {
        const se = model.standardErrors[j];
        close(b / se, r.z[j], 1e-9);
        close(b - q * se, r.wald_lower[j], 1e-9);
        close(b + q * se, r.wald_upper[j], 1e-9);
      });
    });

    it('profile penalised-likelihood limits, penalised LR tests, overall test (1e-8)', () => {
      const inf = firthInference(X, y, model);
      inf.profileLower.forEach((v, j) => close(v, r.profile_lower[j], 1e-8));
      inf.profileUpper.forEach((v, j) => close(v, r.profile_upper[j], 1e-8));
      inf.tests.forEach((t, j) => {
        close(t.chisq, r.plr_chisq[j], 1e-8, 1e-6);
        expect(t.df).toBe(1);
        // p = P(χ²₁ > χ²) has an infinite slope at χ² = 0: where the statistic is rounding noise
        // (complete data, z: estimate 0 by symmetry, χ² ~ 1e-15) compare p absolutely.
        if (r.plr_chisq[j] > 1e-6) close(t.p, r.plr_p[j], 1e-8, 1e-300);
        else expect(Math.abs(t.p - r.plr_p[j])).toBeLessThan(1e-6);
      });
      close(inf.overall.chisq, r.overall.chisq, 1e-8);
      expect(inf.overall.df).toBe(r.overall.df);
      close(inf.overall.p, r.overall.p, 1e-8, 1e-300);
      // the same test through firthLrTest
      const t = firthLrTest(X, y, model, Array.from({ length: k - 1 }, (_, j) => j + 1));
      close(t.chisq, r.overall.chisq, 1e-8);
    });

    it('restricted fit (all slopes 0): the intercept-only penalised fit of R', () => {
      const m0 = fitFirth(X, y, { fixed: new Map(Array.from({ length: k - 1 }, (_, j) => [j + 1, 0] as [number, number])) });
      close(m0.coefficients[0], r.overall.restricted_coefficients[0], 1e-9);
      close(m0.penalizedLogLik, r.overall.restricted_penalised_loglik, 1e-12);
    });
  });
}

describe('Firth internals', () => {
  it('property: U* is the gradient of ℓ* and the Newton matrix is −∇²ℓ* (central differences)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 3 }), (seed, p) => {
        const rng = mulberry32(seed);
        const n = 25;
        const X = Array.from({ length: n }, () => Array.from({ length: p }, () => randomNormal(rng)));
        const y = X.map(() => (rng() < 0.4 ? 1 : 0));
        if (y.every((v) => v === y[0])) return;
        const prob = new FirthProblem(X, y);
        const k = p + 1;
        const b = Float64Array.from({ length: k }, () => randomNormal(rng) * 0.7);
        const ev = prob.evaluate(b)!;
        const U = prob.modifiedScore(ev);
        const N = prob.negativeHessian(ev);
        const h = 1e-5;
        for (let r = 0; r < k; r++) {
          const bp = Float64Array.from(b);
          const bm = Float64Array.from(b);
          bp[r] += h;
          bm[r] -= h;
          const ep = prob.evaluate(bp)!;
          const em = prob.evaluate(bm)!;
          close((ep.pll - em.pll) / (2 * h), U[r], 1e-6);
          const up = prob.modifiedScore(ep);
          const um = prob.modifiedScore(em);
          for (let s = 0; s < k; s++) close(-(up[s] - um[s]) / (2 * h), N[s * k + r], 1e-6);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('input errors', () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(TaceError);
        return (e as TaceError).code;
      }
      return 'no error';
    };
    expect(code(() => fitFirth([[1], [2]], [0]))).toBe('MODEL_LENGTH_MISMATCH');
    expect(code(() => fitFirth([[1], [NaN], [3]], [0, 1, 0]))).toBe('MODEL_NON_FINITE_INPUT');
    expect(code(() => fitFirth([[1], [2], [3]], [0, 2, 1]))).toBe('MODEL_BAD_LABEL');
    expect(code(() => fitFirth([], []))).toBe('MODEL_TOO_FEW_ROWS');
    expect(code(() => fitFirth([[1, 2], [2, 4], [3, 6], [4, 8]], [0, 1, 0, 1]))).toBe('MODEL_COLLINEAR');
    expect(code(() => fitFirth([[1], [2], [3]], [0, 1, 0], { fixed: new Map([[5, 0]]) }))).toBe('MODEL_BAD_OPTION');
  });
});
