import type { Labels } from './logistic.ts';

export interface NetBenefitPoint {
  threshold: number;
  /** Net benefit of treating those with risk ≥ threshold: TP/n − FP/n · pt/(1 − pt). */
  netBenefit: number;
  /** Treat everyone (risk = 1 for all): prevalence − (1 − prevalence) · pt/(1 − pt). */
  treatAll: number;
  /** Treat no one: 0 by definition. */
  treatNone: number;
  truePositives: number;
  falsePositives: number;
}

/**
 * Decision curve analysis (Vickers & Elkin 2006) with the conventions of R's dcurves::dca:
 * a subject is treated when risk ≥ pt, where a risk of exactly 0 is never treated and a risk of
 * exactly 1 always is (dcurves maps 0 → −ε and 1 → 1 + ε so that binary predictors behave).
 * At pt = 1 the harm weight pt/(1 − pt) is infinite: net benefit is −∞ if any false positive,
 * else TP/n (we return it so; dcurves does not evaluate pt = 1).
 */
export function netBenefit(probs: ArrayLike<number>, labels: Labels, thresholds: ArrayLike<number>): NetBenefitPoint[] {
  if (probs.length !== labels.length) throw new RangeError(`${probs.length} risks but ${labels.length} labels`);
  const n = probs.length;
  if (n === 0) throw new RangeError('no observations');
  let events = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${i} is ${labels[i]}, expected 0 or 1`);
    if (!(probs[i] >= 0 && probs[i] <= 1)) throw new RangeError(`risk ${i} is ${probs[i]}, expected a probability in [0, 1]`);
    events += labels[i];
  }
  const prevalence = events / n;
  const out: NetBenefitPoint[] = [];
  for (let k = 0; k < thresholds.length; k++) {
    const pt = thresholds[k];
    if (!(pt >= 0 && pt <= 1)) throw new RangeError(`threshold ${pt} is not in [0, 1]`);
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      const r = probs[i];
      const treated = r === 0 ? false : r === 1 ? true : r >= pt;
      if (treated) {
        if (labels[i] === 1) tp++;
        else fp++;
      }
    }
    out.push({
      threshold: pt,
      netBenefit: weighted(tp / n, fp / n, pt),
      treatAll: weighted(prevalence, 1 - prevalence, pt),
      treatNone: 0,
      truePositives: tp,
      falsePositives: fp,
    });
  }
  return out;
}

function weighted(tpRate: number, fpRate: number, pt: number): number {
  if (pt === 1) return fpRate > 0 ? -Infinity : tpRate;
  return tpRate - (fpRate * pt) / (1 - pt);
}
