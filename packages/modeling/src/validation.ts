/**
 * Validation of predicted probabilities against observed 0/1 outcomes, equal to R:
 * - valProb: everything rms::val.prob (rms 6.5) reports, plus calibration-in-the-large;
 * - lrmFit: rms 6.5's lrm.fit Newton–Raphson for a binary outcome (val.prob's and validate's
 *   logistic recalibrations use it, including its early stop, so their numbers equal rms's);
 * - hosmerLemeshow: ResourceSelection::hoslem.test;
 * - calibrationCurveLowess / binnedCalibration: the curves of a calibration plot;
 * - the small R building blocks they share (quantile type 7, approx, Hmisc's GiniMd, cut()).
 */
import { TaceError } from '@tace/common';
import { pchisqUpper } from './distributions.ts';
import { cholesky, choleskySolve } from './linalg.ts';
import type { Labels, Matrix } from './logistic.ts';
import { lowess, type LowessResult } from './lowess.ts';
import { qnorm, twoSidedP } from './normal.ts';
import { auc } from './roc.ts';

// ---------------------------------------------------------------------------------------------
// Input checks (stable error codes)
// ---------------------------------------------------------------------------------------------

/** Throws unless p and y have the same length ≥ minN, y is 0/1, p finite in [0, 1] (open if `open`). */
export function checkProbabilitiesAndLabels(
  p: ArrayLike<number>, y: Labels, opts: { minN?: number; open?: boolean; bothClasses?: boolean } = {},
): { n: number; events: number } {
  const n = p.length;
  if (y.length !== n) {
    throw new TaceError('MODEL_LENGTH_MISMATCH', `${n} predicted probabilities but ${y.length} outcomes`, {
      detail: { probabilities: n, outcomes: y.length },
    });
  }
  const minN = opts.minN ?? 1;
  if (n < minN) throw new TaceError('MODEL_TOO_FEW_ROWS', `${n} observations, at least ${minN} needed`, { detail: { n, minN } });
  let events = 0;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    if (!Number.isFinite(pi)) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `predicted probability ${i} is not finite`, { detail: { index: i } });
    }
    const inRange = opts.open ? pi > 0 && pi < 1 : pi >= 0 && pi <= 1;
    if (!inRange) {
      throw new TaceError('MODEL_PROBABILITY_OUT_OF_RANGE', `predicted probability ${i} is ${pi}, expected ${opts.open ? '(0, 1)' : '[0, 1]'}`, {
        detail: { index: i, value: pi },
      });
    }
    const yi = y[i];
    if (yi !== 0 && yi !== 1) {
      throw new TaceError('MODEL_BAD_LABEL', `outcome ${i} is ${yi}, expected 0 or 1`, { detail: { index: i } });
    }
    events += yi;
  }
  if ((opts.bothClasses ?? true) && (events === 0 || events === n)) {
    throw new TaceError('MODEL_ONE_CLASS', `all ${n} outcomes are ${events === 0 ? 0 : 1}`, { detail: { n, events } });
  }
  return { n, events };
}

// ---------------------------------------------------------------------------------------------
// R building blocks
// ---------------------------------------------------------------------------------------------

/** R's qlogis(p) = log(p / (1 − p)) (the same expression, so the same rounding). */
export function qlogis(p: number): number {
  return Math.log(p / (1 - p));
}

/** R's plogis(x) = 1 / (1 + exp(−x)). */
export function plogis(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * quantile(x, probs, type = 7) of R (stats::quantile.default, the "back-compatible" type-7 code):
 * index = 1 + (n − 1)·prob, interpolated between the order statistics around it.
 * `sorted` must be ascending.
 */
export function quantileType7(sorted: ArrayLike<number>, prob: number): number {
  const n = sorted.length;
  if (n === 0) throw new TaceError('MODEL_TOO_FEW_ROWS', 'quantile of an empty vector');
  const pr = Math.max(0, Math.min(1, prob));
  const index = 1 + Math.max(n - 1, 0) * pr;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  let qs = sorted[lo - 1];
  const xhi = sorted[hi - 1];
  if (index > lo && xhi !== qs) {
    const h = index - lo;
    qs = (1 - h) * qs + h * xhi;
  }
  return qs;
}

/** seq(0, 1, 1/g) as R computes it: i·(1/g), capped at 1. */
export function seqProbs(g: number): number[] {
  const by = 1 / g;
  const m = Math.trunc((1 - 0) / by + 1e-10);
  const out: number[] = [];
  for (let i = 0; i <= m; i++) out.push(Math.min(0 + i * by, 1));
  return out;
}

/**
 * approx(x, y, xout, method = "linear", rule = 1) of R on x sorted ascending with no ties
 * (R's approx1): NaN outside [x₁, xₙ] (R's NA), exact y at a knot.
 */
export function approxLinear(x: ArrayLike<number>, y: ArrayLike<number>, v: number): number {
  const n = x.length;
  let i = 0;
  let j = n - 1;
  if (v < x[i] || v > x[j]) return NaN;
  while (i < j - 1) {
    const ij = Math.trunc((i + j) / 2);
    if (v < x[ij]) j = ij;
    else i = ij;
  }
  if (v === x[j]) return y[j];
  if (v === x[i]) return y[i];
  return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]));
}

/**
 * Collapse tied x of an ascending (x, y) to one knot each (R's regularize.values); `ties`
 * 'first' keeps the first y (rms::calibrate: ties = function(x) x[1]), 'mean' averages
 * (approx's default, val.prob).
 */
export function collapseTies(x: ArrayLike<number>, y: ArrayLike<number>, ties: 'first' | 'mean'): { x: Float64Array; y: Float64Array } {
  const xs: number[] = [];
  const ys: number[] = [];
  let i = 0;
  while (i < x.length) {
    let j = i + 1;
    let s = y[i];
    while (j < x.length && x[j] === x[i]) {
      s += y[j];
      j++;
    }
    xs.push(x[i]);
    ys.push(ties === 'first' ? y[i] : s / (j - i));
    i = j;
  }
  return { x: Float64Array.from(xs), y: Float64Array.from(ys) };
}

/** Hmisc::GiniMd: Gini's mean difference, mean |xᵢ − xⱼ| over pairs i ≠ j (Hmisc 4.8 formula). */
export function giniMd(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) throw new TaceError('MODEL_TOO_FEW_ROWS', "Gini's mean difference needs at least 2 values", { detail: { n } });
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  const d = Float64Array.from(x, (v) => v - m).sort();
  let s = 0;
  for (let i = 0; i < n; i++) s += ((4 * (i + 1 - (n - 1) / 2)) / n / (n - 1)) * d[i];
  return s;
}

/** Hmisc::somers2(x, y)["Dxy"]: 2·(AUC − ½), the exact (rank-based) concordance. */
export function somersDxy(x: ArrayLike<number>, y: Labels): number {
  return 2 * (auc(x, y) - 0.5);
}

// ---------------------------------------------------------------------------------------------
// rms::lrm.fit (rms 6.5, Fortran lrmfit.f) for a binary outcome
// ---------------------------------------------------------------------------------------------

export interface LrmFitOptions {
  /** Iterations (rms default 12: at most 11 Newton steps, then failure). maxit = 1 evaluates at `initial`. */
  maxit?: number;
  /** Stop when −2 log L changes by at most eps between iterations (rms default 0.025). */
  eps?: number;
  /** Starting values [intercept, slopes…] (rms default: logit of the event rate, slopes 0). */
  initial?: ArrayLike<number>;
}

export interface LrmFitResult {
  /** [intercept, b₁, …, b_p]. */
  coefficients: number[];
  /** [−2 log L of the intercept-only model, −2 log L at `coefficients`] (rms `deviance`). */
  deviance: [number, number];
  /** rms's `fail`: no convergence within maxit (maxit > 2), or an information matrix that is singular. */
  fail: boolean;
  /** Newton iterations run. */
  iterations: number;
  n: number;
  events: number;
  /** Model likelihood-ratio χ² = deviance[0] − deviance[1] (rms stats "Model L.R."). */
  modelLR: number;
  /** Nagelkerke R² as rms: (1 − e^(−LR/n)) / (1 − e^(−L₀/n)) (stats "R2"). */
  r2: number;
  /** Linear predictors at `coefficients`. */
  linearPredictors: Float64Array;
}

/** rms Fortran PROB(): logistic with the argument clamped to [−30, 30]. */
function probClamped(bx: number): number {
  return 1 / (1 + Math.exp(-Math.min(Math.max(bx, -30), 30)));
}

interface LlogitResult {
  m2ll: number;
  u: Float64Array;
  v: Float64Array; // full k×k
}

/** −2 log L, score and information at beta (rms LLOGIT, kint = 1, no weights, no penalty). */
function llogit(beta: Float64Array, X: Matrix, y: Labels): LlogitResult {
  const k = beta.length;
  const u = new Float64Array(k);
  const v = new Float64Array(k * k);
  const c = new Float64Array(k);
  let loglik = 0;
  for (let obs = 0; obs < y.length; obs++) {
    let bx = 0;
    c[0] = 1;
    bx += beta[0] * c[0];
    const row = X[obs];
    for (let i = 1; i < k; i++) {
      c[i] = row[i - 1];
      bx += beta[i] * c[i];
    }
    const cpiy = probClamped(bx);
    const viy = cpiy * (1 - cpiy);
    let dy: number;
    if (y[obs] === 0) {
      loglik += Math.log(1 - cpiy);
      dy = 0;
    } else {
      loglik += Math.log(cpiy);
      dy = 1;
    }
    for (let i = 0; i < k; i++) {
      const xi = c[i];
      u[i] += (dy - cpiy) * xi;
      for (let j = 0; j <= i; j++) v[i * k + j] += viy * xi * c[j];
    }
  }
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) v[j * k + i] = v[i * k + j];
  return { m2ll: -2 * loglik, u, v };
}

/** −2·Σ nₖ·log(nₖ/n) over the two classes (rms's null deviance, computed in R). */
function nullDeviance(n: number, events: number): number {
  const n0 = n - events;
  return -2 * (n0 * Math.log(n0 / n) + events * Math.log(events / n));
}

/**
 * Binary logistic regression exactly as rms 6.5's lrm.fit (Fortran LRMFIT): Newton–Raphson from
 * (logit ȳ, 0, …); a step that increases −2 log L is halved (one halving per iteration);
 * iteration stops when −2 log L changed by ≤ eps (0.025) since the previous iteration, KEEPING the
 * Newton step computed in that iteration; −2 log L is then evaluated at the final estimate. With
 * maxit = 1 nothing is estimated: the statistics are those of `initial` (val.prob's fixed
 * model). The logistic function is clamped at ±30 as rms does. Not fully converged by design:
 * its estimates differ from glm's in about the 6th–9th digit, and are what rms reports.
 * Deviation: the Newton system is solved by Cholesky (rms: QR), the same to rounding.
 * Throws MODEL_ONE_CLASS, MODEL_TOO_FEW_ROWS (n < 3, as rms), MODEL_NON_FINITE_INPUT.
 */
export function lrmFit(X: Matrix, y: Labels, opts: LrmFitOptions = {}): LrmFitResult {
  const n = y.length;
  if (X.length !== n) {
    throw new TaceError('MODEL_LENGTH_MISMATCH', `X has ${X.length} rows but y has ${n} outcomes`, { detail: { rows: X.length, outcomes: n } });
  }
  if (n < 3) throw new TaceError('MODEL_TOO_FEW_ROWS', 'lrm.fit needs at least 3 observations', { detail: { n } });
  const p = X[0].length;
  let events = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new TaceError('MODEL_BAD_LABEL', `outcome ${i} is ${y[i]}, expected 0 or 1`, { detail: { index: i } });
    events += y[i];
    if (X[i].length !== p) throw new TaceError('MODEL_LENGTH_MISMATCH', `row ${i} has ${X[i].length} columns, expected ${p}`);
    for (let j = 0; j < p; j++) {
      if (!Number.isFinite(X[i][j])) throw new TaceError('MODEL_NON_FINITE_INPUT', `X[${i}][${j}] is not finite`, { detail: { row: i, column: j } });
    }
  }
  if (events === 0 || events === n) throw new TaceError('MODEL_ONE_CLASS', `all ${n} outcomes are ${events === 0 ? 0 : 1}`, { detail: { n, events } });
  const maxit = opts.maxit ?? 12;
  const eps = opts.eps ?? 0.025;
  const k = p + 1;
  const beta = new Float64Array(k);
  if (opts.initial) {
    for (let i = 0; i < Math.min(k, opts.initial.length); i++) beta[i] = opts.initial[i];
  } else {
    const pp = events / n;
    beta[0] = Math.log(pp / (1 - pp));
  }
  const llnull = nullDeviance(n, events);
  let fail = false;
  let iterations = 0;
  let last: LlogitResult | undefined;
  let converged = maxit < 2;
  if (maxit >= 2) {
    let oldl = 1e30;
    let deltab: Float64Array = new Float64Array(k);
    let curstp = 1;
    for (let iter = 1; iter <= maxit - 1; iter++) {
      iterations = iter;
      last = llogit(beta, X, y);
      if (last.m2ll > oldl) {
        if (iter === 1) {
          fail = true;
          break;
        }
        // try step-halving
        curstp /= 2;
        for (let j = 0; j < k; j++) beta[j] -= curstp * deltab[j];
        continue;
      }
      curstp = 1;
      const chol = cholesky(last.v, k);
      if (!chol) {
        fail = true;
        break;
      }
      deltab = choleskySolve(chol, k, last.u);
      for (let j = 0; j < k; j++) beta[j] += deltab[j];
      if (Math.abs(oldl - last.m2ll) <= eps) {
        converged = true;
        break;
      }
      oldl = last.m2ll;
    }
    if (!converged && !fail && maxit > 2) fail = true;
    if (!converged && !fail) converged = true; // maxit = 2: Fortran falls through to the final evaluation
  }
  let m2ll: number;
  if (converged && !fail) m2ll = llogit(beta, X, y).m2ll;
  else m2ll = last ? last.m2ll : llogit(beta, X, y).m2ll;
  const lp = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = beta[0];
    for (let j = 0; j < p; j++) e += X[i][j] * beta[j + 1];
    lp[i] = e;
  }
  const modelLR = llnull - m2ll;
  return {
    coefficients: Array.from(beta),
    deviance: [llnull, m2ll],
    fail,
    iterations,
    n,
    events,
    modelLR,
    r2: (1 - Math.exp(-modelLR / n)) / (1 - Math.exp(-llnull / n)),
    linearPredictors: lp,
  };
}

/**
 * C index as rms 6.5's Fortran computes it for lrm.fit (gcorr): the predicted probabilities
 * PROB(lp) are binned into 5001 cells, trunc(5000·p) + 1, and concordance is counted between
 * cells (pairs in the same cell are ties). Returns [C, Dxy].
 */
function binnedConcordance(lp: ArrayLike<number>, y: Labels): [number, number] {
  const cells = 5001;
  const f0 = new Float64Array(cells + 1);
  const f1 = new Float64Array(cells + 1);
  let n1 = 0;
  for (let i = 0; i < lp.length; i++) {
    const ipp = Math.trunc(5000 * probClamped(lp[i]) + 1);
    if (y[i] === 1) {
      f1[ipp]++;
      n1++;
    } else f0[ipp]++;
  }
  let con = 0;
  let dis = 0;
  let tie = 0;
  // above[j] = cases in cells j+1 … 5001
  const above = new Float64Array(cells + 2);
  for (let j = cells - 1; j >= 1; j--) above[j] = above[j + 1] + f1[j + 1];
  for (let j = 1; j <= cells; j++) {
    const kk = f0[j];
    if (kk > 0) {
      const ic = above[j];
      con += kk * ic;
      dis += kk * (n1 - ic - f1[j]);
      tie += kk * f1[j];
    }
  }
  const fn = con + dis + tie;
  return [(con + tie * 0.5) / fn, (con - dis) / fn];
}

// ---------------------------------------------------------------------------------------------
// Calibration in the large
// ---------------------------------------------------------------------------------------------

/**
 * Calibration-in-the-large: a in logit P(y = 1) = a + offset(logit p), the slope fixed at 1
 * (R: coef(glm(y ~ 1, offset = qlogis(p), family = binomial))), by Newton to |Δa| < 1e-13.
 * 0 when the mean predicted risk is matched in the logit sense; > 0: risks under-estimated.
 * p must lie in (0, 1); both outcome classes present.
 */
export function calibrationInTheLarge(p: ArrayLike<number>, y: Labels): number {
  checkProbabilitiesAndLabels(p, y, { open: true });
  const off = Float64Array.from(p, qlogis);
  let a = 0;
  for (let it = 0; it < 200; it++) {
    let g = 0;
    let h = 0;
    for (let i = 0; i < off.length; i++) {
      const mu = plogisStable(a + off[i]);
      g += y[i] - mu;
      h += mu * (1 - mu);
    }
    const step = g / h;
    a += step;
    if (Math.abs(step) < 1e-13 * Math.max(1, Math.abs(a))) return a;
  }
  throw new TaceError('MODEL_NOT_CONVERGED', 'calibration-in-the-large did not converge');
}

function plogisStable(eta: number): number {
  if (eta >= 0) return 1 / (1 + Math.exp(-eta));
  const e = Math.exp(eta);
  return e / (1 + e);
}

// ---------------------------------------------------------------------------------------------
// rms::val.prob
// ---------------------------------------------------------------------------------------------

export interface ValProbResult {
  /** Somers' Dxy of p vs y, rms's binned computation (see `c`). */
  dxy: number;
  /**
   * "C (ROC)" as rms 6.5 reports it: computed by lrm.fit's Fortran from p binned into 5001
   * cells, so it can differ from the exact AUC in the 4th decimal (`cExact`).
   */
  c: number;
  /** The exact AUC (Mann–Whitney, ties ½; Hmisc::somers2 / pROC). Not printed by val.prob. */
  cExact: number;
  /** Nagelkerke R² of the fixed model logit P = logit p (may be negative for poor predictions). */
  r2: number;
  /** Discrimination index D = (LR − 1)/n, LR = L₀ − L(p) ("D"). */
  d: number;
  /** LR χ² of the fixed model ("D:Chi-sq"). */
  dChisq: number;
  /**
   * P(χ²₁ > D:Chi-sq). rms 6.5 prints NA here (lrm.fit gives P = NA whenever initial values are
   * supplied); this is the upper tail the statistic implies (documented deviation). 1 if dChisq ≤ 0.
   */
  dP: number;
  /** Unreliability index U = (U:Chi-sq − 2)/n ("U"). */
  u: number;
  /** −2 log L(p) − (−2 log L of the recalibrated fit) ("U:Chi-sq"). */
  uChisq: number;
  /** P(χ²₂ > U:Chi-sq) ("U:p"; R computes 1 − pchisq, this the upper tail directly). */
  uP: number;
  /** Quality index Q = D − U. */
  q: number;
  /** mean (p − y)². */
  brier: number;
  /** a of the logistic recalibration logit P = a + b·logit p (rms lrm.fit, see lrmFit). */
  intercept: number;
  /** b of the logistic recalibration ("Slope"). */
  slope: number;
  /** max |p − lowess(p, y, iter = 0)(p)| ("Emax"). */
  emax: number;
  /** 0.9 quantile (type 7) of those absolute differences ("E90"). */
  e90: number;
  /** Mean absolute difference ("Eavg"). */
  eavg: number;
  /** Spiegelhalter's z ("S:z"). */
  spiegelhalterZ: number;
  /** Two-sided p of Spiegelhalter's z ("S:p"). */
  spiegelhalterP: number;
  /** Calibration-in-the-large (slope fixed at 1); not reported by val.prob. */
  calibrationInTheLarge: number;
  /** Whether lrm.fit's recalibration converged (rms reports the numbers either way). */
  recalibrationConverged: boolean;
  n: number;
  events: number;
}

/** Spiegelhalter z-test of calibration (val.prob's Spi). */
function spiegelhalter(p: ArrayLike<number>, y: Labels): [number, number] {
  let num = 0;
  let den = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i];
    num += (y[i] - pi) * (1 - 2 * pi);
    den += (1 - 2 * pi) * (1 - 2 * pi) * pi * (1 - pi);
  }
  const z = num / Math.sqrt(den);
  return [z, twoSidedP(z)];
}

/**
 * rms::val.prob(p, y, pl = FALSE) (rms 6.5): every statistic it returns, computed the way it
 * computes them — Dxy, C, R2, D, D:Chi-sq from lrm.fit at the fixed coefficients (0, 1); U from
 * the recalibration lrm.fit(logit p, y); Emax/E90/Eavg from lowess(p, y, iter = 0) evaluated at p;
 * Spiegelhalter's z. Plus the exact AUC and calibration-in-the-large.
 *
 * Documented deviations: p must lie strictly inside (0, 1) (rms drops p ∈ {0, 1} from the logistic
 * fits with a warning; here MODEL_PROBABILITY_OUT_OF_RANGE); D:p is computed (rms 6.5: NA);
 * p-values are upper tails (R: 1 − pchisq, identical except below ~1e-16). When every p is the
 * same, rms 6.5 returns a mis-aligned vector (19 values under 18 names); here the values are
 * those it computes, each under its intended name (Intercept = logit ȳ, Slope = 0, and Emax = E90 =
 * Eavg = |p − ȳ|).
 * Throws MODEL_LENGTH_MISMATCH, MODEL_NON_FINITE_INPUT, MODEL_PROBABILITY_OUT_OF_RANGE,
 * MODEL_BAD_LABEL, MODEL_ONE_CLASS, MODEL_TOO_FEW_ROWS (n < 3).
 */
export function valProb(p: ArrayLike<number>, y: Labels): ValProbResult {
  const { n, events } = checkProbabilitiesAndLabels(p, y, { open: true, minN: 3 });
  const logit = Float64Array.from(p, qlogis);
  let brier = 0;
  for (let i = 0; i < n; i++) brier += (p[i] - y[i]) * (p[i] - y[i]);
  brier /= n;
  const [sZ, sP] = spiegelhalter(p, y);
  const cil = calibrationInTheLarge(p, y);
  let allSame = true;
  for (let i = 1; i < n; i++) if (p[i] !== p[0]) allSame = false;

  if (allSame) {
    const P = events / n;
    const intc = qlogis(P);
    const l01 = minus2LogLik(logit, y);
    let lcal = 0;
    for (let i = 0; i < n; i++) lcal += y[i] * intc - Math.log(1 + Math.exp(intc));
    const uChisq = l01 - -2 * lcal;
    const u = (uChisq - 1) / n;
    const d = -1 / n;
    const e = Math.abs(p[0] - P);
    return {
      dxy: 0, c: 0.5, cExact: 0.5, r2: 0, d, dChisq: 0, dP: 1, u, uChisq, uP: pchisqUpper(uChisq, 1), q: d - u,
      brier, intercept: intc, slope: 0, emax: e, e90: e, eavg: e, spiegelhalterZ: sZ, spiegelhalterP: sP, calibrationInTheLarge: cil,
      recalibrationConverged: true, n, events,
    };
  }

  const X = Array.from(logit, (v) => [v]);
  const fixed = lrmFit(X, y, { initial: [0, 1], maxit: 1 });
  const recal = lrmFit(X, y);
  const [c, dxy] = binnedConcordance(fixed.linearPredictors, y);
  const lr = fixed.modelLR;
  const d = (lr - 1) / n;
  const l01 = minus2LogLik(logit, y);
  const uChisq = l01 - recal.deviance[1];
  const u = (uChisq - 2) / n;
  const smooth = calibrationCurveLowess(p, y);
  const { emax, e90, eavg } = smoothErrors(p, smooth);
  return {
    dxy,
    c,
    cExact: auc(p, y),
    r2: fixed.r2,
    d,
    dChisq: lr,
    dP: lr > 0 ? pchisqUpper(lr, 1) : 1,
    u,
    uChisq,
    uP: pchisqUpper(uChisq, 2),
    q: d - u,
    brier,
    intercept: recal.coefficients[0],
    slope: recal.coefficients[1],
    emax,
    e90,
    eavg,
    spiegelhalterZ: sZ,
    spiegelhalterP: sP,
    calibrationInTheLarge: cil,
    recalibrationConverged: !recal.fail,
    n,
    events,
  };
}

/** val.prob's L01 = −2·Σ (y·logit − log(1 + e^logit)), the same expression as R. */
function minus2LogLik(logit: ArrayLike<number>, y: Labels): number {
  let s = 0;
  for (let i = 0; i < logit.length; i++) s += y[i] * logit[i] - Math.log(1 + Math.exp(logit[i]));
  return -2 * s;
}

/** Emax, E90, Eavg of |p − smooth(p)|, smooth = the lowess curve interpolated as approx(ties = mean). */
function smoothErrors(p: ArrayLike<number>, smooth: LowessResult): { emax: number; e90: number; eavg: number } {
  const knots = collapseTies(smooth.x, smooth.y, 'mean');
  const n = p.length;
  const er = new Float64Array(n);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    er[i] = Math.abs(p[i] - approxLinear(knots.x, knots.y, p[i]));
    sum += er[i];
    if (er[i] > max) max = er[i];
  }
  er.sort();
  return { emax: max, e90: quantileType7(er, 0.9), eavg: sum / n };
}

// ---------------------------------------------------------------------------------------------
// Calibration curves
// ---------------------------------------------------------------------------------------------

/**
 * The nonparametric calibration curve val.prob draws: lowess(p, y, iter = 0) (R's stats::lowess
 * with f = 2/3, delta = 0.01·range). x = sorted p, y = smoothed observed proportion.
 */
export function calibrationCurveLowess(p: ArrayLike<number>, y: Labels): LowessResult {
  checkProbabilitiesAndLabels(p, y, { bothClasses: false });
  return lowess(p, y, { iter: 0 });
}

export interface CalibrationBin {
  /** R's cut() label of the group, e.g. "[0.0222,0.076]". */
  label: string;
  /** The group's breaks (quantiles of p). */
  breakLower: number;
  breakUpper: number;
  n: number;
  events: number;
  /** Mean predicted probability in the group. */
  meanPredicted: number;
  /** Observed proportion events / n. */
  observed: number;
  /** Wilson score interval of the observed proportion (Hmisc::binconf, method "wilson"). */
  lower: number;
  upper: number;
}

/**
 * Grouped calibration curve: groups by quantiles of p exactly as ResourceSelection::hoslem.test
 * (see hosmerLemeshow), per group the mean predicted probability, the observed proportion and
 * its Wilson interval as Hmisc::binconf(x, n, alpha = 1 − conf, method = "wilson") — including
 * Hmisc's adjustments at x = 1 (lower = −log(1 − α)/n) and x = n − 1 (upper = 1 + log(1 − α)/n).
 * Groups that hold no prediction (possible with tied p) are left out.
 */
export function binnedCalibration(p: ArrayLike<number>, y: Labels, g = 10, conf = 0.95): CalibrationBin[] {
  checkProbabilitiesAndLabels(p, y, { bothClasses: false });
  if (!(conf > 0 && conf < 1)) throw new TaceError('MODEL_BAD_OPTION', `conf must lie in (0, 1), got ${conf}`);
  const bins = quantileBins(p, g);
  const out: CalibrationBin[] = [];
  for (const b of bins.groups) {
    if (b.members.length === 0) continue;
    let events = 0;
    let sp = 0;
    for (const i of b.members) {
      events += y[i];
      sp += p[i];
    }
    const nn = b.members.length;
    const [lo, hi] = wilsonInterval(events, nn, 1 - conf);
    out.push({
      label: b.label, breakLower: b.lower, breakUpper: b.upper, n: nn, events,
      meanPredicted: sp / nn, observed: events / nn, lower: lo, upper: hi,
    });
  }
  return out;
}

/** Hmisc::binconf(x, n, alpha, method = "wilson")[, c("Lower", "Upper")]. */
export function wilsonInterval(x: number, n: number, alpha = 0.05): [number, number] {
  const zcrit = -qnorm(alpha / 2);
  const z2 = zcrit * zcrit;
  const p = x / n;
  const half = zcrit * Math.sqrt((p * (1 - p) + z2 / 4 / n) / n);
  let lower = (p + z2 / 2 / n - half) / (1 + z2 / n);
  let upper = (p + z2 / 2 / n + half) / (1 + z2 / n);
  if (x === 1) lower = -Math.log(1 - alpha) / n;
  if (x === n - 1) upper = 1 + Math.log(1 - alpha) / n;
  return [lower, upper];
}

// ---------------------------------------------------------------------------------------------
// Hosmer–Lemeshow (ResourceSelection::hoslem.test)
// ---------------------------------------------------------------------------------------------

interface QuantileBins {
  breaks: number[];
  groups: Array<{ label: string; lower: number; upper: number; members: number[] }>;
}

/** unique(quantile(p, seq(0, 1, 1/g))) and cut(p, breaks, include.lowest = TRUE) as R. */
function quantileBins(p: ArrayLike<number>, g: number): QuantileBins {
  if (!(Number.isInteger(g) && g >= 2)) throw new TaceError('MODEL_BAD_OPTION', `g must be an integer >= 2, got ${g}`, { detail: { g } });
  const sorted = Float64Array.from(p).sort();
  const breaks: number[] = [];
  for (const pr of seqProbs(g)) {
    const q = quantileType7(sorted, pr);
    if (!breaks.includes(q)) breaks.push(q);
  }
  breaks.sort((a, b) => a - b);
  if (breaks.length < 2) {
    throw new TaceError('MODEL_HL_TOO_FEW_GROUPS', 'all predicted probabilities are equal: no groups can be formed', {
      detail: { distinctBreaks: breaks.length },
    });
  }
  const labels = cutLabels(breaks);
  const groups = labels.map((label, i) => ({ label, lower: breaks[i], upper: breaks[i + 1], members: [] as number[] }));
  const nb1 = breaks.length - 1;
  for (let i = 0; i < p.length; i++) {
    // .bincode(x, breaks, right = TRUE, include.lowest = TRUE)
    let lo = 0;
    let hi = nb1;
    while (hi - lo >= 2) {
      const mid = Math.trunc((hi + lo) / 2);
      if (p[i] > breaks[mid]) lo = mid;
      else hi = mid;
    }
    groups[lo].members.push(i);
  }
  return { breaks, groups };
}

/** cut()'s default labels: formatC(breaks, digits = d) for the first d ≥ 3 that tells breaks apart. */
function cutLabels(breaks: number[]): string[] {
  const nb = breaks.length;
  for (let dig = 3; dig <= 12; dig++) {
    const ch = breaks.map((b) => formatG(0 + b, dig));
    let ok = true;
    for (let i = 1; i < nb; i++) if (ch[i] === ch[i - 1]) ok = false;
    if (ok) {
      const labels = [];
      for (let i = 0; i < nb - 1; i++) labels.push(`(${ch[i]},${ch[i + 1]}]`);
      labels[0] = `[${labels[0].slice(1)}`;
      return labels;
    }
  }
  return Array.from({ length: nb - 1 }, (_, i) => `Range_${i + 1}`);
}

/** C's printf("%.{digits}g", x) (round half to even on the exact binary value, as glibc). */
export function formatG(x: number, digits: number): string {
  if (x === 0) return '0';
  const neg = x < 0;
  const ax = Math.abs(x);
  // exact decimal expansion with plenty of digits decides rounding (ties to even)
  const { digits: digs, exp } = roundDigits(ax, digits);
  let s: string;
  if (exp < -4 || exp >= digits) {
    let m = digs.length > 1 ? `${digs[0]}.${digs.slice(1)}` : digs;
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const es = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : `${Math.abs(exp)}`;
    s = `${m}e${exp < 0 ? '-' : '+'}${es}`;
  } else {
    let str: string;
    if (exp >= 0) {
      const intPart = digs.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digs.slice(exp + 1);
      str = frac.length ? `${intPart}.${frac}` : intPart;
    } else {
      str = `0.${'0'.repeat(-exp - 1)}${digs}`;
    }
    if (str.includes('.')) str = str.replace(/0+$/, '').replace(/\.$/, '');
    s = str;
  }
  return neg ? `-${s}` : s;
}

/** `digits` significant decimal digits of ax > 0, rounded half-to-even on its exact value. */
function roundDigits(ax: number, digits: number): { digits: string; exp: number } {
  const e = ax.toExponential(Math.min(100, digits + 40)); // long enough to be exact for ties
  const [m, es] = e.split('e');
  let exp = Number(es);
  const all = m.replace('.', '');
  let kept = all.slice(0, digits);
  const rest = all.slice(digits);
  const first = rest.charCodeAt(0) - 48;
  const beyond = /[1-9]/.test(rest.slice(1));
  const roundUp = first > 5 || (first === 5 && (beyond || (kept.charCodeAt(kept.length - 1) - 48) % 2 === 1));
  if (roundUp) {
    const arr = kept.split('').map(Number);
    let i = arr.length - 1;
    while (i >= 0) {
      if (arr[i] === 9) {
        arr[i] = 0;
        i--;
      } else {
        arr[i]++;
        break;
      }
    }
    if (i < 0) {
      arr.unshift(1);
      arr.pop();
      exp++;
    }
    kept = arr.join('');
  }
  return { digits: kept, exp };
}

export interface HosmerLemeshowGroup {
  /** R's cut() label of the group, e.g. "[0.0222,0.076]". */
  label: string;
  lower: number;
  upper: number;
  n: number;
  /** Observed non-events (y0) and events (y1). */
  observed0: number;
  observed1: number;
  /** Expected non-events Σ(1 − p) and events Σp. */
  expected0: number;
  expected1: number;
}

export interface HosmerLemeshowResult {
  /** Σ over groups and both classes of (O − E)²/E. */
  statistic: number;
  /** G − 2, G the number of groups formed (≤ g when quantiles tie). */
  df: number;
  pValue: number;
  /** The g requested. */
  g: number;
  groups: HosmerLemeshowGroup[];
}

/**
 * Hosmer–Lemeshow goodness-of-fit test exactly as ResourceSelection::hoslem.test(y, p, g)
 * (0.3-6): breaks = unique(quantile(p, seq(0, 1, 1/g))) (type 7), groups = cut(p, breaks,
 * include.lowest = TRUE), observed vs expected counts of both classes, χ² with G − 2 df.
 * Returns the table too.
 * Documented deviations: the p-value is the χ² upper tail (R: 1 − pchisq, which rounds to 0
 * below ~1e-16); where R returns NaN or a degenerate test this throws: a group that holds no
 * prediction (possible with tied p; R's 0/0) → MODEL_HL_EMPTY_BIN, a group whose expected count
 * of a class is 0 (all p = 0 or 1 there) → MODEL_HL_ZERO_EXPECTED, fewer than 3 groups (df ≤ 0)
 * → MODEL_HL_TOO_FEW_GROUPS. Also MODEL_LENGTH_MISMATCH, MODEL_NON_FINITE_INPUT,
 * MODEL_PROBABILITY_OUT_OF_RANGE, MODEL_BAD_LABEL, MODEL_BAD_OPTION (g not an integer ≥ 2).
 * Both outcome classes need not be present (R does not require it).
 */
export function hosmerLemeshow(y: Labels, p: ArrayLike<number>, g = 10): HosmerLemeshowResult {
  checkProbabilitiesAndLabels(p, y, { bothClasses: false, minN: 2 });
  const bins = quantileBins(p, g);
  const G = bins.groups.filter((b) => b.members.length > 0).length;
  if (G < 3) {
    throw new TaceError('MODEL_HL_TOO_FEW_GROUPS', `only ${G} groups could be formed (df = G − 2 must be ≥ 1)`, { detail: { groups: G, g } });
  }
  const groups: HosmerLemeshowGroup[] = [];
  for (const b of bins.groups) {
    if (b.members.length === 0) {
      throw new TaceError('MODEL_HL_EMPTY_BIN', `group ${b.label} holds no prediction (tied quantiles); R's statistic is NaN here`, {
        detail: { label: b.label },
      });
    }
    let o1 = 0;
    let e1 = 0;
    let o0 = 0;
    let e0 = 0;
    for (const i of b.members) {
      o0 += 1 - y[i];
      o1 += y[i];
      e0 += 1 - p[i];
      e1 += p[i];
    }
    if (!(e0 > 0 && e1 > 0)) {
      throw new TaceError('MODEL_HL_ZERO_EXPECTED', `group ${b.label} has an expected count of 0`, { detail: { label: b.label } });
    }
    groups.push({ label: b.label, lower: b.lower, upper: b.upper, n: b.members.length, observed0: o0, observed1: o1, expected0: e0, expected1: e1 });
  }
  // xtabs is column-major: all y0 cells, then all y1 cells
  let statistic = 0;
  for (const gr of groups) statistic += ((gr.observed0 - gr.expected0) * (gr.observed0 - gr.expected0)) / gr.expected0;
  for (const gr of groups) statistic += ((gr.observed1 - gr.expected1) * (gr.observed1 - gr.expected1)) / gr.expected1;
  const df = G - 2;
  return { statistic, df, pValue: pchisqUpper(statistic, df), g, groups };
}
