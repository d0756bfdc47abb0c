import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calibration } from './calibration.ts';
import { lowess } from './lowess.ts';
import {
  binnedCalibration, calibrationCurveLowess, calibrationInTheLarge, formatG, hosmerLemeshow, lrmFit, qlogis, valProb,
  wilsonInterval,
} from './validation.ts';

function ref<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../reference/${name}`, import.meta.url), 'utf8')) as T;
}

/** |a − e| ≤ rel·|e| + abs. */
function close(actual: number, expected: number, rel: number, abs = 0, what = ''): void {
  const tol = rel * Math.abs(expected) + abs;
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`${what}: got ${actual}, R ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
  }
}

function closeAll(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs = 0, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], rel, abs, `${what}[${i}]`);
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// lowess: R's stats::lowess (C clowess), reference/valprob_curves.R
// ---------------------------------------------------------------------------------------------

interface LowessCase { name: string; x: number[]; y: number[]; f: number; iter: number; delta: number; out_x: number[]; out_y: number[] }
interface BinnedCase {
  name: string; g: number; alpha: number; p: number[]; y: number[];
  n: number[]; events: number[]; mean_p: number[]; observed: number[]; lower: number[]; upper: number[];
}
const curves = ref<{ lowess: LowessCase[]; binned: BinnedCase[] }>('valprob_curves.json');

describe('lowess equals R stats::lowess', () => {
  for (const c of curves.lowess) {
    it(`${c.name} (f=${c.f}, iter=${c.iter}, delta=${c.delta})`, () => {
      const r = lowess(c.x, c.y, { f: c.f, iter: c.iter, delta: c.delta });
      // same operations in the same order as the C code: equal to rounding
      closeAll(r.x, c.out_x, 0, 0, 'x');
      closeAll(r.y, c.out_y, 1e-12, 1e-13, 'y');
    });
  }
  it('uses R defaults (f = 2/3, iter = 3, delta = 1% of the range)', () => {
    const c = curves.lowess.find((k) => k.name === 'default');
    if (!c) throw new Error('missing case');
    closeAll(lowess(c.x, c.y).y, c.out_y, 1e-12, 1e-13, 'y');
  });
  it('refuses bad input with stable codes', () => {
    expect(codeOf(() => lowess([1, 2], [1]))).toBe('MODEL_LENGTH_MISMATCH');
    expect(codeOf(() => lowess([1, NaN], [1, 2]))).toBe('MODEL_NON_FINITE_INPUT');
    expect(codeOf(() => lowess([], []))).toBe('MODEL_TOO_FEW_ROWS');
    expect(codeOf(() => lowess([1, 2], [1, 2], { f: 0 }))).toBe('MODEL_BAD_OPTION');
    expect(codeOf(() => lowess([1, 2], [1, 2], { iter: 1.5 }))).toBe('MODEL_BAD_OPTION');
    expect(codeOf(() => lowess([1, 2], [1, 2], { delta: -1 }))).toBe('MODEL_BAD_OPTION');
  });
  it('property: a line on a regular grid (any order) is reproduced; constant y stays constant; x sorted', () => {
    // Local linear fits reproduce a line when each neighbourhood's x are spread out (clowess falls
    // back to a weighted mean below 0.001·range): true on a regular grid, not for clustered x.
    // Robustness iterations are left out of the line check: with residuals of pure rounding noise
    // they zero arbitrary weights.
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...Array(40).keys()], { minLength: 3 }),
        fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (ks, x0, step, a, b, f) => {
          const xs = ks.map((k) => x0 + step * k);
          const r = lowess(xs, xs.map((v) => a + b * v), { f, iter: 0 });
          expect([...r.x]).toEqual([...xs].sort((u, v) => u - v));
          for (let i = 0; i < r.x.length; i++) expect(Math.abs(r.y[i] - (a + b * r.x[i]))).toBeLessThan(1e-9 * (1 + Math.abs(a) + 500 * Math.abs(b)));
        },
      ),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: 0, max: 4 }),
        (xs, c, iter) => {
          const r = lowess(xs, xs.map(() => c), { iter });
          for (const v of r.y) expect(Math.abs(v - c)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(c)));
        },
      ),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// binned calibration curve with Hmisc::binconf Wilson intervals
// ---------------------------------------------------------------------------------------------

describe('binnedCalibration equals the R grouping and Hmisc::binconf(method = "wilson")', () => {
  for (const c of curves.binned) {
    it(c.name, () => {
      const bins = binnedCalibration(c.p, c.y, c.g, 1 - c.alpha);
      expect(bins.map((b) => b.n)).toEqual(c.n);
      expect(bins.map((b) => b.events)).toEqual(c.events);
      closeAll(bins.map((b) => b.meanPredicted), c.mean_p, 1e-14, 0, 'mean p');
      closeAll(bins.map((b) => b.observed), c.observed, 1e-15, 0, 'observed');
      closeAll(bins.map((b) => b.lower), c.lower, 1e-13, 1e-15, 'lower');
      closeAll(bins.map((b) => b.upper), c.upper, 1e-13, 1e-15, 'upper');
    });
  }
  it('Wilson interval by hand at x = 2, n = 10 (no special case)', () => {
    // z = 1.959963984540054; centre (0.2 + z²/20)/(1 + z²/10), half z·sqrt((0.16 + z²/40)/10)/(1 + z²/10)
    const z = 1.959963984540054;
    const [lo, hi] = wilsonInterval(2, 10, 0.05);
    const c = (0.2 + (z * z) / 20) / (1 + (z * z) / 10);
    const h = (z * Math.sqrt((0.16 + (z * z) / 40) / 10)) / (1 + (z * z) / 10);
    expect(lo).toBeCloseTo(c - h, 14);
    expect(hi).toBeCloseTo(c + h, 14);
  });
});

// ---------------------------------------------------------------------------------------------
// Hosmer–Lemeshow: ResourceSelection::hoslem.test re-expressed in base R (reference/hoslem.R)
// ---------------------------------------------------------------------------------------------

interface HlCase {
  name: string; g: number; y: number[]; p: number[]; statistic: number | null; df: number; p_value: number | null;
  p_value_upper: number | null; breaks: number[]; bins: string[]; observed0: number[]; observed1: number[];
  expected0: number[]; expected1: number[]; n: number[];
}
const hl = ref<{ cases: HlCase[] }>('hoslem.json');

describe('hosmerLemeshow equals ResourceSelection::hoslem.test', () => {
  for (const c of hl.cases) {
    if (c.statistic === null) {
      it(`${c.name}: R gives NaN (a group without predictions), we refuse`, () => {
        expect(c.n).toContain(0);
        expect(codeOf(() => hosmerLemeshow(c.y, c.p, c.g))).toBe('MODEL_HL_EMPTY_BIN');
      });
      continue;
    }
    it(`${c.name} (g = ${c.g})`, () => {
      const r = hosmerLemeshow(c.y, c.p, c.g);
      expect(r.df).toBe(c.df);
      expect(r.groups.map((g) => g.label)).toEqual(c.bins);
      expect(r.groups.map((g) => g.n)).toEqual(c.n);
      closeAll(r.groups.map((g) => g.lower), c.breaks.slice(0, -1), 0, 0, 'breaks');
      expect(r.groups[r.groups.length - 1].upper).toBe(c.breaks[c.breaks.length - 1]);
      expect(r.groups.map((g) => g.observed0)).toEqual(c.observed0);
      expect(r.groups.map((g) => g.observed1)).toEqual(c.observed1);
      closeAll(r.groups.map((g) => g.expected0), c.expected0, 1e-13, 0, 'expected0');
      closeAll(r.groups.map((g) => g.expected1), c.expected1, 1e-13, 0, 'expected1');
      close(r.statistic, c.statistic ?? NaN, 1e-12, 0, 'X2');
      close(r.pValue, c.p_value_upper ?? NaN, 1e-10, 0, 'p (upper tail)');
      // and R's own 1 - pchisq, to its absolute rounding
      close(r.pValue, c.p_value ?? NaN, 0, 1e-15, 'p (R 1 - pchisq)');
    });
  }
  it('refuses bad input and degenerate tables with stable codes', () => {
    expect(codeOf(() => hosmerLemeshow([0, 1, 1], [0.2, 0.5]))).toBe('MODEL_LENGTH_MISMATCH');
    expect(codeOf(() => hosmerLemeshow([0, 1], [0.2, NaN]))).toBe('MODEL_NON_FINITE_INPUT');
    expect(codeOf(() => hosmerLemeshow([0, 1], [0.2, 1.5]))).toBe('MODEL_PROBABILITY_OUT_OF_RANGE');
    expect(codeOf(() => hosmerLemeshow([0, 2], [0.2, 0.5]))).toBe('MODEL_BAD_LABEL');
    expect(codeOf(() => hosmerLemeshow([0, 1, 0, 1], [0.2, 0.2, 0.2, 0.2]))).toBe('MODEL_HL_TOO_FEW_GROUPS');
    expect(codeOf(() => hosmerLemeshow([0, 1, 0, 1], [0.2, 0.2, 0.7, 0.7]))).toBe('MODEL_HL_TOO_FEW_GROUPS');
    expect(codeOf(() => hosmerLemeshow([0, 1, 0, 1, 1, 0], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], 1))).toBe('MODEL_BAD_OPTION');
    expect(codeOf(() => hosmerLemeshow([0, 0, 0, 1, 1, 1], [0, 0, 0.5, 0.6, 0.7, 0.8], 3))).toBe('MODEL_HL_ZERO_EXPECTED');
  });
});

describe("formatG equals C's %.{d}g (cut()'s labels)", () => {
  it('rounds half to even on the exact binary value, switches to exponents like printf', () => {
    // values checked against R: formatC(x, digits = d, width = 1)
    expect(formatG(0.125, 2)).toBe('0.12'); // exact tie, even
    expect(formatG(0.375, 2)).toBe('0.38'); // exact tie, even
    expect(formatG(0.0222181, 3)).toBe('0.0222');
    expect(formatG(0.99951, 3)).toBe('1');
    expect(formatG(0.000012345, 3)).toBe('1.23e-05');
    expect(formatG(123456, 3)).toBe('1.23e+05');
    expect(formatG(0.5, 3)).toBe('0.5');
    expect(formatG(0.1 + 0.2, 17)).toBe('0.30000000000000004');
  });
});

// ---------------------------------------------------------------------------------------------
// rms::val.prob (reference/valprob.R)
// ---------------------------------------------------------------------------------------------

interface VpStats {
  Dxy: number; C: number; R2: number; D: number; D_chisq: number; D_p: number | null; U: number; U_chisq: number;
  U_p: number; Q: number; Brier: number; Intercept: number; Slope: number; Emax: number; E90: number; Eavg: number;
  S_z: number; S_p: number;
}
interface VpCase {
  name: string; p: number[]; y: number[]; stats?: VpStats; raw?: number[];
  extra?: {
    D_p_upper: number; U_p_upper: number; C_exact: number; recal_coef: number[]; recal_deviance: number[];
    fixed_deviance: number[]; calibration_in_the_large: number; glm_intercept: number; glm_slope: number;
    smooth_x: number[]; smooth_y: number[]; cal_smooth: number[];
  };
}
const vp = ref<{ cases: VpCase[] }>('valprob.json');

describe('valProb equals rms::val.prob (rms 6.5)', () => {
  for (const c of vp.cases) {
    if (!c.stats || !c.extra) continue;
    const s = c.stats;
    const e = c.extra;
    it(`${c.name}: every statistic`, () => {
      const r = valProb(c.p, c.y);
      // Everything below is a closed-form function of p, y and lrm.fit's iterates, which lrmFit
      // reproduces step by step (including rms's early stop at a -2LL change <= 0.025): 1e-9.
      close(r.dxy, s.Dxy, 1e-12, 0, 'Dxy (binned as rms)');
      close(r.c, s.C, 1e-12, 0, 'C (binned as rms)');
      close(r.cExact, e.C_exact, 1e-12, 0, 'C exact (somers2)');
      close(r.r2, s.R2, 1e-9, 0, 'R2');
      close(r.d, s.D, 1e-9, 0, 'D');
      close(r.dChisq, s.D_chisq, 1e-9, 0, 'D:Chi-sq');
      expect(s.D_p).toBeNull(); // rms 6.5 prints NA
      close(r.dP, e.D_p_upper, 1e-9, 0, 'D:p (upper tail of D:Chi-sq)');
      close(r.u, s.U, 1e-9, 1e-12, 'U');
      close(r.uChisq, s.U_chisq, 1e-9, 1e-11, 'U:Chi-sq');
      close(r.uP, s.U_p, 1e-9, 1e-15, 'U:p');
      close(r.q, s.Q, 1e-9, 1e-12, 'Q');
      close(r.brier, s.Brier, 1e-13, 0, 'Brier');
      close(r.intercept, s.Intercept, 1e-9, 1e-12, 'Intercept');
      close(r.slope, s.Slope, 1e-9, 0, 'Slope');
      close(r.emax, s.Emax, 1e-11, 1e-14, 'Emax');
      close(r.e90, s.E90, 1e-11, 1e-14, 'E90');
      close(r.eavg, s.Eavg, 1e-11, 1e-14, 'Eavg');
      close(r.spiegelhalterZ, s.S_z, 1e-12, 0, 'S:z');
      close(r.spiegelhalterP, s.S_p, 1e-11, 0, 'S:p');
      // glm(y ~ offset(qlogis(p))) with epsilon = 1e-15: converged to machine precision
      close(r.calibrationInTheLarge, e.calibration_in_the_large, 1e-10, 1e-12, 'calibration in the large');
      expect(r.n).toBe(c.y.length);
      expect(r.recalibrationConverged).toBe(true);
    });
    it(`${c.name}: lrmFit steps like rms lrm.fit; the lowess curve as val.prob draws it`, () => {
      const X = c.p.map((v) => [qlogis(v)]);
      const f = lrmFit(X, c.y);
      closeAll(f.coefficients, e.recal_coef, 1e-10, 1e-13, 'lrm.fit coefficients');
      closeAll(f.deviance, e.recal_deviance, 1e-12, 0, 'lrm.fit deviance');
      const fixed = lrmFit(X, c.y, { initial: [0, 1], maxit: 1 });
      expect(fixed.coefficients).toEqual([0, 1]);
      closeAll(fixed.deviance, e.fixed_deviance, 1e-12, 0, 'fixed-model deviance');
      const sm = calibrationCurveLowess(c.p, c.y);
      closeAll(sm.x, e.smooth_x, 0, 0, 'smooth x');
      closeAll(sm.y, e.smooth_y, 1e-12, 1e-13, 'smooth y');
    });
    it(`${c.name}: calibration() — in the large, and the fully converged glm recalibration`, () => {
      const k = calibration(c.p, c.y);
      close(k.calibrationInTheLarge, e.calibration_in_the_large, 1e-10, 1e-12, 'in the large');
      // fitLogistic runs Newton to |Δβ| < 1e-10: glm with epsilon 1e-15 agrees to ~1e-9
      close(k.recalibrationIntercept, e.glm_intercept, 1e-8, 1e-10, 'glm intercept');
      close(k.slope, e.glm_slope, 1e-8, 0, 'glm slope');
      close(k.brier, s.Brier, 1e-13, 0, 'Brier');
    });
  }

  const constant = vp.cases.find((c) => c.raw);
  it('a single predicted value: rms 6.5 branch values under their intended names', () => {
    if (!constant?.raw) throw new Error('missing case');
    const raw = constant.raw;
    const r = valProb(constant.p, constant.y);
    // raw = c(0, .5, 0, D, 0, 1, U, U.chisq, U.p, Q, Brier, Intc, 0, 0, 0, |p-P|, |p-P|, S:z, S:p)
    expect([r.dxy, r.c, r.r2]).toEqual([raw[0], raw[1], raw[2]]);
    close(r.d, raw[3], 1e-14, 0, 'D');
    expect([r.dChisq, r.dP]).toEqual([raw[4], raw[5]]);
    close(r.u, raw[6], 1e-12, 0, 'U');
    close(r.uChisq, raw[7], 1e-12, 0, 'U:Chi-sq');
    close(r.uP, raw[8], 1e-12, 0, 'U:p');
    close(r.q, raw[9], 1e-10, 0, 'Q');
    close(r.brier, raw[10], 1e-14, 0, 'Brier');
    close(r.intercept, raw[11], 1e-14, 0, 'Intercept');
    expect(r.slope).toBe(0);
    close(r.emax, raw[15], 1e-14, 0, 'Emax');
    close(r.eavg, raw[16], 1e-14, 0, 'Eavg');
    close(r.spiegelhalterZ, raw[17], 1e-12, 0, 'S:z');
    close(r.spiegelhalterP, raw[18], 1e-12, 0, 'S:p');
  });

  it('refuses bad input with stable codes', () => {
    expect(codeOf(() => valProb([0.2, 0.5, 0.6], [0, 1]))).toBe('MODEL_LENGTH_MISMATCH');
    expect(codeOf(() => valProb([0.2, 0.5, Infinity], [0, 1, 1]))).toBe('MODEL_NON_FINITE_INPUT');
    expect(codeOf(() => valProb([0, 0.5, 0.6], [0, 1, 1]))).toBe('MODEL_PROBABILITY_OUT_OF_RANGE');
    expect(codeOf(() => valProb([0.2, 0.5, 0.6], [0, 0, 0]))).toBe('MODEL_ONE_CLASS');
    expect(codeOf(() => valProb([0.2, 0.5], [0, 1]))).toBe('MODEL_TOO_FEW_ROWS');
    expect(codeOf(() => valProb([0.2, 0.5, 0.6], [0, 1, 0.5]))).toBe('MODEL_BAD_LABEL');
    expect(codeOf(() => calibrationInTheLarge([0.2, 0.5], [1, 1]))).toBe('MODEL_ONE_CLASS');
  });
});
