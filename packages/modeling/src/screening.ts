/**
 * Feature screening before LASSO, as radiomics studies do it — always fitted on the training data
 * only: ICC reproducibility filter on repeated segmentations (irr::icc), univariate tests
 * (wilcox.test, t.test), correlation pruning (cor, pearson / spearman) and mRMR (mRMRe classic).
 * `screen()` chains them and reports, for every feature, the step and statistic that dropped it.
 *
 * Reference values: packages/modeling/reference/screening.R (R 4.2.2; irr 0.84.1 and mRMRe are
 * re-expressed there in base R from their CRAN sources).
 */
import betainc from '@stdlib/math-base-special-betainc';
import fQuantile from '@stdlib/stats-base-dists-f-quantile';
import { TaceError } from '@tace/common';
import { ptTwoSided } from './distributions.ts';
import { pnorm } from './normal.ts';
import type { Labels, Matrix } from './logistic.ts';

// ---------------------------------------------------------------------------------------------
// Small numerical helpers (the same two-pass formulas R uses, so results agree to ~1e-15)
// ---------------------------------------------------------------------------------------------

/** Mean with R's second correction pass (summary.c: s/n + Σ(xᵢ − s/n)/n). */
function meanR(x: ArrayLike<number>): number {
  const n = x.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  const m = s / n;
  if (!Number.isFinite(m)) return m;
  let t = 0;
  for (let i = 0; i < n; i++) t += x[i] - m;
  return m + t / n;
}

/** Sample variance Σ(xᵢ − x̄)²/(n − 1) around the corrected mean (R's var). */
function varR(x: ArrayLike<number>): number {
  const m = meanR(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - m;
    s += d * d;
  }
  return s / (x.length - 1);
}

/**
 * Upper tail P(F > f) of the F(df1, df2) distribution computed directly from the regularised
 * incomplete beta function, with the same branch as R's pf(lower.tail = FALSE), so that very
 * small p-values keep their relative precision (1 − cdf would round them to 0).
 */
function pfUpper(f: number, df1: number, df2: number): number {
  if (!(df1 > 0) || !(df2 > 0)) throw new RangeError(`F df (${df1}, ${df2}) must be > 0`);
  if (Number.isNaN(f)) return NaN;
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  if (df1 * f > df2) return betainc(df2 / (df2 + df1 * f), df2 / 2, df1 / 2, true, false);
  return betainc((df1 * f) / (df2 + df1 * f), df1 / 2, df2 / 2, true, true);
}

function invalid(message: string, detail?: Record<string, unknown>): TaceError {
  return new TaceError('MODEL_INVALID_OPTION', message, { detail });
}

function checkFinite(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `${what}: value ${i} is not a finite number`, { detail: { feature: what, row: i } });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 1. ICC (irr::icc)
// ---------------------------------------------------------------------------------------------

export type IccModel = 'oneway' | 'twoway';
export type IccType = 'consistency' | 'agreement';
export type IccUnit = 'single' | 'average';

export interface IccOptions {
  /** Default 'oneway' (irr's default). */
  model?: IccModel;
  /** Default 'consistency' (irr's default). Ignored when model = 'oneway', as in irr. */
  type?: IccType;
  /** Default 'single'. */
  unit?: IccUnit;
  /** Null-hypothesis value of the F test, 0 ≤ r0 < 1 (default 0). Affects only F and p. */
  r0?: number;
  /** Confidence level of the interval (default 0.95). */
  confLevel?: number;
}

export interface IccResult {
  model: IccModel;
  type: IccType;
  unit: IccUnit;
  subjects: number;
  raters: number;
  /** The intraclass correlation coefficient. */
  value: number;
  /** F statistic of H0: ICC = r0, its degrees of freedom (df2 is fractional for 'agreement'), and the upper-tail p. */
  fValue: number;
  df1: number;
  df2: number;
  pValue: number;
  /** Confidence interval at `confLevel` (McGraw & Wong 1996 for two-way agreement). */
  lbound: number;
  ubound: number;
  /** irr's mean squares: MSr (subjects), MSw (within subjects), MSc (raters), MSe (residual of the two-way model). */
  meanSquares: { rows: number; within: number; columns: number; error: number };
}

/**
 * Intraclass correlation of a subjects × raters matrix (`ratings[i][j]` = subject i, rater j),
 * exactly as irr::icc (irr 0.84.1) computes it: mean squares from variances
 * (SStotal = var(all)·(ns·nr − 1), MSr = var(row means)·nr, MSw = mean of row variances,
 * MSc = var(column means)·ns, MSe = (SStotal − MSr(ns − 1) − MSc(nr − 1)) / ((ns − 1)(nr − 1))),
 * the ICC(1) / ICC(C,1) / ICC(A,1) and average-unit ICC(k) / ICC(C,k) / ICC(A,k) coefficients,
 * the F test against r0 with p = pf(F, df1, df2, lower.tail = FALSE), and irr's confidence
 * intervals. Deviation: irr drops incomplete rows (na.omit); here a non-finite rating is an error
 * (MODEL_NON_FINITE_INPUT), and a degenerate result (zero error variance, ICC = 1 so the interval
 * is NaN in irr) is MODEL_DEGENERATE_ICC instead of NaN.
 */
export function icc(ratings: Matrix, opts: IccOptions = {}): IccResult {
  const model = opts.model ?? 'oneway';
  const type = opts.type ?? 'consistency';
  const unit = opts.unit ?? 'single';
  const r0 = opts.r0 ?? 0;
  const confLevel = opts.confLevel ?? 0.95;
  if (model !== 'oneway' && model !== 'twoway') throw invalid(`ICC model ${String(model)}`);
  if (type !== 'consistency' && type !== 'agreement') throw invalid(`ICC type ${String(type)}`);
  if (unit !== 'single' && unit !== 'average') throw invalid(`ICC unit ${String(unit)}`);
  if (!(r0 >= 0 && r0 < 1)) throw invalid(`ICC r0 ${r0} must be in [0, 1)`);
  if (!(confLevel > 0 && confLevel < 1)) throw invalid(`confidence level ${confLevel} must be in (0, 1)`);
  const ns = ratings.length;
  if (ns < 2) throw new TaceError('MODEL_TOO_FEW_ROWS', `ICC needs at least 2 subjects, got ${ns}`, { detail: { subjects: ns } });
  const nr = ratings[0].length;
  if (nr < 2) throw new TaceError('MODEL_TOO_FEW_ROWS', `ICC needs at least 2 raters, got ${nr}`, { detail: { raters: nr } });
  const all = new Float64Array(ns * nr);
  const rowMeans = new Float64Array(ns);
  let msw = 0;
  for (let i = 0; i < ns; i++) {
    const row = ratings[i];
    if (row.length !== nr) {
      throw new TaceError('MODEL_DIMENSION_MISMATCH', `subject ${i} has ${row.length} ratings, expected ${nr}`, { detail: { row: i } });
    }
    for (let j = 0; j < nr; j++) {
      if (!Number.isFinite(row[j])) {
        throw new TaceError('MODEL_NON_FINITE_INPUT', `rating of subject ${i} by rater ${j} is not a finite number`, { detail: { row: i, rater: j } });
      }
      all[j * ns + i] = row[j];
    }
    rowMeans[i] = meanR(row);
    msw += varR(row) / ns;
  }
  const colMeans = new Float64Array(nr);
  for (let j = 0; j < nr; j++) colMeans[j] = meanR(all.subarray(j * ns, (j + 1) * ns));
  const ssTotal = varR(all) * (ns * nr - 1);
  const msr = varR(rowMeans) * nr;
  const msc = varR(colMeans) * ns;
  const mse = (ssTotal - msr * (ns - 1) - msc * (nr - 1)) / ((ns - 1) * (nr - 1));
  if (!(ssTotal > 0)) {
    throw new TaceError('MODEL_CONSTANT_INPUT', 'ICC of constant ratings is undefined', { detail: { subjects: ns, raters: nr } });
  }

  const upper = 1 - (1 - confLevel) / 2;
  const single = unit === 'single';
  let value: number;
  let fValue: number;
  let df2: number;
  let lbound: number;
  let ubound: number;
  if (model === 'oneway' || type === 'consistency') {
    // ICC(1) / ICC(k) use MSw; ICC(C,1) / ICC(C,k) use MSe.
    const den = model === 'oneway' ? msw : mse;
    df2 = model === 'oneway' ? ns * (nr - 1) : (ns - 1) * (nr - 1);
    value = single ? (msr - den) / (msr + (nr - 1) * den) : (msr - den) / msr;
    fValue = (msr / den) * (single ? (1 - r0) / (1 + (nr - 1) * r0) : 1 - r0);
    const fl = msr / den / fQuantile(upper, ns - 1, df2);
    const fu = (msr / den) * fQuantile(upper, df2, ns - 1);
    if (single) {
      lbound = (fl - 1) / (fl + (nr - 1));
      ubound = (fu - 1) / (fu + (nr - 1));
    } else {
      lbound = 1 - 1 / fl;
      ubound = 1 - 1 / fu;
    }
  } else {
    // ICC(A,1) / ICC(A,k): F against r0 and Satterthwaite-type df2 (McGraw & Wong 1996), as irr.
    value = single ? (msr - mse) / (msr + (nr - 1) * mse + (nr / ns) * (msc - mse)) : (msr - mse) / (msr + (msc - mse) / ns);
    const k = single ? nr : 1;
    const a0 = (k * r0) / (ns * (1 - r0));
    const b0 = 1 + (k * r0 * (ns - 1)) / (ns * (1 - r0));
    fValue = msr / (a0 * msc + b0 * mse);
    const a = (nr * value) / (ns * (1 - value));
    const b = 1 + (nr * value * (ns - 1)) / (ns * (1 - value));
    df2 = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (nr - 1) + (b * mse) ** 2 / ((ns - 1) * (nr - 1)));
    const fl = fQuantile(upper, ns - 1, df2);
    const fu = fQuantile(upper, df2, ns - 1);
    if (single) {
      lbound = (ns * (msr - fl * mse)) / (fl * (nr * msc + (nr * ns - nr - ns) * mse) + ns * msr);
      ubound = (ns * (fu * msr - mse)) / (nr * msc + (nr * ns - nr - ns) * mse + ns * fu * msr);
    } else {
      lbound = (ns * (msr - fl * mse)) / (fl * (msc - mse) + ns * msr);
      ubound = (ns * (fu * msr - mse)) / (msc - mse + ns * fu * msr);
    }
  }
  const pValue = Number.isFinite(fValue) && df2 > 0 ? pfUpper(fValue, ns - 1, df2) : NaN;
  const out: IccResult = {
    model, type, unit, subjects: ns, raters: nr, value, fValue, df1: ns - 1, df2, pValue, lbound, ubound,
    meanSquares: { rows: msr, within: msw, columns: msc, error: mse },
  };
  for (const key of ['value', 'fValue', 'df2', 'pValue', 'lbound', 'ubound'] as const) {
    if (!Number.isFinite(out[key])) {
      throw new TaceError('MODEL_DEGENERATE_ICC', `ICC ${key} is not finite (no within-subject variation?)`, {
        detail: { key, msr, msw, msc, mse },
      });
    }
  }
  return out;
}

/** Repeated measurements of the same features: `raters[r][i][j]` = rater (segmentation) r, subject i, feature `names[j]`. */
export interface ReplicateFeatures {
  names: readonly string[];
  raters: readonly Matrix[];
}

export interface IccScreenOptions {
  /** Keep a feature when its ICC (or lower bound, see `on`) is ≥ threshold. Default 0.75. */
  threshold?: number;
  /** Default 'twoway' — two-way agreement, single unit (Shrout & Fleiss ICC(2,1)), the usual radiomics choice. */
  model?: IccModel;
  /** Default 'agreement'. */
  type?: IccType;
  /** Default 'single'. */
  unit?: IccUnit;
  /** Compare the point estimate (default) or the lower confidence bound with the threshold. */
  on?: 'estimate' | 'lower';
  confLevel?: number;
}

export interface IccScreenRow {
  name: string;
  kept: boolean;
  /**
   * Why not kept: the ICC (or its lower bound) is below the threshold; the feature is constant in
   * the replicate data; or irr's formulas give a non-finite result for it ('icc-undefined', e.g. no
   * variation between subjects: `undefinedPart` names the quantity).
   */
  reason?: 'icc-below-threshold' | 'constant' | 'icc-undefined';
  undefinedPart?: string;
  /** ICC, bounds and p; undefined for a constant feature. Identical ratings (every subject rated identically) give value = lbound = ubound = 1, pValue = 0. */
  icc?: { value: number; lbound: number; ubound: number; pValue: number };
  /** Identical measurements for every subject across raters (irr would report NaN bounds). */
  identical?: boolean;
}

export interface IccScreenResult {
  kept: string[];
  table: IccScreenRow[];
}

/**
 * ICC reproducibility screen: computes `icc()` per feature over the raters and keeps the features
 * with ICC ≥ threshold (default 0.75, two-way agreement, single unit). Features constant over all
 * replicate measurements are reported as dropped ('constant'); features measured identically by
 * every rater for every subject are kept with ICC 1 (flagged `identical`; irr gives NaN bounds there);
 * features whose ICC is undefined (MODEL_DEGENERATE_ICC from `icc`) are dropped as 'icc-undefined'.
 */
export function iccScreen(replicates: ReplicateFeatures, opts: IccScreenOptions = {}): IccScreenResult {
  const threshold = opts.threshold ?? 0.75;
  if (!Number.isFinite(threshold)) throw invalid(`ICC threshold ${threshold}`);
  const { names, raters } = replicates;
  if (raters.length < 2) throw new TaceError('MODEL_TOO_FEW_ROWS', `ICC screening needs at least 2 raters, got ${raters.length}`);
  const ns = raters[0].length;
  for (let r = 0; r < raters.length; r++) {
    if (raters[r].length !== ns) {
      throw new TaceError('MODEL_DIMENSION_MISMATCH', `rater ${r} has ${raters[r].length} subjects, rater 0 has ${ns}`, { detail: { rater: r } });
    }
    for (let i = 0; i < ns; i++) {
      if (raters[r][i].length !== names.length) {
        throw new TaceError('MODEL_DIMENSION_MISMATCH', `rater ${r} subject ${i} has ${raters[r][i].length} features, expected ${names.length}`, {
          detail: { rater: r, row: i },
        });
      }
    }
  }
  checkUniqueNames(names);
  const kept: string[] = [];
  const table: IccScreenRow[] = [];
  for (let j = 0; j < names.length; j++) {
    const m: number[][] = [];
    let constant = true;
    let identical = true;
    for (let i = 0; i < ns; i++) {
      const row: number[] = [];
      for (let r = 0; r < raters.length; r++) {
        const v = raters[r][i][j];
        if (!Number.isFinite(v)) {
          throw new TaceError('MODEL_NON_FINITE_INPUT', `feature ${names[j]}: rater ${r}, subject ${i} is not a finite number`, {
            detail: { feature: names[j], row: i, rater: r },
          });
        }
        row.push(v);
        if (v !== raters[0][0][j]) constant = false;
        if (v !== raters[0][i][j]) identical = false;
      }
      m.push(row);
    }
    if (constant) {
      table.push({ name: names[j], kept: false, reason: 'constant' });
      continue;
    }
    if (identical) {
      table.push({ name: names[j], kept: true, identical: true, icc: { value: 1, lbound: 1, ubound: 1, pValue: 0 } });
      kept.push(names[j]);
      continue;
    }
    let res: IccResult;
    try {
      res = icc(m, { model: opts.model ?? 'twoway', type: opts.type ?? 'agreement', unit: opts.unit ?? 'single', confLevel: opts.confLevel });
    } catch (e) {
      if (!(e instanceof TaceError) || e.code !== 'MODEL_DEGENERATE_ICC') throw e;
      table.push({ name: names[j], kept: false, reason: 'icc-undefined', undefinedPart: String(e.detail?.key) });
      continue;
    }
    const stat = (opts.on ?? 'estimate') === 'lower' ? res.lbound : res.value;
    const ok = stat >= threshold;
    const row: IccScreenRow = { name: names[j], kept: ok, icc: { value: res.value, lbound: res.lbound, ubound: res.ubound, pValue: res.pValue } };
    if (!ok) row.reason = 'icc-below-threshold';
    table.push(row);
    if (ok) kept.push(names[j]);
  }
  return { kept, table };
}

// ---------------------------------------------------------------------------------------------
// 2. Univariate two-sample tests
// ---------------------------------------------------------------------------------------------

/** Ranks with ties given their average rank, 1-based — R's rank(x) (ties.method = "average"). */
export function rankAverage(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  const r = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]] === x[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

export interface WilcoxonOptions {
  /**
   * Exact p-value from the null distribution of W. Default as R's wilcox.test: exact when both
   * samples have fewer than 50 values. With ties the normal approximation is used regardless (R warns).
   */
  exact?: boolean;
  /** Continuity correction of the normal approximation (default true, as R). */
  correct?: boolean;
}

export interface WilcoxonResult {
  /** W = Σ ranks of x − nx(nx + 1)/2 (R's statistic W), the number of (x, y) pairs with x > y plus ½ per tie. */
  statistic: number;
  /** W / (nx·ny): the AUC of x against y (P(X > Y) + ½P(X = Y)). */
  auc: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Whether the exact distribution was used. */
  exact: boolean;
}

/** Cumulative counts of the Mann–Whitney U distribution for sample sizes (m, n), cached. */
const wilcoxCounts = new Map<string, { cum: Float64Array; total: number }>();

/**
 * Number of arrangements with U = u for u = 0..m·n (the coefficients of R's cwilcox), by the
 * recursion f(i, j, u) = f(i − 1, j, u − j) + f(i, j − 1, u): the largest of the i + j values is
 * either an x (exceeding all j y's) or a y.
 */
function wilcoxDistribution(m: number, n: number): { cum: Float64Array; total: number } {
  const key = `${m},${n}`;
  const hit = wilcoxCounts.get(key);
  if (hit) return hit;
  const size = m * n + 1;
  const f: Float64Array[] = [];
  for (let i = 0; i <= m; i++) {
    f.push(new Float64Array(size));
    f[i][0] = 1;
  }
  for (let j = 1; j <= n; j++) {
    for (let i = 1; i <= m; i++) {
      const cur = f[i];
      const prev = f[i - 1];
      for (let u = i * j; u >= j; u--) cur[u] += prev[u - j];
    }
  }
  const cum = new Float64Array(size);
  let s = 0;
  for (let u = 0; u < size; u++) {
    s += f[m][u];
    cum[u] = s;
  }
  const out = { cum, total: s };
  wilcoxCounts.set(key, out);
  return out;
}

/**
 * Two-sample Wilcoxon rank-sum / Mann–Whitney test, two-sided, as R's wilcox.test(x, y)
 * (stats 4.2): exact p = min(1, 2·P(W ≤ w) or 2·P(W ≥ w)) from the exact null distribution
 * when `exact` (default: both samples < 50) and there are no ties; otherwise the normal
 * approximation with the tie-corrected variance
 * σ² = nx·ny/12 · ((nx + ny + 1) − Σ(t³ − t)/((nx + ny)(nx + ny − 1))) and continuity correction
 * sign(z)·½ (when `correct`). R's `digits.rank = Inf` default: ranks of the exact values.
 */
export function wilcoxonRankSum(x: ArrayLike<number>, y: ArrayLike<number>, opts: WilcoxonOptions = {}): WilcoxonResult {
  const nx = x.length;
  const ny = y.length;
  if (nx < 1 || ny < 1) throw new TaceError('MODEL_TOO_FEW_ROWS', `Wilcoxon test needs values in both samples (${nx}, ${ny})`, { detail: { nx, ny } });
  checkFinite(x, 'x');
  checkFinite(y, 'y');
  const all = new Float64Array(nx + ny);
  for (let i = 0; i < nx; i++) all[i] = x[i];
  for (let i = 0; i < ny; i++) all[nx + i] = y[i];
  const r = rankAverage(all);
  let sx = 0;
  for (let i = 0; i < nx; i++) sx += r[i];
  const w = sx - (nx * (nx + 1)) / 2;
  // Tie counts.
  const sorted = Float64Array.from(all).sort();
  let tieTerm = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const ties = tieTerm > 0;
  const exact = (opts.exact ?? (nx < 50 && ny < 50)) && !ties;
  let pValue: number;
  if (exact) {
    const { cum, total } = wilcoxDistribution(nx, ny);
    const mn = nx * ny;
    // P(W ≥ w) = P(W ≤ mn − w) by symmetry; each tail summed directly.
    const p = w > mn / 2 ? cum[mn - w] / total : cum[w] / total;
    pValue = Math.min(2 * p, 1);
  } else {
    const n = nx + ny;
    let z = w - (nx * ny) / 2;
    const sigma = Math.sqrt(((nx * ny) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    if (!(sigma > 0)) throw new TaceError('MODEL_CONSTANT_INPUT', 'Wilcoxon test: all values are tied', { detail: { nx, ny } });
    const correction = (opts.correct ?? true) ? Math.sign(z) * 0.5 : 0;
    z = (z - correction) / sigma;
    pValue = 2 * Math.min(pnorm(z), pnorm(-z));
  }
  return { statistic: w, auc: w / (nx * ny), pValue, exact };
}

export interface TTestResult {
  /** t = (x̄ − ȳ) / SE. */
  statistic: number;
  df: number;
  /** Two-sided p-value 2·P(T > |t|). */
  pValue: number;
}

/**
 * Two-sample t test, two-sided, as R's t.test(x, y, var.equal): Welch (default, var.equal =
 * FALSE) with Satterthwaite df = SE⁴ / (SEx⁴/(nx − 1) + SEy⁴/(ny − 1)), or Student's with the
 * pooled variance and df = nx + ny − 2. Like R, data that are essentially constant
 * (SE < 10·ε·max(|x̄|, |ȳ|)) are an error (MODEL_CONSTANT_INPUT).
 */
export function tTest(x: ArrayLike<number>, y: ArrayLike<number>, opts: { varEqual?: boolean } = {}): TTestResult {
  const nx = x.length;
  const ny = y.length;
  const varEqual = opts.varEqual ?? false;
  if (varEqual ? nx < 1 || ny < 1 || nx + ny < 3 : nx < 2 || ny < 2) {
    throw new TaceError('MODEL_TOO_FEW_ROWS', `t test: not enough observations (${nx}, ${ny})`, { detail: { nx, ny } });
  }
  checkFinite(x, 'x');
  checkFinite(y, 'y');
  const mx = meanR(x);
  const my = meanR(y);
  const vx = nx > 1 ? varR(x) : 0;
  const vy = ny > 1 ? varR(y) : 0;
  let df: number;
  let se: number;
  if (varEqual) {
    df = nx + ny - 2;
    const v = ((nx - 1) * vx + (ny - 1) * vy) / df;
    se = Math.sqrt(v * (1 / nx + 1 / ny));
  } else {
    const sex = Math.sqrt(vx / nx);
    const sey = Math.sqrt(vy / ny);
    se = Math.sqrt(sex * sex + sey * sey);
    df = se ** 4 / (sex ** 4 / (nx - 1) + sey ** 4 / (ny - 1));
  }
  if (!(se >= 10 * Number.EPSILON * Math.max(Math.abs(mx), Math.abs(my))) || se === 0) {
    throw new TaceError('MODEL_CONSTANT_INPUT', 't test: data are essentially constant', { detail: { nx, ny } });
  }
  const t = (mx - my) / se;
  return { statistic: t, df, pValue: ptTwoSided(t, df) };
}

// ---------------------------------------------------------------------------------------------
// 3. Correlation
// ---------------------------------------------------------------------------------------------

export type CorrelationMethod = 'pearson' | 'spearman';

function centred(x: ArrayLike<number>): { c: Float64Array; norm: number } {
  const m = meanR(x);
  const c = new Float64Array(x.length);
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    c[i] = x[i] - m;
    ss += c[i] * c[i];
  }
  return { c, norm: Math.sqrt(ss) };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function clampCor(r: number): number {
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * Correlation matrix of the columns, as R's cor(X, method): Pearson Σ(x − x̄)(y − ȳ) /
 * √(Σ(x − x̄)² Σ(y − ȳ)²), or Spearman = Pearson of the ranks with ties averaged. Columns must
 * be finite and non-constant (a constant column has no correlation: MODEL_CONSTANT_INPUT).
 */
export function correlationMatrix(columns: ReadonlyArray<ArrayLike<number>>, method: CorrelationMethod = 'pearson'): Float64Array[] {
  const p = columns.length;
  const prepared = columns.map((col, j) => {
    if (col.length !== columns[0].length) {
      throw new TaceError('MODEL_DIMENSION_MISMATCH', `column ${j} has ${col.length} values, column 0 has ${columns[0].length}`, { detail: { feature: j } });
    }
    checkFinite(col, `column ${j}`);
    const z = centred(method === 'spearman' ? rankAverage(col) : col);
    if (!(z.norm > 0)) throw new TaceError('MODEL_CONSTANT_INPUT', `column ${j} is constant: correlation undefined`, { detail: { feature: j } });
    return z;
  });
  const out = Array.from({ length: p }, () => new Float64Array(p));
  for (let i = 0; i < p; i++) {
    out[i][i] = 1;
    for (let j = i + 1; j < p; j++) {
      const r = clampCor(dot(prepared[i].c, prepared[j].c) / (prepared[i].norm * prepared[j].norm));
      out[i][j] = r;
      out[j][i] = r;
    }
  }
  return out;
}

/** Correlation of two vectors, as R's cor(x, y, method). */
export function correlation(x: ArrayLike<number>, y: ArrayLike<number>, method: CorrelationMethod = 'pearson'): number {
  if (x.length !== y.length) throw new TaceError('MODEL_DIMENSION_MISMATCH', `${x.length} x values but ${y.length} y values`);
  return correlationMatrix([x, y], method)[0][1];
}

export interface PruneOptions {
  /** Pairs with |r| strictly above this are pruned. */
  threshold: number;
  method?: CorrelationMethod;
  /**
   * Univariate priority per feature, LOWER is better (e.g. p-values, or rank positions from
   * `univariatePriority`). Equal priority: the earlier column is kept.
   */
  priority: ArrayLike<number>;
}

export interface PruneResult {
  kept: string[];
  /** Each dropped feature, the feature of the pair that was kept, and their correlation r. */
  dropped: Array<{ name: string; partner: string; r: number }>;
}

/**
 * Correlation pruning — OUR rule (not caret::findCorrelation, which drops by mean absolute
 * correlation): all pairs with |r| > threshold are processed greedily by descending |r| (equal
 * |r|: lower first column index, then lower second index); a pair one of whose features is
 * already dropped is skipped; otherwise the feature with the worse priority (higher value; tie:
 * the later column) is dropped. Reference: the same rule written independently in base R
 * (reference/screening.R, prune_greedy). `features` is n × p (rows are samples).
 */
export function pruneCorrelated(features: Matrix, names: readonly string[], opts: PruneOptions): PruneResult {
  const cols = toColumns(features, names);
  if (opts.priority.length !== names.length) {
    throw new TaceError('MODEL_DIMENSION_MISMATCH', `${opts.priority.length} priorities for ${names.length} features`);
  }
  if (!(opts.threshold >= 0 && opts.threshold <= 1)) throw invalid(`correlation threshold ${opts.threshold} must be in [0, 1]`);
  return pruneColumns(cols, names, opts.threshold, opts.method ?? 'pearson', opts.priority);
}

function pruneColumns(
  cols: Float64Array[], names: readonly string[], threshold: number, method: CorrelationMethod, priority: ArrayLike<number>,
): PruneResult {
  const p = cols.length;
  const r = correlationMatrix(cols, method);
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) if (Math.abs(r[i][j]) > threshold) pairs.push([i, j, Math.abs(r[i][j])]);
  pairs.sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]);
  const alive = new Array<boolean>(p).fill(true);
  const dropped: PruneResult['dropped'] = [];
  for (const [i, j] of pairs) {
    if (!alive[i] || !alive[j]) continue;
    const keepI = priority[i] <= priority[j]; // i < j: equal priority keeps the earlier column
    const [keep, drop] = keepI ? [i, j] : [j, i];
    alive[drop] = false;
    dropped.push({ name: names[drop], partner: names[keep], r: r[i][j] });
  }
  return { kept: names.filter((_, j) => alive[j]), dropped };
}

// ---------------------------------------------------------------------------------------------
// 4. mRMR (mRMRe classic)
// ---------------------------------------------------------------------------------------------

export interface MrmrOptions {
  /** Correlation estimator for the mutual information (mRMRe's continuous_estimator; default 'pearson'). */
  method?: CorrelationMethod;
  /** Number of features to select (default: all, i.e. the full mRMR ordering). */
  k?: number;
}

export interface MrmrSelected {
  name: string;
  /** Column index in the input. */
  index: number;
  /** MI(f, y) − mean over earlier selections s of MI(f, s) (MI(f, y) for the first): mRMRe's scores(). */
  score: number;
  /** MI(f, y) = −½·log(1 − r²). */
  relevance: number;
}

export interface MrmrResult {
  selected: MrmrSelected[];
  /** Features whose score is undefined (|r| = 1 with both the target and a selected feature: ∞ − ∞), never ranked, as mRMRe skips NaN scores. */
  unranked: string[];
}

/**
 * Minimum-redundancy maximum-relevance selection as mRMRe's mRMR.classic (one solution):
 * mutual information of continuous variables from their correlation, MI = −½·log(1 − ρ²)
 * (mRMRe Math::computeMi), ρ Pearson or Spearman; the first feature maximises MI(f, y), each next
 * maximises the MID score MI(f, y) − mean_{s ∈ S} MI(f, s). (mRMRe's C++ divides the summed
 * redundancy by the level including the target, i.e. ranks by ((L−1)/L)·MID: the same choice at
 * every step; the scores returned are those of mRMRe's scores() method, the MID.) Equal scores:
 * the lower column index wins (mRMRe's std::sort leaves ties unspecified).
 * Documented deviation: mRMRe's Spearman ranks tied values in sort order (arbitrary); here ties get
 * average ranks, as R's cor(method = "spearman"). `target` is numeric (0/1 labels give the
 * point-biserial correlation, as mRMRe does for a numeric target).
 */
export function mrmr(features: Matrix, names: readonly string[], target: ArrayLike<number>, opts: MrmrOptions = {}): MrmrResult {
  const cols = toColumns(features, names);
  if (target.length !== features.length) {
    throw new TaceError('MODEL_DIMENSION_MISMATCH', `${target.length} target values but ${features.length} rows`);
  }
  checkFinite(target, 'target');
  return mrmrColumns(cols, names, Float64Array.from(target), opts.method ?? 'pearson', opts.k ?? names.length);
}

function mi(r: number): number {
  return -0.5 * Math.log(1 - r * r);
}

function mrmrColumns(cols: Float64Array[], names: readonly string[], target: Float64Array, method: CorrelationMethod, k: number): MrmrResult {
  if (!(Number.isInteger(k) && k >= 0)) throw invalid(`mRMR k ${k} must be a non-negative integer`);
  const p = cols.length;
  const r = correlationMatrix([target, ...cols], method);
  const rel = Float64Array.from({ length: p }, (_, j) => mi(r[0][j + 1]));
  const redSum = new Float64Array(p);
  const candidate = new Array<boolean>(p).fill(true);
  const selected: MrmrSelected[] = [];
  while (selected.length < Math.min(k, p)) {
    let best = -1;
    let bestScore = -Infinity;
    const s = selected.length;
    for (let j = 0; j < p; j++) {
      if (!candidate[j]) continue;
      const score = s === 0 ? rel[j] : rel[j] - redSum[j] / s;
      if (Number.isNaN(score)) continue;
      if (best < 0 || score > bestScore) {
        best = j;
        bestScore = score;
      }
    }
    if (best < 0) break;
    candidate[best] = false;
    selected.push({ name: names[best], index: best, score: bestScore, relevance: rel[best] });
    for (let j = 0; j < p; j++) if (candidate[j]) redSum[j] += mi(r[best + 1][j + 1]);
  }
  const unranked = selected.length < Math.min(k, p) ? names.filter((_, j) => candidate[j]) : [];
  return { selected, unranked };
}

// ---------------------------------------------------------------------------------------------
// 5. The screening pipeline
// ---------------------------------------------------------------------------------------------

export type UnivariateTest = 'wilcoxon' | 'welch' | 'student';
export type ScreenStep = 'icc' | 'univariate' | 'correlation' | 'mrmr';

export interface ScreenConfig {
  /** Order of the steps; default: the configured ones in the order icc → univariate → correlation → mrmr. */
  order?: ScreenStep[];
  icc?: IccScreenOptions & { replicates: ReplicateFeatures };
  univariate?: { test?: UnivariateTest; /** keep p < pThreshold */ pThreshold: number; exact?: boolean };
  correlation?: { threshold: number; method?: CorrelationMethod };
  mrmr?: { k: number; method?: CorrelationMethod };
}

export type ScreenReason =
  | 'constant' | 'icc-below-threshold' | 'icc-undefined' | 'p-above-threshold' | 'correlated' | 'mrmr-rank-above-k' | 'mrmr-undefined';

export interface ScreenRow {
  name: string;
  kept: boolean;
  /** Where and why a feature was dropped ('input' for constant features). */
  step?: 'input' | ScreenStep;
  reason?: ScreenReason;
  /** The statistic of the decision: ICC (or its lower bound), p-value, signed r with `partner`, mRMR score. */
  statistic?: number;
  /** For 'correlated': the feature of the pair that was kept. */
  partner?: string;
  /** Univariate results of every non-constant feature (p of the configured test; AUC = W/(n₁n₀) of cases vs controls). */
  pValue?: number;
  auc?: number;
  icc?: IccScreenRow['icc'];
  /** 1-based mRMR position among the features that reached the mRMR step, and its score. */
  mrmrRank?: number;
  mrmrScore?: number;
}

export interface ScreenResult {
  /** Kept features: in mRMR order if the mRMR step ran last, otherwise in column order. */
  kept: string[];
  /** One row per input feature, in column order. */
  table: ScreenRow[];
}

function checkUniqueNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new TaceError('MODEL_DUPLICATE_NAME', `feature name ${n} appears twice`, { detail: { feature: n } });
    seen.add(n);
  }
}

/** n × p rows → p finite columns, checking shape; non-finite → MODEL_NON_FINITE_INPUT {feature, row}. */
function toColumns(features: Matrix, names: readonly string[]): Float64Array[] {
  const n = features.length;
  const p = names.length;
  checkUniqueNames(names);
  const cols = Array.from({ length: p }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const row = features[i];
    if (row.length !== p) {
      throw new TaceError('MODEL_DIMENSION_MISMATCH', `row ${i} has ${row.length} values for ${p} feature names`, { detail: { row: i } });
    }
    for (let j = 0; j < p; j++) {
      const v = row[j];
      if (!Number.isFinite(v)) {
        throw new TaceError('MODEL_NON_FINITE_INPUT', `feature ${names[j]}, row ${i}: not a finite number`, { detail: { feature: names[j], row: i } });
      }
      cols[j][i] = v;
    }
  }
  return cols;
}

function univariate(col: Float64Array, y: Labels, test: UnivariateTest, exact: boolean | undefined): { pValue: number; auc: number } {
  const cases: number[] = [];
  const controls: number[] = [];
  for (let i = 0; i < col.length; i++) (y[i] === 1 ? cases : controls).push(col[i]);
  const w = wilcoxonRankSum(cases, controls, { exact });
  if (test === 'wilcoxon') return { pValue: w.pValue, auc: w.auc };
  return { pValue: tTest(cases, controls, { varEqual: test === 'student' }).pValue, auc: w.auc };
}

/**
 * Univariate priority (rank positions, 1 = best) used to decide which feature of a correlated
 * pair to keep: lower p-value first, then larger |AUC − ½|, then earlier column.
 */
export function univariatePriority(pValues: ArrayLike<number>, aucs: ArrayLike<number>): Int32Array {
  const p = pValues.length;
  const order = Array.from({ length: p }, (_, i) => i).sort(
    (a, b) => pValues[a] - pValues[b] || Math.abs(aucs[b] - 0.5) - Math.abs(aucs[a] - 0.5) || a - b,
  );
  const rank = new Int32Array(p);
  order.forEach((j, pos) => (rank[j] = pos + 1));
  return rank;
}

/**
 * Screening pipeline on the TRAINING data: `features` n × p (rows are patients, columns `names`),
 * `y` 0/1 labels. Constant features are dropped first ('input', reason 'constant'); then the
 * configured steps run in `config.order` (default icc → univariate → correlation → mrmr), each
 * on the survivors of the previous:
 * - icc: `iccScreen` on `config.icc.replicates` (matched by name; every screened feature needs
 *   replicate data, else MODEL_ICC_MISSING_FEATURE);
 * - univariate: keep p < pThreshold (Wilcoxon rank-sum by default, or Welch / Student t) of cases
 *   (y = 1) vs controls (y = 0);
 * - correlation: `pruneCorrelated` with priority `univariatePriority` (p of the configured
 *   univariate test, Wilcoxon when no univariate step is configured, then |AUC − ½|, then column);
 * - mrmr: `mrmr` against y, keep the first k.
 * Every feature gets a table row saying at which step it was dropped and on which statistic.
 * Bad input: non-finite value → MODEL_NON_FINITE_INPUT {feature, row}; labels not 0/1 →
 * MODEL_BAD_LABEL; one class → MODEL_ONE_CLASS; fewer than 2 of a class → MODEL_TOO_FEW_ROWS;
 * a feature on which the test is undefined (t test with both classes constant) →
 * MODEL_CONSTANT_INPUT {feature}; inconsistent configuration → MODEL_INVALID_OPTION.
 */
export function screen(features: Matrix, names: readonly string[], y: Labels, config: ScreenConfig): ScreenResult {
  const n = features.length;
  if (y.length !== n) throw new TaceError('MODEL_DIMENSION_MISMATCH', `${y.length} labels but ${n} rows`, { detail: { labels: y.length, rows: n } });
  let n1 = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) n1++;
    else if (y[i] !== 0) throw new TaceError('MODEL_BAD_LABEL', `label ${i} is ${y[i]}, expected 0 or 1`, { detail: { row: i } });
  }
  if (n1 === 0 || n1 === n) throw new TaceError('MODEL_ONE_CLASS', 'screening needs both classes', { detail: { cases: n1, rows: n } });
  if (n1 < 2 || n - n1 < 2) throw new TaceError('MODEL_TOO_FEW_ROWS', 'screening needs at least 2 cases and 2 controls', { detail: { cases: n1, controls: n - n1 } });
  const cols = toColumns(features, names);
  const canonical: ScreenStep[] = ['icc', 'univariate', 'correlation', 'mrmr'];
  const order = config.order ?? canonical.filter((s) => config[s] !== undefined);
  for (const s of order) if (config[s] === undefined) throw invalid(`step ${s} is in the order but not configured`);
  for (const s of canonical) if (config[s] !== undefined && !order.includes(s)) throw invalid(`step ${s} is configured but not in the order`);
  if (new Set(order).size !== order.length) throw invalid('a step appears twice in the order');

  const table: ScreenRow[] = names.map((name) => ({ name, kept: true }));
  let alive: number[] = [];
  for (let j = 0; j < cols.length; j++) {
    const c = cols[j];
    if (c.every((v) => v === c[0])) Object.assign(table[j], { kept: false, step: 'input', reason: 'constant' });
    else alive.push(j);
  }
  // Univariate statistics of every non-constant feature (used by the filter and as pruning priority).
  const test = config.univariate?.test ?? 'wilcoxon';
  const pv = new Float64Array(cols.length);
  const auc = new Float64Array(cols.length);
  for (const j of alive) {
    let u: { pValue: number; auc: number };
    try {
      u = univariate(cols[j], y, test, config.univariate?.exact);
    } catch (e) {
      if (e instanceof TaceError) throw new TaceError(e.code, `feature ${names[j]}: ${e.message}`, { detail: { ...e.detail, feature: names[j] } });
      throw e;
    }
    pv[j] = u.pValue;
    auc[j] = u.auc;
    table[j].pValue = u.pValue;
    table[j].auc = u.auc;
  }
  const drop = (j: number, step: ScreenStep, reason: ScreenReason, statistic?: number, partner?: string): void => {
    Object.assign(table[j], { kept: false, step, reason, statistic, ...(partner === undefined ? {} : { partner }) });
  };
  let mrmrLast = false;
  for (const step of order) {
    mrmrLast = step === 'mrmr';
    alive.sort((a, b) => a - b); // column order (an earlier mRMR step leaves its own order)
    if (step === 'icc') {
      const c = config.icc!;
      const index = new Map(c.replicates.names.map((nm, k) => [nm, k]));
      const cols2 = alive.map((j) => {
        const k = index.get(names[j]);
        if (k === undefined) throw new TaceError('MODEL_ICC_MISSING_FEATURE', `no replicate measurements of feature ${names[j]}`, { detail: { feature: names[j] } });
        return k;
      });
      const sub: ReplicateFeatures = {
        names: alive.map((j) => names[j]),
        raters: c.replicates.raters.map((m) => m.map((row, i) => {
          if (row.length !== c.replicates.names.length) {
            throw new TaceError('MODEL_DIMENSION_MISMATCH', `replicate row ${i} has ${row.length} values for ${c.replicates.names.length} names`, { detail: { row: i } });
          }
          return cols2.map((k) => row[k]);
        })),
      };
      const res = iccScreen(sub, c);
      const next: number[] = [];
      res.table.forEach((row, a) => {
        const j = alive[a];
        table[j].icc = row.icc;
        if (row.kept) next.push(j);
        else if (row.reason === 'constant' || row.reason === 'icc-undefined') drop(j, 'icc', row.reason);
        else drop(j, 'icc', 'icc-below-threshold', (c.on ?? 'estimate') === 'lower' ? row.icc!.lbound : row.icc!.value);
      });
      alive = next;
    } else if (step === 'univariate') {
      const t = config.univariate!.pThreshold;
      if (!(t > 0 && t <= 1)) throw invalid(`p threshold ${t} must be in (0, 1]`);
      const next: number[] = [];
      for (const j of alive) {
        if (pv[j] < t) next.push(j);
        else drop(j, 'univariate', 'p-above-threshold', pv[j]);
      }
      alive = next;
    } else if (step === 'correlation') {
      const c = config.correlation!;
      if (!(c.threshold >= 0 && c.threshold <= 1)) throw invalid(`correlation threshold ${c.threshold} must be in [0, 1]`);
      if (alive.length < 2) continue;
      const prio = univariatePriority(Float64Array.from(alive, (j) => pv[j]), Float64Array.from(alive, (j) => auc[j]));
      const res = pruneColumns(alive.map((j) => cols[j]), alive.map((j) => names[j]), c.threshold, c.method ?? 'pearson', prio);
      const byName = new Map(alive.map((j) => [names[j], j]));
      for (const d of res.dropped) drop(byName.get(d.name)!, 'correlation', 'correlated', d.r, d.partner);
      const keptSet = new Set(res.kept);
      alive = alive.filter((j) => keptSet.has(names[j]));
    } else {
      const c = config.mrmr!;
      if (!(Number.isInteger(c.k) && c.k >= 1)) throw invalid(`mRMR k ${c.k} must be a positive integer`);
      if (alive.length === 0) continue;
      const res = mrmrColumns(alive.map((j) => cols[j]), alive.map((j) => names[j]), Float64Array.from(y), c.method ?? 'pearson', alive.length);
      const next: number[] = [];
      res.selected.forEach((s, pos) => {
        const j = alive[s.index];
        table[j].mrmrRank = pos + 1;
        table[j].mrmrScore = s.score;
        if (pos < c.k) next.push(j);
        else drop(j, 'mrmr', 'mrmr-rank-above-k', s.score);
      });
      const unranked = new Set(res.unranked);
      for (const j of alive) if (unranked.has(names[j])) drop(j, 'mrmr', 'mrmr-undefined');
      alive = next; // mRMR order
    }
  }
  const kept = mrmrLast ? alive.map((j) => names[j]) : [...alive].sort((a, b) => a - b).map((j) => names[j]);
  return { kept, table };
}
