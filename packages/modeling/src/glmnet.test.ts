import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TaceError } from '@tace/common';
import {
  coefficientsAt, cvGlmnet, glmnetPath, glmnetUsesWasm, predictGlmnet,
  type ColumnMajorMatrix, type CvMeasure, type GlmnetOptions, type GlmnetPath,
} from './glmnet.ts';
import { mulberry32, randomNormal } from './prng.ts';

// Reference values: packages/modeling/reference/glmnet.R (R 4.2.2, glmnet 4.1-6), committed with
// its output glmnet.json and the data sets glmnet_{A,B,C}.csv it generated with set.seed.
interface FitRef {
  args: {
    data: 'A' | 'B' | 'C'; alpha: number; thresh?: number; penalty_factor?: number[]; lambda?: number[];
    standardize?: boolean; dfmax?: number; lambda_min_ratio?: number; maxit?: number; pmax?: number;
  };
  lambda: number[];
  a0: number[];
  df: number[];
  dev_ratio: number[];
  nulldev: number;
  npasses: number;
  jerr: number;
  beta_i: number[];
  beta_j: number[];
  beta_x: number[];
  warnings?: string[];
}
interface CvRef {
  args: {
    data: 'A' | 'B' | 'C' | 'D'; alpha: number; foldid: string; type_measure: CvMeasure; lambda?: number[];
    lambda_min_ratio?: number;
  };
  name: string;
  type_measure: CvMeasure;
  lambda: number[];
  cvm: number[];
  cvsd: number[];
  nzero: number[];
  lambda_min: number;
  lambda_1se: number;
  index_min: number;
  index_1se: number;
  coef_min: number[];
  coef_1se: number[];
  warnings: string[];
}
interface Ref {
  versions: Record<string, string>;
  foldid: Record<string, number[]>;
  fits: Record<string, FitRef>;
  cv: Record<string, CvRef>;
  interp: { data: 'A'; fit: string; s: number[]; coef: number[][]; response_rows_1_5: number[][] };
}

const ref = JSON.parse(readFileSync(new URL('../reference/glmnet.json', import.meta.url), 'utf8')) as Ref;

function loadCsv(name: string): { X: number[][]; y: number[] } {
  const text = readFileSync(new URL(`../reference/glmnet_${name}.csv`, import.meta.url), 'utf8');
  const rows = text.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  return { y: rows.map((r) => r[0]), X: rows.map((r) => r.slice(1)) };
}
const data = { A: loadCsv('A'), B: loadCsv('B'), C: loadCsv('C'), D: loadCsv('D') };

function optionsOf(a: FitRef['args']): GlmnetOptions {
  const o: GlmnetOptions = { alpha: a.alpha };
  if (a.thresh !== undefined) o.thresh = a.thresh;
  if (a.penalty_factor) o.penaltyFactor = a.penalty_factor;
  if (a.lambda) o.lambda = a.lambda;
  if (a.standardize === false) o.standardize = false;
  if (a.dfmax !== undefined) o.dfmax = a.dfmax;
  if (a.pmax !== undefined) o.pmax = a.pmax;
  if (a.maxit !== undefined) o.maxit = a.maxit;
  if (a.lambda_min_ratio !== undefined) o.lambdaMinRatio = a.lambda_min_ratio;
  return o;
}

function denseBeta(f: FitRef, p: number): Float64Array[] {
  const out = f.lambda.map(() => new Float64Array(p));
  f.beta_i.forEach((i, t) => {
    out[f.beta_j[t]][i] = f.beta_x[t];
  });
  return out;
}

/** max over elements of |ours − R| / (|R| + floor). */
function maxRelErr(ours: ArrayLike<number>, r: ArrayLike<number>, floor: number): number {
  expect(ours.length).toBe(r.length);
  let m = 0;
  for (let i = 0; i < r.length; i++) m = Math.max(m, Math.abs(ours[i] - r[i]) / (Math.abs(r[i]) + floor));
  return m;
}

function expectCode(f: () => unknown, code: string): TaceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TaceError);
    expect((e as TaceError).code).toBe(code);
    return e as TaceError;
  }
  throw new Error(`expected a TaceError ${code}`);
}

describe('glmnetPath equals glmnet(x, y, family = "binomial") (glmnet 4.1-6)', () => {
  // The solver runs glmnet's own iteration (same strong rule, same pass order, same convergence
  // tests), so even the default thresh = 1e-7 fits agree with R to rounding error, not just to the
  // ~1e-5 that the threshold alone would guarantee: every path below is compared at 1e-9 relative
  // (with an absolute floor of 1e-12 for coefficients near 0), and the number of coordinate-descent
  // passes (R's npasses) must be identical — a test that fails if any step of the iteration differs.
  for (const [name, f] of Object.entries(ref.fits)) {
    it(`${name}: lambda, path length, a0, beta, df, dev.ratio, nulldev, npasses`, () => {
      const d = data[f.args.data];
      const fit = glmnetPath(d.X, d.y, optionsOf(f.args));
      expect(fit.lambda.length).toBe(f.lambda.length);
      expect(maxRelErr(fit.lambda, f.lambda, 0)).toBeLessThan(1e-12);
      expect(fit.df).toEqual(f.df);
      expect(fit.npasses).toBe(f.npasses);
      expect(fit.jerr).toBe(f.jerr);
      expect(maxRelErr(fit.a0, f.a0, 1e-12)).toBeLessThan(1e-9);
      // dev.ratio of the first (null) point is rounding noise around 0: absolute floor 1e-4·1e-9
      expect(maxRelErr(fit.devRatio, f.dev_ratio, 1e-4)).toBeLessThan(1e-9);
      expect(Math.abs(fit.nulldev - f.nulldev) / f.nulldev).toBeLessThan(1e-12);
      const rb = denseBeta(f, fit.nvars);
      for (let k = 0; k < rb.length; k++) {
        // zero pattern equal, values at 1e-9 relative
        for (let j = 0; j < fit.nvars; j++) expect(fit.beta[k][j] === 0).toBe(rb[k][j] === 0);
        expect(maxRelErr(fit.beta[k], rb[k], 1e-12)).toBeLessThan(1e-9);
      }
      if (f.jerr !== 0) {
        expect(fit.warnings.length).toBe(1);
        expect(fit.warnings[0]).toMatch(f.jerr < -10000 ? /exceeds pmax=3 at the 12th lambda/ : /18th lambda value not reached after maxit=100/);
      }
      expect(fit.converged.every((c) => c)).toBe(true);
    });
  }

  it('ridge (alpha = 0): the first point at λ = 9.9e35 has the tiny nonzero coefficients R reports', () => {
    const f = ref.fits.A_a0;
    const fit = glmnetPath(data.A.X, data.A.y, { alpha: 0 });
    const rb = denseBeta(f, fit.nvars);
    expect(Math.max(...rb[0].map(Math.abs))).toBeLessThan(1e-35);
    expect(maxRelErr(fit.beta[0], rb[0], 0)).toBeLessThan(1e-9); // purely relative
  });

  it('the constant column x5 of data set C gets coefficient 0 at every λ, as in R', () => {
    for (const name of ['C_pf', 'C_nostd', 'C_dfmax', 'C_lambda']) {
      const fit = glmnetPath(data.C.X, data.C.y, optionsOf(ref.fits[name].args));
      expect(fit.beta.every((b) => b[4] === 0)).toBe(true);
    }
  });

  it('path stopping rules: dev.ratio change < 1e-5 (A), dev.ratio > 0.999 (B, lambda.min.ratio 1e-4), dfmax (C)', () => {
    const a = glmnetPath(data.A.X, data.A.y);
    const dr = a.devRatio;
    expect(dr.length).toBeLessThan(100);
    expect(dr[dr.length - 1] - dr[dr.length - 2]).toBeLessThan(1e-5);
    const b = glmnetPath(data.B.X, data.B.y, { lambdaMinRatio: 1e-4 });
    expect(b.devRatio[b.devRatio.length - 1]).toBeGreaterThan(0.999);
    expect(b.devRatio[b.devRatio.length - 2]).toBeLessThanOrEqual(0.999);
    const c = glmnetPath(data.C.X, data.C.y, { dfmax: 2 });
    expect(c.df[c.df.length - 1]).toBeGreaterThan(2);
  });

  it('the plain-JS kernels give bit-identical results to the WebAssembly SIMD ones', () => {
    expect(glmnetUsesWasm()).toBe(true); // Node 24 has WebAssembly SIMD: the comparison below is wasm vs JS
    // n = 200, 60, 199, 97: the kernels' 4-wide and 2-wide loops with and without scalar tails
    const odd = (d: { X: number[][]; y: number[] }, n: number) => ({ X: d.X.slice(0, n), y: d.y.slice(0, n) });
    for (const [d, o] of [[data.A, { alpha: 0.5 }], [data.B, {}], [odd(data.A, 199), {}], [odd(data.C, 97), { alpha: 0.3 }]] as const) {
      const w = glmnetPath(d.X, d.y, o);
      const j = glmnetPath(d.X, d.y, { ...o, engine: 'js' });
      expect(j.lambda).toEqual(w.lambda);
      expect(j.a0).toEqual(w.a0);
      expect(j.beta).toEqual(w.beta);
      expect(j.npasses).toBe(w.npasses);
    }
  });

  it('a column-major matrix gives the same fit as rows', () => {
    const { X, y } = data.C;
    const n = X.length;
    const p = X[0].length;
    const cm: ColumnMajorMatrix = { nrow: n, ncol: p, data: new Float64Array(n * p) };
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) cm.data[j * n + i] = X[i][j];
    const a = glmnetPath(X, y);
    const b = glmnetPath(cm, y);
    expect(b.beta).toEqual(a.beta);
    expect(b.a0).toEqual(a.a0);
  });
});

describe('coefficientsAt / predictGlmnet equal coef(fit, s) / predict(fit, newx, s, type = "response")', () => {
  it('linear interpolation between path λ, clamped beyond the ends (exact = FALSE)', () => {
    const fit = glmnetPath(data.A.X, data.A.y);
    ref.interp.s.forEach((s, k) => {
      // R's values come from its own path; ours agrees with it to ~1e-13, so 1e-9 here
      expect(maxRelErr(coefficientsAt(fit, s), ref.interp.coef[k], 1e-12)).toBeLessThan(1e-9);
      const pr = predictGlmnet(fit, data.A.X.slice(0, 5), s, 'response');
      expect(maxRelErr(pr, ref.interp.response_rows_1_5[k], 0)).toBeLessThan(1e-9);
    });
  });

  it('at a path λ the interpolation returns that column exactly', () => {
    const fit = glmnetPath(data.B.X, data.B.y);
    for (const k of [0, 7, 42, fit.lambda.length - 1]) {
      const c = coefficientsAt(fit, fit.lambda[k]);
      expect(c[0]).toBe(fit.a0[k]);
      expect(c.slice(1)).toEqual(Array.from(fit.beta[k]));
    }
  });
});

describe('cvGlmnet equals cv.glmnet(x, y, family = "binomial", foldid, type.measure)', () => {
  // cvm/cvsd depend on the fold fits (default thresh) and on the interpolated predictions; like
  // the paths they agree with R to rounding, compared here at 1e-9 relative. lambda.min/1se are
  // path λ values: equal to 1e-12. Data set D has saturated held-out probabilities (cv.lognet
  // clamps them to [1e-5, 1 − 1e-5] for the deviance).
  for (const [name, c] of Object.entries(ref.cv)) {
    it(`${name}: cvm, cvsd, lambda.min, lambda.1se, coefficients at both`, () => {
      const d = data[c.args.data];
      const cv = cvGlmnet(d.X, d.y, {
        alpha: c.args.alpha,
        typeMeasure: c.args.type_measure,
        foldid: ref.foldid[c.args.foldid],
        ...(c.args.lambda ? { lambda: c.args.lambda } : {}),
        ...(c.args.lambda_min_ratio ? { lambdaMinRatio: c.args.lambda_min_ratio } : {}),
      });
      expect(cv.typeMeasure).toBe(c.type_measure);
      expect(cv.lambda.length).toBe(c.lambda.length);
      expect(maxRelErr(cv.lambda, c.lambda, 0)).toBeLessThan(1e-12);
      expect(maxRelErr(cv.cvm, c.cvm, 1e-12)).toBeLessThan(1e-9);
      expect(maxRelErr(cv.cvsd, c.cvsd, 1e-12)).toBeLessThan(1e-9);
      expect(cv.nzero).toEqual(c.nzero);
      expect(Math.abs(cv.lambdaMin / c.lambda_min - 1)).toBeLessThan(1e-12);
      expect(Math.abs(cv.lambda1se / c.lambda_1se - 1)).toBeLessThan(1e-12);
      expect(cv.indexMin + 1).toBe(c.index_min);
      expect(cv.index1se + 1).toBe(c.index_1se);
      expect(maxRelErr(cv.coefMin, c.coef_min, 1e-12)).toBeLessThan(1e-9);
      expect(maxRelErr(cv.coef1se, c.coef_1se, 1e-12)).toBeLessThan(1e-9);
      expect(cv.grouped).toBe(c.warnings.length === 0 && c.type_measure !== 'auc');
      expect(cv.warnings).toEqual(c.warnings);
    });
  }

  it("type 'auc' with fewer than 10 rows per fold falls back to 'deviance' with R's warning", () => {
    const cv = cvGlmnet(data.C.X, data.C.y, { foldid: ref.foldid.C40, typeMeasure: 'auc' });
    expect(cv.typeMeasure).toBe('deviance');
    expect(cv.warnings[0]).toMatch(/Too few \(< 10\) observations per fold for type.measure='auc'/);
    const dev = ref.cv.C40_deviance;
    expect(maxRelErr(cv.cvm, dev.cvm, 1e-12)).toBeLessThan(1e-9);
  });

  it('folds drawn from a seed: balanced, reproducible, different seeds differ', () => {
    const a = cvGlmnet(data.C.X, data.C.y, { nfolds: 5, seed: 7 });
    const b = cvGlmnet(data.C.X, data.C.y, { nfolds: 5, seed: 7 });
    const c = cvGlmnet(data.C.X, data.C.y, { nfolds: 5, seed: 8 });
    expect(a.foldid).toEqual(b.foldid);
    expect(a.cvm).toEqual(b.cvm);
    expect(c.foldid).not.toEqual(a.foldid);
    const sizes = [1, 2, 3, 4, 5].map((k) => a.foldid.filter((f) => f === k).length);
    expect(sizes).toEqual([20, 20, 20, 20, 20]);
  });
});

// ---- properties -------------------------------------------------------------------------------

/** A random logistic data set: n×p normal columns with unequal scales and means, a few signals. */
function randomData(seed: number, n: number, p: number): { X: number[][]; y: number[] } {
  const rng = mulberry32(seed);
  const scale = Array.from({ length: p }, () => Math.exp(randomNormal(rng)));
  const mean = Array.from({ length: p }, () => randomNormal(rng, 0, 3));
  const X = Array.from({ length: n }, () => Array.from({ length: p }, (_, j) => mean[j] + scale[j] * randomNormal(rng)));
  const beta = Array.from({ length: p }, (_, j) => (j < 2 ? (j === 0 ? 1 : -0.7) / scale[j] : 0));
  let y: number[] = X.map((x) => {
    let e = -0.2;
    for (let j = 0; j < p; j++) e += beta[j] * (x[j] - mean[j]);
    return rng() < 1 / (1 + Math.exp(-e)) ? 1 : 0;
  });
  const n1 = y.reduce((s: number, v) => s + v, 0);
  if (n1 < 3 || n1 > n - 3) y = y.map((_, i) => i % 2); // keep both classes
  return { X, y };
}

/** The standardised-scale KKT residuals of a fitted point, computed here from the definitions. */
function kktResiduals(
  X: number[][], y: number[], fit: GlmnetPath, k: number, alpha: number, vp: number[],
): { zeroExcess: number; activeGap: number; interceptGrad: number } {
  const n = X.length;
  const p = X[0].length;
  const lambda = fit.lambda[k];
  const mean = new Array<number>(p).fill(0);
  const sd = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) mean[j] += X[i][j] / n;
    for (let i = 0; i < n; i++) sd[j] += (X[i][j] - mean[j]) ** 2 / n;
    sd[j] = Math.sqrt(sd[j]);
  }
  const resid = X.map((x, i) => {
    let e = fit.a0[k];
    for (let j = 0; j < p; j++) e += fit.beta[k][j] * x[j];
    return y[i] - 1 / (1 + Math.exp(-e));
  });
  const vsum = vp.reduce((s, v) => s + v, 0);
  let zeroExcess = 0;
  let activeGap = 0;
  for (let j = 0; j < p; j++) {
    let g = 0;
    for (let i = 0; i < n; i++) g += (resid[i] * (X[i][j] - mean[j])) / sd[j] / n;
    const bt = fit.beta[k][j] * sd[j]; // standardised coefficient
    const pen = (vp[j] * p) / vsum; // glmnet rescales the penalty factors to sum p
    if (bt === 0) zeroExcess = Math.max(zeroExcess, Math.abs(g) - lambda * alpha * pen);
    else activeGap = Math.max(activeGap, Math.abs(g - lambda * (1 - alpha) * pen * bt - lambda * alpha * pen * Math.sign(bt)));
  }
  return { zeroExcess, activeGap, interceptGrad: Math.abs(resid.reduce((s, r) => s + r, 0)) / n };
}

describe('properties', () => {
  it('KKT conditions hold at every λ of the path (lasso and elastic net, with penalty factors)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 30, max: 80 }),
        fc.integer({ min: 2, max: 12 }),
        fc.constantFrom(1, 0.5, 0.2),
        fc.boolean(),
        (seed, n, p, alpha, withPf) => {
          const { X, y } = randomData(seed, n, p);
          const vp = Array.from({ length: p }, (_, j) => (withPf ? [1, 0.5, 2, 1][j % 4] : 1));
          const fit = glmnetPath(X, y, { alpha, penaltyFactor: vp, thresh: 1e-14 });
          for (let k = 0; k < fit.lambda.length; k++) {
            if (!fit.converged[k]) continue;
            const r = kktResiduals(X, y, fit, k, alpha, vp);
            const tol = 1e-6 * Math.max(1, fit.lambda[k]);
            expect(r.zeroExcess).toBeLessThan(tol);
            expect(r.activeGap).toBeLessThan(tol);
            expect(r.interceptGrad).toBeLessThan(tol);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('lasso at λ_max (computed here from the data) gives all-zero coefficients; just below, one enters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 20, max: 60 }), fc.integer({ min: 2, max: 10 }), (seed, n, p) => {
        const { X, y } = randomData(seed, n, p);
        const ybar = y.reduce((s, v) => s + v, 0) / n;
        let lmax = 0;
        for (let j = 0; j < p; j++) {
          let m = 0;
          let v = 0;
          for (let i = 0; i < n; i++) m += X[i][j] / n;
          for (let i = 0; i < n; i++) v += (X[i][j] - m) ** 2 / n;
          let g = 0;
          for (let i = 0; i < n; i++) g += ((y[i] - ybar) * (X[i][j] - m)) / Math.sqrt(v) / n;
          lmax = Math.max(lmax, Math.abs(g));
        }
        const fit = glmnetPath(X, y, { lambda: [lmax * (1 + 1e-9), lmax * (1 - 1e-3)] });
        expect(fit.df[0]).toBe(0);
        expect(Array.from(fit.beta[0]).every((b) => b === 0)).toBe(true);
        expect(fit.a0[0]).toBeCloseTo(Math.log(ybar / (1 - ybar)), 12);
        expect(fit.df[1]).toBeGreaterThanOrEqual(1);
        // the default path's first λ is λ_max too (R's fix.lam extrapolation), with all β = 0
        const path = glmnetPath(X, y);
        expect(path.df[0]).toBe(0);
        expect(Math.abs(path.lambda[0] / lmax - 1)).toBeLessThan(1e-9);
      }),
      { numRuns: 30 },
    );
  });
});

// ---- bad input ---------------------------------------------------------------------------------

describe('bad input', () => {
  const { X, y } = data.C;

  it('non-finite cell → MODEL_NON_FINITE_INPUT with its row and column', () => {
    const bad = X.map((r) => r.slice());
    bad[17][3] = NaN;
    const e = expectCode(() => glmnetPath(bad, y), 'MODEL_NON_FINITE_INPUT');
    expect(e.detail).toEqual({ row: 17, column: 3 });
    const cm: ColumnMajorMatrix = { nrow: 100, ncol: 8, data: new Float64Array(800) };
    cm.data[2 * 100 + 5] = Infinity;
    expect(expectCode(() => cvGlmnet(cm, y), 'MODEL_NON_FINITE_INPUT').detail).toEqual({ row: 5, column: 2 });
    expectCode(() => glmnetPath(X, y.map((v, i) => (i === 3 ? NaN : v))), 'MODEL_NON_FINITE_INPUT');
  });

  it('one class → MODEL_ONE_CLASS; a class of 1 → MODEL_CLASS_TOO_SMALL; labels not 0/1 → MODEL_BAD_LABEL', () => {
    expectCode(() => glmnetPath(X, y.map(() => 1)), 'MODEL_ONE_CLASS');
    expectCode(() => glmnetPath(X, y.map((_, i) => (i === 0 ? 1 : 0))), 'MODEL_CLASS_TOO_SMALL');
    expectCode(() => glmnetPath(X, y.map((v) => v * 2)), 'MODEL_BAD_LABEL');
    const few = glmnetPath(X, y.map((_, i) => (i < 5 ? 1 : 0)));
    expect(few.warnings[0]).toMatch(/fewer than 8 observations/);
  });

  it('shapes and options', () => {
    expectCode(() => glmnetPath(X, y.slice(1)), 'MODEL_DIMENSION_MISMATCH');
    expectCode(() => glmnetPath([...X.slice(0, 5), [1, 2]], y.slice(0, 6)), 'MODEL_DIMENSION_MISMATCH');
    expectCode(() => glmnetPath(X.map((r) => [r[0]]), y), 'MODEL_TOO_FEW_COLUMNS');
    expectCode(() => glmnetPath(X, y, { alpha: 1.5 }), 'MODEL_BAD_OPTION');
    expectCode(() => glmnetPath(X, y, { lambda: [0.1, -1] }), 'MODEL_BAD_OPTION');
    expectCode(() => glmnetPath(X, y, { penaltyFactor: [1, 2] }), 'MODEL_DIMENSION_MISMATCH');
    expectCode(() => glmnetPath(X, y, { penaltyFactor: new Array(8).fill(0) }), 'MODEL_BAD_OPTION');
    expectCode(() => glmnetPath(X.map((r) => [r[4], r[4]]), y), 'MODEL_NO_USABLE_PREDICTOR');
  });

  it('foldid out of range, non-integer, wrong length, an empty fold or K < 3 → MODEL_FOLDID_INVALID', () => {
    const f = ref.foldid.C;
    expectCode(() => cvGlmnet(X, y, { foldid: f.map((v, i) => (i === 0 ? 0 : v)) }), 'MODEL_FOLDID_INVALID');
    expectCode(() => cvGlmnet(X, y, { foldid: f.map((v, i) => (i === 0 ? 1.5 : v)) }), 'MODEL_FOLDID_INVALID');
    expectCode(() => cvGlmnet(X, y, { foldid: f.slice(1) }), 'MODEL_FOLDID_INVALID');
    expectCode(() => cvGlmnet(X, y, { foldid: f.map((v) => (v === 2 ? 5 : v)) }), 'MODEL_FOLDID_INVALID');
    expectCode(() => cvGlmnet(X, y, { foldid: f.map((v) => (v > 2 ? 2 : v)) }), 'MODEL_FOLDID_INVALID');
  });

  it("a held-out fold with a single class under 'auc', or a training set without a class → MODEL_CV_FOLD_ONE_CLASS", () => {
    // 60 rows, 3 folds of 20; fold 1 holds only class 0
    const n = 60;
    const Xs = X.slice(0, n);
    const ys = Array.from({ length: n }, (_, i) => (i < 20 ? 0 : i % 2));
    const foldid = Array.from({ length: n }, (_, i) => (i < 20 ? 1 : (i % 3 === 0 ? 2 : 3)));
    const e = expectCode(() => cvGlmnet(Xs, ys, { foldid, typeMeasure: 'auc' }), 'MODEL_CV_FOLD_ONE_CLASS');
    expect(e.detail).toEqual({ fold: 1 });
    // all of class 1 in fold 3: the training set without fold 3 has a single class
    const y2 = Array.from({ length: n }, (_, i) => (i >= 40 ? 1 : 0));
    const f2 = Array.from({ length: n }, (_, i) => (i >= 40 ? 3 : (i % 2) + 1));
    expect(expectCode(() => cvGlmnet(Xs, y2, { foldid: f2 }), 'MODEL_CV_FOLD_ONE_CLASS').detail).toEqual({ fold: 3 });
  });
});
