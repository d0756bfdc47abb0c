/**
 * Discrimination, calibration and clinical usefulness of the four models (Rad, DL, DLR, combined)
 * in each cohort, as the paper's tables and figures report them: AUC with DeLong 95 % CI, paired
 * DeLong tests between models, rms::val.prob figures and the Hosmer–Lemeshow test of the combined
 * model, lowess and binned calibration curves, decision curves, and sensitivity / specificity at
 * the risk threshold.
 */
import {
  aucCi, binnedCalibration, calibrationCurveLowess, delongPairedTest, hosmerLemeshow, netBenefit, rocCurve, valProb,
  type HosmerLemeshowResult, type ValProbResult,
} from '@tace/modeling';
import type { CohortLabel, DevelopData, Predictions } from './pipeline.ts';

export const MODEL_NAMES = ['Rad', 'DL', 'DLR', 'Combined'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface ModelAuc {
  model: ModelName;
  auc: number;
  ciLower: number;
  ciUpper: number;
}

export interface CohortEvaluation {
  cohort: CohortLabel;
  n: number;
  events: number;
  auc: ModelAuc[];
  delong: Array<{ a: ModelName; b: ModelName; z: number; pValue: number }>;
  roc: Record<ModelName, Array<[number, number]>>;
  /** Combined model (probabilities). */
  valProb: ValProbResult;
  hosmerLemeshow: HosmerLemeshowResult;
  calibrationCurve: Array<[number, number]>;
  binned: Array<{ predicted: number; observed: number; n: number; lower: number; upper: number }>;
  dca: Array<{ threshold: number; combined: number; dlr: number; treatAll: number }>;
  atThreshold: { threshold: number; sensitivity: number; specificity: number; ppv: number; npv: number };
}

const PAIRS: Array<[ModelName, ModelName]> = [
  ['Combined', 'DLR'],
  ['Combined', 'Rad'],
  ['Combined', 'DL'],
  ['DLR', 'Rad'],
  ['DLR', 'DL'],
  ['Rad', 'DL'],
];

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export function evaluateCohort(
  cohort: CohortLabel,
  d: DevelopData,
  rows: readonly number[],
  pred: Predictions,
  opts: { threshold: number; dcaThresholds: number[]; groups: number },
): CohortEvaluation {
  const y = Uint8Array.from(rows, (i) => d.y[i]);
  const scores: Record<ModelName, Float64Array> = { Rad: pred.rad, DL: pred.dl, DLR: pred.dlr, Combined: pred.combinedLp };
  // Every model's score rises with risk by construction (fitted logistic forms): direction '<'.
  const auc = MODEL_NAMES.map((m) => {
    const [lo, a, hi] = aucCi(scores[m], y, 0.95, { direction: '<' });
    return { model: m, auc: a, ciLower: lo, ciUpper: hi };
  });
  const delong = PAIRS.map(([a, b]) => {
    const r = delongPairedTest(scores[a], scores[b], y, { direction: '<' });
    return { a, b, z: r.z, pValue: r.pValue };
  });
  const roc = Object.fromEntries(
    MODEL_NAMES.map((m) => [m, rocCurve(scores[m], y, { direction: '<' }).map((p) => [1 - p.specificity, p.sensitivity] as [number, number])]),
  ) as Record<ModelName, Array<[number, number]>>;
  const p = pred.combined;
  const vp = valProb(p, y);
  const hl = hosmerLemeshow(y, p, opts.groups);
  const lw = calibrationCurveLowess(p, y); // lowess(p, y, iter = 0), as val.prob draws it
  const calibrationCurve = Array.from(lw.x, (x, k) => [x, lw.y[k]] as [number, number]);
  const binned = binnedCalibration(p, y, opts.groups).map((b) => ({ predicted: b.meanPredicted, observed: b.observed, n: b.n, lower: b.lower, upper: b.upper }));
  const nbC = netBenefit(p, y, opts.dcaThresholds);
  const nbD = netBenefit(pred.dlr.map(sigmoid), y, opts.dcaThresholds);
  const dca = nbC.map((x, k) => ({ threshold: x.threshold, combined: x.netBenefit, dlr: nbD[k].netBenefit, treatAll: x.treatAll }));
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let k = 0; k < y.length; k++) {
    const hi = p[k] >= opts.threshold;
    if (y[k] === 1) hi ? tp++ : fn++;
    else hi ? fp++ : tn++;
  }
  return {
    cohort,
    n: y.length,
    events: tp + fn,
    auc,
    delong,
    roc,
    valProb: vp,
    hosmerLemeshow: hl,
    calibrationCurve,
    binned,
    dca,
    atThreshold: { threshold: opts.threshold, sensitivity: tp / (tp + fn), specificity: tn / (tn + fp), ppv: tp + fp ? tp / (tp + fp) : NaN, npv: tn + fn ? tn / (tn + fn) : NaN },
  };
}
