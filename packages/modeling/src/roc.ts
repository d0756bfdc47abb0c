import { qnorm, twoSidedP } from './normal.ts';
import type { Labels } from './logistic.ts';

/**
 * ROC analysis with pROC's conventions (Robin et al. 2011, pROC 1.18):
 * - labels: 1 = case, 0 = control;
 * - direction '<' (default): controls < cases, i.e. a higher score means "case";
 *   '>' means a lower score means "case" (handled by negating the scores);
 * - ties between a case and a control count ½ (Mann–Whitney).
 * pROC's default direction is 'auto' (median of cases vs controls); here it is explicit.
 */
export type RocDirection = '<' | '>';

export interface RocOptions {
  direction?: RocDirection;
}

interface Split {
  cases: Float64Array;
  controls: Float64Array;
}

function splitByLabel(scores: ArrayLike<number>, labels: Labels, direction: RocDirection = '<'): Split {
  if (scores.length !== labels.length) throw new RangeError(`${scores.length} scores but ${labels.length} labels`);
  const cases: number[] = [];
  const controls: number[] = [];
  const sign = direction === '<' ? 1 : -1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (!Number.isFinite(s)) throw new RangeError(`score ${i} is not a finite number`);
    if (labels[i] === 1) cases.push(sign * s);
    else if (labels[i] === 0) controls.push(sign * s);
    else throw new RangeError(`label ${i} is ${labels[i]}, expected 0 or 1`);
  }
  if (cases.length === 0 || controls.length === 0) throw new RangeError('ROC analysis needs at least one case and one control');
  return { cases: Float64Array.from(cases), controls: Float64Array.from(controls) };
}

/** Number of elements of sorted `arr` strictly below x, and equal to x. */
function countBelowEqual(sorted: Float64Array, x: number): [number, number] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return [below, lo - below];
}

export interface DelongPlacements {
  auc: number;
  /** V10ᵢ = (1/n₀)·Σⱼ ψ(caseᵢ, controlⱼ), one per case (pROC's `X`). */
  cases: Float64Array;
  /** V01ⱼ = (1/n₁)·Σᵢ ψ(caseᵢ, controlⱼ), one per control (pROC's `Y`). */
  controls: Float64Array;
}

/**
 * DeLong structural components (DeLong, DeLong & Clarke-Pearson 1988), ψ(a, b) = 1 if a > b,
 * ½ if a = b, 0 otherwise. AUC = mean(V10) = mean(V01). O((n₀+n₁)·log n) by sorting.
 */
export function delongPlacements(scores: ArrayLike<number>, labels: Labels, opts: RocOptions = {}): DelongPlacements {
  const { cases, controls } = splitByLabel(scores, labels, opts.direction);
  const sc = Float64Array.from(controls).sort();
  const sx = Float64Array.from(cases).sort();
  const v10 = new Float64Array(cases.length);
  const v01 = new Float64Array(controls.length);
  let sum = 0;
  for (let i = 0; i < cases.length; i++) {
    const [below, equal] = countBelowEqual(sc, cases[i]);
    v10[i] = (below + 0.5 * equal) / controls.length;
    sum += v10[i];
  }
  for (let j = 0; j < controls.length; j++) {
    const [below, equal] = countBelowEqual(sx, controls[j]);
    // cases above the control, plus half the ties
    v01[j] = (cases.length - below - equal + 0.5 * equal) / cases.length;
  }
  return { auc: sum / cases.length, cases: v10, controls: v01 };
}

/** Area under the ROC curve, P(score_case > score_control) + ½·P(tie). */
export function auc(scores: ArrayLike<number>, labels: Labels, opts: RocOptions = {}): number {
  return delongPlacements(scores, labels, opts).auc;
}

function sampleCovariance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / (n - 1);
}

/** DeLong variance of the AUC: var(V10)/n₁ + var(V01)/n₀ (sample variances), as pROC var(roc, method="delong"). */
export function delongVariance(scores: ArrayLike<number>, labels: Labels, opts: RocOptions = {}): number {
  const p = delongPlacements(scores, labels, opts);
  return (
    sampleCovariance(p.cases, p.cases) / p.cases.length + sampleCovariance(p.controls, p.controls) / p.controls.length
  );
}

/**
 * DeLong confidence interval of the AUC: AUC ± Φ⁻¹((1+level)/2)·√var, clipped to [0, 1] as
 * pROC's ci.auc does. Returns [lower, auc, upper] like pROC.
 */
export function aucCi(scores: ArrayLike<number>, labels: Labels, level = 0.95, opts: RocOptions = {}): [number, number, number] {
  const p = delongPlacements(scores, labels, opts);
  const v = sampleCovariance(p.cases, p.cases) / p.cases.length + sampleCovariance(p.controls, p.controls) / p.controls.length;
  const half = qnorm(1 - (1 - level) / 2) * Math.sqrt(v);
  return [Math.max(0, p.auc - half), p.auc, Math.min(1, p.auc + half)];
}

export interface DelongPairedResult {
  aucA: number;
  aucB: number;
  /** Z = (AUC_A − AUC_B) / √(var_A + var_B − 2·cov_AB). */
  z: number;
  pValue: number;
  /** DeLong covariance of the two AUCs (pROC cov(roc1, roc2, method = "delong")). */
  covariance: number;
  varianceA: number;
  varianceB: number;
  /** CI of AUC_A − AUC_B at `level`. */
  ciDiff: [number, number];
}

/**
 * DeLong test for two correlated ROC curves on the same subjects (pROC roc.test(…, method =
 * "delong", paired = TRUE)). Both use `direction` (default '<').
 */
export function delongPairedTest(
  scoresA: ArrayLike<number>,
  scoresB: ArrayLike<number>,
  labels: Labels,
  opts: RocOptions & { level?: number } = {},
): DelongPairedResult {
  if (scoresA.length !== scoresB.length) throw new RangeError('paired test needs scores for the same subjects');
  const a = delongPlacements(scoresA, labels, opts);
  const b = delongPlacements(scoresB, labels, opts);
  const m = a.cases.length;
  const n = a.controls.length;
  const varA = sampleCovariance(a.cases, a.cases) / m + sampleCovariance(a.controls, a.controls) / n;
  const varB = sampleCovariance(b.cases, b.cases) / m + sampleCovariance(b.controls, b.controls) / n;
  const cov = sampleCovariance(a.cases, b.cases) / m + sampleCovariance(a.controls, b.controls) / n;
  const sd = Math.sqrt(varA + varB - 2 * cov);
  const diff = a.auc - b.auc;
  const z = diff / sd;
  const level = opts.level ?? 0.95;
  const half = qnorm(1 - (1 - level) / 2) * sd;
  return {
    aucA: a.auc,
    aucB: b.auc,
    z,
    pValue: twoSidedP(z),
    covariance: cov,
    varianceA: varA,
    varianceB: varB,
    ciDiff: [diff - half, diff + half],
  };
}

export interface RocPoint {
  threshold: number;
  sensitivity: number;
  specificity: number;
}

/**
 * ROC curve at pROC's thresholds: −∞, the midpoints between consecutive distinct scores, +∞.
 * For direction '<' a subject is called positive when score ≥ threshold (pROC: cases ≥ t,
 * controls < t); thresholds are reported on the original score scale.
 */
export function rocCurve(scores: ArrayLike<number>, labels: Labels, opts: RocOptions = {}): RocPoint[] {
  const direction = opts.direction ?? '<';
  const { cases, controls } = splitByLabel(scores, labels, direction);
  const all = Float64Array.from([...cases, ...controls]).sort();
  const distinct: number[] = [];
  for (const v of all) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  const thresholds = [-Infinity];
  for (let i = 1; i < distinct.length; i++) thresholds.push((distinct[i - 1] + distinct[i]) / 2);
  thresholds.push(Infinity);
  const sc = Float64Array.from(cases).sort();
  const so = Float64Array.from(controls).sort();
  const sign = direction === '<' ? 1 : -1;
  return thresholds.map((t) => {
    const casesBelow = countBelowEqual(sc, t)[0];
    const controlsBelow = countBelowEqual(so, t)[0];
    return {
      threshold: sign * t,
      sensitivity: (sc.length - casesBelow) / sc.length,
      specificity: controlsBelow / so.length,
    };
  });
}

/**
 * Youden-optimal threshold: max of sensitivity + specificity − 1 over rocCurve's thresholds
 * (pROC coords(roc, "best", best.method = "youden")). On ties, the lowest threshold on the
 * '<' scale is returned; `ties` says how many thresholds share the maximum.
 */
export function youden(scores: ArrayLike<number>, labels: Labels, opts: RocOptions = {}): RocPoint & { youdenIndex: number; ties: number } {
  const curve = rocCurve(scores, labels, opts);
  let best = curve[0];
  let bestJ = -Infinity;
  let ties = 0;
  for (const pt of curve) {
    const j = pt.sensitivity + pt.specificity - 1;
    if (j > bestJ + 1e-12) {
      best = pt;
      bestJ = j;
      ties = 1;
    } else if (Math.abs(j - bestJ) <= 1e-12) {
      ties++;
    }
  }
  return { ...best, youdenIndex: bestJ, ties };
}
