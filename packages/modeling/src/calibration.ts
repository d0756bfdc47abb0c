import { fitLogistic, logit, type Labels } from './logistic.ts';
import { calibrationInTheLarge } from './validation.ts';
import { TaceError } from '@tace/common';

export interface CalibrationResult {
  /**
   * Calibration-in-the-large: a in logit P(y=1) = a + offset(logit p), slope fixed at 1
   * (R: glm(y ~ 1, offset = qlogis(p), family = binomial)). 0 when the predicted risks match the
   * event rate on average (in the logit sense); > 0: risks under-estimated. Not an rms::val.prob
   * figure (its "Intercept" is `recalibrationIntercept`).
   */
  calibrationInTheLarge: number;
  /**
   * a in the two-parameter logistic recalibration logit P(y=1) = a + b·logit p, fitted to full
   * convergence (R: glm(y ~ qlogis(p), family = binomial)). rms::val.prob's "Intercept" is the same
   * fit stopped at rms's lrm.fit criterion; use valProb() for rms's exact figures.
   */
  recalibrationIntercept: number;
  /** b of that recalibration (val.prob's "Slope", fully converged); < 1 means over-fitting. */
  slope: number;
  /** Brier score: mean (p − y)². */
  brier: number;
  n: number;
  events: number;
}

/** Probabilities of exactly 0 or 1 have infinite logits; clamp them (documented deviation). */
const P_EPS = 1e-12;

/**
 * Calibration of predicted probabilities against observed 0/1 outcomes: calibration-in-the-large,
 * the logistic recalibration intercept and slope (maximum likelihood, as glm), and the Brier score.
 * When every p is the same the slope is not identifiable: slope 0 and intercept logit(ȳ), as
 * rms::val.prob reports then. p ∈ {0, 1} are clamped to 1e-12 from the bounds (documented deviation;
 * valProb refuses them). Throws TaceError MODEL_LENGTH_MISMATCH, MODEL_NON_FINITE_INPUT,
 * MODEL_PROBABILITY_OUT_OF_RANGE, MODEL_BAD_LABEL, MODEL_ONE_CLASS.
 */
export function calibration(probs: ArrayLike<number>, labels: Labels): CalibrationResult {
  const n = probs.length;
  if (n !== labels.length) {
    throw new TaceError('MODEL_LENGTH_MISMATCH', `${n} probabilities but ${labels.length} labels`, { detail: { probabilities: n, labels: labels.length } });
  }
  const clamped = new Float64Array(n);
  const lp = new Float64Array(n);
  let brier = 0;
  let events = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (!Number.isFinite(p)) throw new TaceError('MODEL_NON_FINITE_INPUT', `probability ${i} is not finite`, { detail: { index: i } });
    if (!(p >= 0 && p <= 1)) throw new TaceError('MODEL_PROBABILITY_OUT_OF_RANGE', `probability ${i} is ${p}, expected [0, 1]`, { detail: { index: i, value: p } });
    const yi = labels[i];
    if (yi !== 0 && yi !== 1) throw new TaceError('MODEL_BAD_LABEL', `label ${i} is ${yi}, expected 0 or 1`, { detail: { index: i } });
    clamped[i] = Math.min(1 - P_EPS, Math.max(P_EPS, p));
    lp[i] = logit(clamped[i]);
    brier += (p - yi) * (p - yi);
    events += yi;
  }
  if (events === 0 || events === n) throw new TaceError('MODEL_ONE_CLASS', `all ${n} labels are ${events === 0 ? 0 : 1}`, { detail: { n, events } });
  const citl = calibrationInTheLarge(clamped, labels);
  let constant = true;
  for (let i = 1; i < n; i++) if (lp[i] !== lp[0]) constant = false;
  let intercept: number;
  let slope: number;
  if (constant) {
    intercept = logit(events / n);
    slope = 0;
  } else {
    const fit = fitLogistic(Array.from(lp, (v) => [v]), labels);
    intercept = fit.intercept;
    slope = fit.coefficients[0];
  }
  return { calibrationInTheLarge: citl, recalibrationIntercept: intercept, slope, brier: brier / n, n, events };
}
