/**
 * Bootstrap inference and internal validation, equal to R:
 * - bootstrapAucCi: pROC::ci.auc(method = "bootstrap") (pROC 1.18);
 * - bootstrapValidate: rms::validate (method "boot", Efron–Gong optimism), rms 6.5;
 * - bootstrapCalibrate: rms::calibrate (method "boot"), rms 6.5.
 *
 * The modelling pipeline is a callback (`FitPipeline`) so that the WHOLE pipeline — screening,
 * LASSO, final fit — is repeated inside each resample. Each resample is a pure function of its
 * training indices (`validateResample`, `calibrateResample`) and the tables are built by
 * aggregators (`aggregateValidate`, `aggregateCalibrate`), so resamples can be spread over worker
 * threads and aggregated in resample order afterwards (the result does not depend on where each
 * resample ran). Indices are 0-based row numbers throughout.
 */
import { TaceError, isTaceError } from '@tace/common';
import { lowess } from './lowess.ts';
import type { Labels } from './logistic.ts';
import { mulberry32, type Rng } from './prng.ts';
import type { RocDirection } from './roc.ts';
import {
  approxLinear, collapseTies, giniMd, lrmFit, plogis, qlogis, quantileType7, somersDxy,
} from './validation.ts';

// ---------------------------------------------------------------------------------------------
// Resampling
// ---------------------------------------------------------------------------------------------

/** B bootstrap samples of 0..n−1 with replacement: ⌊rng()·n⌋, n draws per sample. */
export function bootstrapIndices(n: number, B: number, rng: Rng): Int32Array[] {
  if (!(Number.isInteger(n) && n >= 1)) throw new TaceError('MODEL_BAD_OPTION', `n must be a positive integer, got ${n}`);
  if (!(Number.isInteger(B) && B >= 1)) throw new TaceError('MODEL_BAD_OPTION', `B must be a positive integer, got ${B}`);
  const out: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng() * n);
    out.push(idx);
  }
  return out;
}

function checkLabels(y: Labels, minN: number): { n: number; events: number } {
  const n = y.length;
  if (n < minN) throw new TaceError('MODEL_TOO_FEW_ROWS', `${n} observations, at least ${minN} needed`, { detail: { n, minN } });
  let events = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new TaceError('MODEL_BAD_LABEL', `outcome ${i} is ${y[i]}, expected 0 or 1`, { detail: { index: i } });
    events += y[i];
  }
  if (events === 0 || events === n) throw new TaceError('MODEL_ONE_CLASS', `all ${n} outcomes are ${events === 0 ? 0 : 1}`, { detail: { n, events } });
  return { n, events };
}

function checkIndices(idx: ArrayLike<number>, n: number, what: string): void {
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    if (!(Number.isInteger(v) && v >= 0 && v < n)) {
      throw new TaceError('MODEL_BAD_OPTION', `${what}: index ${v} at position ${i} is not a row number in 0..${n - 1}`, { detail: { position: i } });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// pROC::ci.auc(method = "bootstrap")
// ---------------------------------------------------------------------------------------------

/** One stratified resample: indices into the controls and into the cases (each in input order). */
export interface StratifiedResample {
  controls: ArrayLike<number>;
  cases: ArrayLike<number>;
}

export interface BootstrapAucOptions {
  /** Resamples (pROC boot.n, default 2000). Ignored when `resamples` is given. */
  bootN?: number;
  /** Resample cases and controls separately (pROC boot.stratified, default true). */
  stratified?: boolean;
  /** Confidence level (default 0.95). */
  conf?: number;
  /** '<' (default): higher score = case, as in roc.ts. */
  direction?: RocDirection;
  /** Random numbers for the resampling (default mulberry32(seed)). */
  rng?: Rng;
  /** Seed of the default generator (default 1). */
  seed?: number;
  /**
   * Explicit resamples instead of drawing them: StratifiedResample[] when stratified (indices into
   * the controls, resp. cases, listed in input order), else arrays of subject indices.
   */
  resamples?: ReadonlyArray<StratifiedResample> | ReadonlyArray<ArrayLike<number>>;
}

export interface BootstrapAucResult {
  /** Percentile CI lower end: quantile type 7 of the bootstrap AUCs at (1 − conf)/2. */
  lower: number;
  /** Median of the bootstrap AUCs (pROC returns this, not the AUC, as the middle value). */
  median: number;
  upper: number;
  /** AUC of the original data. */
  auc: number;
  conf: number;
  stratified: boolean;
  /** Resamples drawn. */
  bootN: number;
  /** Non-stratified resamples with only one class: no AUC, left out (pROC: NA, ignored with a warning). */
  skipped: number;
}

/** Mann–Whitney AUC of case vs control scores (ties ½), by sorting the controls. */
function aucOf(cases: Float64Array, controls: Float64Array): number {
  const sc = Float64Array.from(controls).sort();
  let sum = 0;
  for (let i = 0; i < cases.length; i++) {
    const x = cases[i];
    let lo = 0;
    let hi = sc.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sc[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    const below = lo;
    hi = sc.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sc[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    sum += below + 0.5 * (lo - below);
  }
  return sum / (cases.length * controls.length);
}

/**
 * Bootstrap percentile confidence interval of the AUC as pROC::ci.auc(roc, method =
 * "bootstrap", boot.n, boot.stratified, conf.level): each resample draws the controls and the
 * cases with replacement (stratified) or all subjects (not stratified; resamples with one class
 * are skipped as pROC's NA), and the result is quantile(aucs, c((1 − conf)/2, .5, 1 − (1 − conf)/2))
 * (type 7) — [lower, MEDIAN, upper] as pROC. With the resample indices R drew, the result equals
 * pROC's; with our generator it agrees within Monte-Carlo error.
 * Throws MODEL_LENGTH_MISMATCH, MODEL_NON_FINITE_INPUT, MODEL_BAD_LABEL, MODEL_ONE_CLASS,
 * MODEL_BAD_OPTION (bootN, conf, explicit resamples of the wrong shape).
 */
export function bootstrapAucCi(scores: ArrayLike<number>, y: Labels, opts: BootstrapAucOptions = {}): BootstrapAucResult {
  if (scores.length !== y.length) {
    throw new TaceError('MODEL_LENGTH_MISMATCH', `${scores.length} scores but ${y.length} outcomes`, { detail: { scores: scores.length, outcomes: y.length } });
  }
  checkLabels(y, 2);
  const sign = (opts.direction ?? '<') === '<' ? 1 : -1;
  const s = new Float64Array(scores.length);
  const controls: number[] = [];
  const cases: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new TaceError('MODEL_NON_FINITE_INPUT', `score ${i} is not finite`, { detail: { index: i } });
    s[i] = sign * scores[i];
    (y[i] === 1 ? cases : controls).push(s[i]);
  }
  const conf = opts.conf ?? 0.95;
  if (!(conf > 0 && conf < 1)) throw new TaceError('MODEL_BAD_OPTION', `conf must lie in (0, 1), got ${conf}`);
  const stratified = opts.stratified ?? true;
  const rng = opts.rng ?? mulberry32(opts.seed ?? 1);
  const bootN = opts.resamples ? opts.resamples.length : (opts.bootN ?? 2000);
  if (!(Number.isInteger(bootN) && bootN >= 1)) throw new TaceError('MODEL_BAD_OPTION', `bootN must be a positive integer, got ${bootN}`);
  const n0 = controls.length;
  const n1 = cases.length;
  const n = s.length;
  const aucs: number[] = [];
  let skipped = 0;
  const draw = (m: number): Int32Array => {
    const idx = new Int32Array(m);
    for (let i = 0; i < m; i++) idx[i] = Math.floor(rng() * m);
    return idx;
  };
  for (let b = 0; b < bootN; b++) {
    if (stratified) {
      let ic: ArrayLike<number>;
      let ia: ArrayLike<number>;
      if (opts.resamples) {
        const r = opts.resamples[b] as StratifiedResample;
        if (!r || !r.controls || !r.cases) throw new TaceError('MODEL_BAD_OPTION', `resample ${b} is not {controls, cases}`);
        checkIndices(r.controls, n0, `resample ${b} controls`);
        checkIndices(r.cases, n1, `resample ${b} cases`);
        ic = r.controls;
        ia = r.cases;
      } else {
        // pROC draws the controls first, then the cases
        ic = draw(n0);
        ia = draw(n1);
      }
      const bc = Float64Array.from(ic, (i) => controls[i]);
      const ba = Float64Array.from(ia, (i) => cases[i]);
      aucs.push(aucOf(ba, bc));
    } else {
      let idx: ArrayLike<number>;
      if (opts.resamples) {
        idx = opts.resamples[b] as ArrayLike<number>;
        checkIndices(idx, n, `resample ${b}`);
      } else idx = draw(n);
      const bc: number[] = [];
      const ba: number[] = [];
      for (let i = 0; i < idx.length; i++) (y[idx[i]] === 1 ? ba : bc).push(s[idx[i]]);
      if (ba.length === 0 || bc.length === 0) {
        skipped++;
        continue;
      }
      aucs.push(aucOf(Float64Array.from(ba), Float64Array.from(bc)));
    }
  }
  if (aucs.length === 0) throw new TaceError('MODEL_ONE_CLASS', 'every bootstrap resample had one class only');
  const sorted = Float64Array.from(aucs).sort();
  return {
    lower: quantileType7(sorted, 0 + (1 - conf) / 2),
    median: quantileType7(sorted, 0.5),
    upper: quantileType7(sorted, 1 - (1 - conf) / 2),
    auc: aucOf(Float64Array.from(cases), Float64Array.from(controls)),
    conf,
    stratified,
    bootN,
    skipped,
  };
}

// ---------------------------------------------------------------------------------------------
// rms::validate (validate.lrm, method "boot")
// ---------------------------------------------------------------------------------------------

/**
 * Predictions of a fitted pipeline for the given rows (0-based): probabilities, or linear
 * predictors (logits) when the options say `scale: 'logit'`.
 */
export type Predictor = (rows: Int32Array) => ArrayLike<number>;
/**
 * Fits the whole modelling pipeline on the training rows (0-based; a bootstrap sample repeats
 * rows) and returns its predictor. Throw a TaceError to signal a failed fit (separation, no
 * convergence, nothing selected…): the resample is then left out and counted, as rms leaves out
 * resamples whose fit failed. Any other exception propagates.
 */
export type FitPipeline = (trainRows: Int32Array) => Predictor;

/** The rows of rms::validate's table, in its order. */
export const VALIDATE_INDEXES = ['Dxy', 'R2', 'Intercept', 'Slope', 'Emax', 'D', 'U', 'Q', 'B', 'g', 'gp'] as const;
export type ValidateIndex = (typeof VALIDATE_INDEXES)[number];
/** The measures computed per sample (all but Emax, which validate derives from the corrected slope and intercept). */
const MEASURES = ['Dxy', 'R2', 'Intercept', 'Slope', 'D', 'U', 'Q', 'B', 'g', 'gp'] as const;
/** One sample's indexes (validate's rows but Emax). */
export type ValidationMeasures = Record<(typeof MEASURES)[number], number>;

export interface PredictionScaleOption {
  /** What the predictor returns: 'probability' (default; must lie in (0, 1)) or 'logit'. */
  scale?: 'probability' | 'logit';
}

/** Linear predictors from a predictor's output on `rows`. */
function linearPredictors(pred: Predictor, rows: Int32Array, scale: 'probability' | 'logit'): Float64Array {
  const out = pred(rows);
  if (out.length !== rows.length) {
    throw new TaceError('MODEL_LENGTH_MISMATCH', `the predictor returned ${out.length} values for ${rows.length} rows`);
  }
  const lp = new Float64Array(out.length);
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (!Number.isFinite(v)) throw new TaceError('MODEL_NON_FINITE_INPUT', `prediction ${i} is not finite`, { detail: { index: i } });
    if (scale === 'probability') {
      if (!(v > 0 && v < 1)) {
        throw new TaceError('MODEL_PROBABILITY_OUT_OF_RANGE', `predicted probability ${i} is ${v}, expected (0, 1); use scale 'logit'`, { detail: { index: i, value: v } });
      }
      lp[i] = qlogis(v);
    } else lp[i] = v;
  }
  return lp;
}

/** rms LLOGIT's −2 log L of fixed linear predictors (logistic clamped at ±30, log(1 − p)). */
function minus2LogLikClamped(lp: ArrayLike<number>, y: Labels): number {
  let ll = 0;
  for (let i = 0; i < lp.length; i++) {
    const cp = 1 / (1 + Math.exp(-Math.min(Math.max(lp[i], -30), 30)));
    ll += y[i] === 0 ? Math.log(1 - cp) : Math.log(cp);
  }
  return -2 * ll;
}

function nullDev(n: number, events: number): number {
  const n0 = n - events;
  return -2 * (n0 * Math.log(n0 / n) + events * Math.log(events / n));
}

function brierOf(lp: ArrayLike<number>, y: Labels): number {
  let b = 0;
  for (let i = 0; i < lp.length; i++) {
    const d = y[i] - plogis(lp[i]);
    b += d * d;
  }
  return b / lp.length;
}

/**
 * validate.lrm's `discrim` with evalfit = TRUE: the apparent indexes of a model on the data it was
 * fitted to — LR χ² from −2 log L of the linear predictors, Nagelkerke R², Intercept 0, Slope 1,
 * D = (LR − 1)/n, U = −2/n, Q = D − U, Brier, g = GiniMd(lp), gp = GiniMd(p), Dxy exact (somers2).
 */
export function apparentIndexes(lp: ArrayLike<number>, y: Labels): ValidationMeasures {
  const { n, events } = checkLabels(y, 2);
  const llnull = nullDev(n, events);
  const lr = llnull - minus2LogLikClamped(lp, y);
  const D = (lr - 1) / n;
  const U = -2 / n;
  return {
    Dxy: somersDxy(lp, y),
    R2: (1 - Math.exp(-lr / n)) / (1 - Math.exp(-llnull / n)),
    Intercept: 0,
    Slope: 1,
    D,
    U,
    Q: D - U,
    B: brierOf(lp, y),
    g: giniMd(lp),
    gp: giniMd(Float64Array.from(lp, plogis)),
  };
}

/**
 * validate.lrm's `discrim` with evalfit = FALSE: indexes of fixed linear predictors on (other)
 * data after the logistic recalibration logit P = a + b·lp fitted by rms's lrm.fit (lrmFit, with
 * its early stop): Intercept a, Slope b, its LR χ² and R², U = (L01 − deviance − 2)/n,
 * g = GiniMd(b·lp), gp = GiniMd(plogis(a + b·lp)); Dxy exact, Brier of plogis(lp). When every lp is
 * equal, the recalibration is intercept-only as rms's null-model branch (slope 1, LR 0).
 */
export function testIndexes(lp: ArrayLike<number>, y: Labels): ValidationMeasures {
  const { n, events } = checkLabels(y, 3);
  let constant = true;
  for (let i = 1; i < lp.length; i++) if (lp[i] !== lp[0]) constant = false;
  let lr: number;
  let r2: number;
  let a: number;
  let b: number;
  let dev: number;
  if (constant) {
    const pp = events / n;
    a = Math.log(pp / (1 - pp));
    b = 1;
    lr = 0;
    r2 = 0;
    dev = nullDev(n, events);
  } else {
    const refit = lrmFit(Array.from(lp, (v) => [v]), y);
    lr = refit.modelLR;
    r2 = refit.r2;
    a = refit.coefficients[0];
    b = refit.coefficients[1];
    dev = refit.deviance[1];
  }
  let s = 0;
  for (let i = 0; i < lp.length; i++) s += y[i] * lp[i] - Math.log(1 + Math.exp(lp[i]));
  const l01 = -2 * s;
  const D = (lr - 1) / n;
  const U = (l01 - dev - 2) / n;
  return {
    Dxy: constant ? 0 : somersDxy(lp, y),
    R2: r2,
    Intercept: a,
    Slope: b,
    D,
    U,
    Q: D - U,
    B: brierOf(lp, y),
    g: giniMd(Float64Array.from(lp, (v) => b * v)),
    gp: giniMd(Float64Array.from(lp, (v) => plogis(a + b * v))),
  };
}

/** Outcome of one resample: the training (apparent) and test indexes, or why it was left out. */
export type ValidateResampleResult =
  | { ok: true; training: ValidationMeasures; test: ValidationMeasures }
  | { ok: false; code: string; message: string };

export interface ValidateResampleOptions extends PredictionScaleOption {}

function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function hasBothClasses(y: Labels, rows: ArrayLike<number>): boolean {
  let e = 0;
  for (let i = 0; i < rows.length; i++) e += y[rows[i]];
  return e > 0 && e < rows.length;
}

function leftOut(e: unknown): { ok: false; code: string; message: string } {
  if (isTaceError(e)) return { ok: false, code: e.code, message: e.message };
  throw e;
}

/**
 * One bootstrap resample of rms::validate (predab.resample, method "boot"), a pure function of
 * its training rows: fit the pipeline on `trainRows`, then the apparent indexes on the training
 * rows and the test indexes on all rows. A resample whose training rows hold one class, or whose
 * pipeline throws a TaceError, is reported as left out (rms: a failed fit is not counted).
 */
export function validateResample(
  y: Labels, fitPipeline: FitPipeline, trainRows: Int32Array, opts: ValidateResampleOptions = {},
): ValidateResampleResult {
  const scale = opts.scale ?? 'probability';
  if (!hasBothClasses(y, trainRows)) return { ok: false, code: 'MODEL_ONE_CLASS', message: 'the training rows hold one outcome class' };
  let lpAll: Float64Array;
  try {
    const predict = fitPipeline(trainRows);
    lpAll = linearPredictors(predict, allRows(y.length), scale);
  } catch (e) {
    return leftOut(e);
  }
  const lpTrain = Float64Array.from(trainRows, (i) => lpAll[i]);
  const yTrain = Float64Array.from(trainRows, (i) => y[i]);
  return { ok: true, training: apparentIndexes(lpTrain, yTrain), test: testIndexes(lpAll, y) };
}

export interface ValidateRow {
  index: ValidateIndex;
  indexOrig: number;
  training: number;
  test: number;
  optimism: number;
  indexCorrected: number;
  /** Resamples that entered the averages. */
  n: number;
}

export interface ValidateResult {
  /** rms::validate's table: rows VALIDATE_INDEXES, columns index.orig … n. */
  rows: ValidateRow[];
  /** Resamples drawn. */
  B: number;
  /** Resamples left out (one class in the training rows, or a pipeline failure), with their codes. */
  failures: Array<{ resample: number; code: string; message: string }>;
}

/** seq(from, to, by) as R (non-integer branch): from + i·by for i = 0..⌊(to − from)/by + 1e-10⌋, capped at `to`. */
function seqBy(from: number, to: number, by: number): number[] {
  const m = Math.trunc((to - from) / by + 1e-10);
  const out: number[] = [];
  for (let i = 0; i <= m; i++) out.push(Math.min(from + i * by, to));
  return out;
}

/**
 * validate.lrm's Emax row: max over p = seq(0, 1, 5e-4) of |p − plogis(a + b·logit p)|, a and b
 * the optimism-corrected intercept and slope (NaN terms, as 0·∞, are skipped as R's na.rm).
 */
function emaxOf(a: number, b: number): number {
  let m = -Infinity;
  for (const p of seqBy(0, 1, 5e-4)) {
    const L = Math.log(p / (1 - p));
    const v = Math.abs(p - plogis(a + b * L));
    if (!Number.isNaN(v) && v > m) m = v;
  }
  return m;
}

/**
 * Builds rms::validate's table from the original model's apparent indexes and the resamples'
 * results, in resample order (predab.resample: training and test averaged over the resamples
 * that were not left out; optimism = training − test; index.corrected = index.orig − optimism;
 * Emax from the corrected intercept and slope: row (0, 0, Emax, Emax, Emax)).
 */
export function aggregateValidate(indexOrig: ValidationMeasures, results: ReadonlyArray<ValidateResampleResult>): ValidateResult {
  const train: Record<string, number> = {};
  const test: Record<string, number> = {};
  for (const k of MEASURES) {
    train[k] = 0;
    test[k] = 0;
  }
  let num = 0;
  const failures: ValidateResult['failures'] = [];
  results.forEach((r, i) => {
    if (!r.ok) {
      failures.push({ resample: i, code: r.code, message: r.message });
      return;
    }
    num++;
    for (const k of MEASURES) {
      train[k] += r.training[k];
      test[k] += r.test[k];
    }
  });
  if (num === 0) {
    throw new TaceError('MODEL_BOOTSTRAP_ALL_FAILED', `all ${results.length} resamples failed`, {
      detail: { codes: [...new Set(failures.map((f) => f.code))] },
    });
  }
  const row = (k: (typeof MEASURES)[number]): ValidateRow => {
    const tr = train[k] / num;
    const te = test[k] / num;
    const opt = tr - te;
    return { index: k, indexOrig: indexOrig[k], training: tr, test: te, optimism: opt, indexCorrected: indexOrig[k] - opt, n: num };
  };
  const rows = MEASURES.map(row);
  const emax = emaxOf(rows[2].indexCorrected, rows[3].indexCorrected);
  const emaxRow: ValidateRow = { index: 'Emax', indexOrig: 0, training: 0, test: emax, optimism: emax, indexCorrected: emax, n: num };
  return { rows: [...rows.slice(0, 4), emaxRow, ...rows.slice(4)], B: results.length, failures };
}

export interface BootstrapValidateOptions extends PredictionScaleOption {
  /** Resamples (default 40, as rms). Ignored when `indices` is given. */
  B?: number;
  /** Random numbers for the resampling (default mulberry32(seed)). */
  rng?: Rng;
  /** Seed of the default generator (default 1). */
  seed?: number;
  /** Explicit training rows of each resample (e.g. the ones R drew), 0-based. */
  indices?: ReadonlyArray<ArrayLike<number>>;
}

function resampleIndices(n: number, opts: { B?: number; rng?: Rng; seed?: number; indices?: ReadonlyArray<ArrayLike<number>> }, defaultB: number): Int32Array[] {
  if (opts.indices) {
    return opts.indices.map((idx, b) => {
      checkIndices(idx, n, `resample ${b}`);
      return Int32Array.from(idx);
    });
  }
  return bootstrapIndices(n, opts.B ?? defaultB, opts.rng ?? mulberry32(opts.seed ?? 1));
}

/**
 * Efron–Gong optimism bootstrap of a whole modelling pipeline, as rms::validate(fit, method =
 * "boot", B) for a binary logistic model (validate.lrm + predab.resample, rms 6.5): the table of
 * Dxy, R2, Intercept, Slope, Emax, D, U, Q, B (Brier), g, gp with index.orig, training, test,
 * optimism, index.corrected, n. The pipeline is refitted in every resample (`fitPipeline`), so
 * screening and LASSO selection are validated too. index.orig is the pipeline fitted to all rows.
 * With the same resample indices and a pipeline that reproduces lrm's fit, the table equals rms's.
 * `y` is the outcome of every row (0/1). Serial; for worker threads use bootstrapIndices,
 * validateResample and aggregateValidate directly.
 * Throws MODEL_BAD_LABEL, MODEL_ONE_CLASS, MODEL_TOO_FEW_ROWS, MODEL_BAD_OPTION, the original
 * fit's own error, and MODEL_BOOTSTRAP_ALL_FAILED when no resample could be used.
 */
export function bootstrapValidate(y: Labels, fitPipeline: FitPipeline, opts: BootstrapValidateOptions = {}): ValidateResult {
  const { n } = checkLabels(y, 3);
  const scale = opts.scale ?? 'probability';
  const samples = resampleIndices(n, opts, 40);
  const lpOrig = linearPredictors(fitPipeline(allRows(n)), allRows(n), scale);
  const indexOrig = apparentIndexes(lpOrig, y);
  const results = samples.map((rows) => validateResample(y, fitPipeline, rows, { scale }));
  return aggregateValidate(indexOrig, results);
}

// ---------------------------------------------------------------------------------------------
// rms::calibrate (calibrate.default, method "boot")
// ---------------------------------------------------------------------------------------------

/**
 * calibrate.default's cal.error: lowess(plogis(lp), y, iter = 0) interpolated at predy
 * (approx(…, ties = first), rule 1) minus predy; null where predy lies outside the predictions'
 * range (R's NA).
 */
export function calibrationErrors(lp: ArrayLike<number>, y: Labels, predy: ArrayLike<number>): Array<number | null> {
  const p = Float64Array.from(lp, plogis);
  const sm = lowess(p, y, { iter: 0 });
  const knots = collapseTies(sm.x, sm.y, 'first');
  return Array.from(predy, (v) => {
    const c = approxLinear(knots.x, knots.y, v);
    return Number.isNaN(c) ? null : c - v;
  });
}

/** One resample of rms::calibrate: training and test calibration errors at predy (null = R's NA). */
export type CalibrateResampleResult =
  | { ok: true; training: Array<number | null>; test: Array<number | null> }
  | { ok: false; code: string; message: string };

/**
 * One bootstrap resample of rms::calibrate (pure function of its training rows): fit the pipeline
 * on `trainRows`; calibration errors on the training rows and on all rows.
 */
export function calibrateResample(
  y: Labels, fitPipeline: FitPipeline, trainRows: Int32Array, predy: ArrayLike<number>, opts: PredictionScaleOption = {},
): CalibrateResampleResult {
  const scale = opts.scale ?? 'probability';
  if (!hasBothClasses(y, trainRows)) return { ok: false, code: 'MODEL_ONE_CLASS', message: 'the training rows hold one outcome class' };
  let lpAll: Float64Array;
  try {
    lpAll = linearPredictors(fitPipeline(trainRows), allRows(y.length), scale);
  } catch (e) {
    return leftOut(e);
  }
  const lpTrain = Float64Array.from(trainRows, (i) => lpAll[i]);
  const yTrain = Float64Array.from(trainRows, (i) => y[i]);
  return { ok: true, training: calibrationErrors(lpTrain, yTrain, predy), test: calibrationErrors(lpAll, y, predy) };
}

export interface CalibratePoint {
  /** Predicted probability (grid point). */
  predy: number;
  /** Apparent calibration curve: the lowess of the original predictions, at predy. */
  calibratedOrig: number;
  /** Bias-corrected calibration curve: calibratedOrig − optimism. */
  calibratedCorrected: number;
  /** calibratedOrig − predy. */
  indexOrig: number;
  /** Mean training error over the resamples that cover predy. */
  training: number;
  test: number;
  /** training − test. */
  optimism: number;
  indexCorrected: number;
  /** Resamples whose training and test curves both reach predy. */
  n: number;
}

export interface CalibrateResult {
  points: CalibratePoint[];
  B: number;
  failures: Array<{ resample: number; code: string; message: string }>;
}

/**
 * calibrate.default's default grid: p = sort(predictions); seq(p[5], p[n − 4], length = 50)
 * as R computes it (from + i·(to − from)/49, the last point exactly `to`). Needs n > 10.
 */
export function defaultPredy(probabilities: ArrayLike<number>): number[] {
  const n = probabilities.length;
  if (n < 11) throw new TaceError('MODEL_TOO_FEW_ROWS', 'calibrate needs n > 10 for its default grid', { detail: { n } });
  const s = Float64Array.from(probabilities).sort();
  const from = s[4];
  const to = s[n - 5];
  if (from === to) return Array(50).fill(from);
  const del = to - from;
  const out = [from];
  for (let i = 1; i <= 48; i++) out.push(from + i * (del / 49));
  out.push(to);
  return out;
}

/**
 * Builds rms::calibrate's table (predab.resample + calibrate.default): at each predy, training and
 * test errors averaged over the resamples where both are defined (R: NA left out per point),
 * optimism = training − test, calibrated.corrected = calibrated.orig − optimism. Grid points that
 * no resample covers (R: NaN) are left out of `points`.
 */
export function aggregateCalibrate(
  predy: ArrayLike<number>, origErrors: ReadonlyArray<number | null>, results: ReadonlyArray<CalibrateResampleResult>,
): CalibrateResult {
  const m = predy.length;
  const tr = new Float64Array(m);
  const te = new Float64Array(m);
  const num = new Float64Array(m);
  const failures: CalibrateResult['failures'] = [];
  results.forEach((r, i) => {
    if (!r.ok) {
      failures.push({ resample: i, code: r.code, message: r.message });
      return;
    }
    for (let j = 0; j < m; j++) {
      const a = r.training[j];
      const b = r.test[j];
      if (a === null || b === null) continue;
      tr[j] += a;
      te[j] += b;
      num[j]++;
    }
  });
  if (failures.length === results.length) {
    throw new TaceError('MODEL_BOOTSTRAP_ALL_FAILED', `all ${results.length} resamples failed`, {
      detail: { codes: [...new Set(failures.map((f) => f.code))] },
    });
  }
  const points: CalibratePoint[] = [];
  for (let j = 0; j < m; j++) {
    const orig = origErrors[j];
    if (orig === null) throw new TaceError('MODEL_BAD_OPTION', `predy ${predy[j]} lies outside the range of the predictions`);
    if (num[j] === 0) continue;
    const training = tr[j] / num[j];
    const test = te[j] / num[j];
    const optimism = training - test;
    const calibratedOrig = orig + predy[j];
    points.push({
      predy: predy[j], calibratedOrig, calibratedCorrected: calibratedOrig - optimism, indexOrig: orig,
      training, test, optimism, indexCorrected: orig - optimism, n: num[j],
    });
  }
  return { points, B: results.length, failures };
}

export interface BootstrapCalibrateOptions extends BootstrapValidateOptions {
  /** Grid of predicted probabilities (default: calibrate.default's, see defaultPredy). */
  predy?: ArrayLike<number>;
}

/**
 * Bootstrap overfitting-corrected calibration curve of a whole modelling pipeline, as
 * rms::calibrate(fit, method = "boot", B) for a binary logistic model (calibrate.default,
 * rms 6.5): the apparent curve lowess(p, y, iter = 0) at a grid `predy`, the mean optimism of the
 * resamples' curves (training curve − curve of the resample's model on all rows) and the
 * bias-corrected curve. With the same resample indices and a pipeline reproducing lrm's fit, the
 * table equals rms's. Serial; for worker threads use calibrateResample and aggregateCalibrate.
 * Throws as bootstrapValidate, and MODEL_BAD_OPTION for a predy outside the predictions' range.
 */
export function bootstrapCalibrate(y: Labels, fitPipeline: FitPipeline, opts: BootstrapCalibrateOptions = {}): CalibrateResult {
  const { n } = checkLabels(y, 3);
  const scale = opts.scale ?? 'probability';
  const samples = resampleIndices(n, opts, 40);
  const lpOrig = linearPredictors(fitPipeline(allRows(n)), allRows(n), scale);
  const predy = opts.predy ?? defaultPredy(Float64Array.from(lpOrig, plogis));
  const orig = calibrationErrors(lpOrig, y, predy);
  const results = samples.map((rows) => calibrateResample(y, fitPipeline, rows, predy, { scale }));
  return aggregateCalibrate(predy, orig, results);
}
