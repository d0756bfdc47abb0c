import { fitLogistic, logit, sigmoid, type Labels } from './logistic.ts';

export interface CalibrationResult {
  /**
   * Calibration-in-the-large: a in logit P(y=1) = a + offset(logit p), slope fixed at 1
   * (rms::val.prob "Intercept"). 0 when the mean predicted risk matches the event rate.
   */
  intercept: number;
  /** b in logit P(y=1) = a' + b·logit p (rms::val.prob "Slope"); < 1 means over-fitting. */
  slope: number;
  /** Brier score: mean (p − y)². */
  brier: number;
  n: number;
  events: number;
}

/** Probabilities of exactly 0 or 1 have infinite logits; clamp them (documented deviation). */
const P_EPS = 1e-12;

/** Calibration of predicted probabilities against observed 0/1 outcomes. */
export function calibration(probs: ArrayLike<number>, labels: Labels): CalibrationResult {
  const n = probs.length;
  if (n !== labels.length) throw new RangeError(`${n} probabilities but ${labels.length} labels`);
  const lp = new Float64Array(n);
  let brier = 0;
  let events = 0;
  for (let i = 0; i < n; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${i} is ${p}, expected [0, 1]`);
    lp[i] = logit(Math.min(1 - P_EPS, Math.max(P_EPS, p)));
    brier += (p - labels[i]) ** 2;
    events += labels[i];
  }
  const slopeFit = fitLogistic(Array.from(lp, (v) => [v]), labels);
  return { intercept: offsetIntercept(lp, labels), slope: slopeFit.coefficients[0], brier: brier / n, n, events };
}

/** 1-D Newton for max over a of Σ y·(a + oᵢ) − log(1 + e^(a + oᵢ)). */
function offsetIntercept(offset: Float64Array, y: Labels): number {
  let a = 0;
  for (let it = 0; it < 100; it++) {
    let g = 0;
    let h = 0;
    for (let i = 0; i < offset.length; i++) {
      const mu = sigmoid(a + offset[i]);
      g += y[i] - mu;
      h += mu * (1 - mu);
    }
    if (h <= 0) return NaN;
    const step = g / h;
    a += step;
    if (Math.abs(step) < 1e-12) break;
  }
  return a;
}
