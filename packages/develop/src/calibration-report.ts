/** `tace-risk stats calibration`: every rms::val.prob figure, Hosmer–Lemeshow, lowess and binned curves. */
import { binnedCalibration, calibrationCurveLowess, hosmerLemeshow, valProb } from '@tace/modeling';
import type { CommandOutput } from './cli-kit.ts';

export function calibrationReport(p: Float64Array, y: Uint8Array, g: number, meta: { outcome: string; positive: string; predictor: string }): CommandOutput {
  const vp = valProb(p, y);
  const hl = hosmerLemeshow(y, p, g);
  const lw = calibrationCurveLowess(p, y);
  const bins = binnedCalibration(p, y, g);
  const figures = [
    ['Dxy', vp.dxy], ['C (ROC)', vp.c], ['C exact', vp.cExact], ['R2', vp.r2], ['D', vp.d], ['D:Chi-sq', vp.dChisq], ['D:p', vp.dP],
    ['U', vp.u], ['U:Chi-sq', vp.uChisq], ['U:p', vp.uP], ['Q', vp.q], ['Brier', vp.brier], ['Intercept', vp.intercept], ['Slope', vp.slope],
    ['Emax', vp.emax], ['E90', vp.e90], ['Eavg', vp.eavg], ['S:z', vp.spiegelhalterZ], ['S:p', vp.spiegelhalterP],
    ['Calibration-in-the-large', vp.calibrationInTheLarge], ['HL chi-sq', hl.statistic], ['HL df', hl.df], ['HL p', hl.pValue],
  ] as const;
  return {
    json: { outcome: meta, n: vp.n, events: vp.events, valProb: vp, hosmerLemeshow: hl, lowess: { x: Array.from(lw.x), y: Array.from(lw.y) }, binned: bins },
    tables: [
      { name: 'figures', rows: figures.map(([name, value]) => ({ statistic: name, value })) },
      { name: 'hosmer_lemeshow', rows: hl.groups.map((gr) => ({ group: gr.label, n: gr.n, observed1: gr.observed1, expected1: gr.expected1, observed0: gr.observed0, expected0: gr.expected0 })) },
      { name: 'binned', rows: bins.map((b) => ({ group: b.label, n: b.n, events: b.events, meanPredicted: b.meanPredicted, observed: b.observed, wilsonLower: b.lower, wilsonUpper: b.upper })) },
      { name: 'lowess', rows: Array.from(lw.x, (x, k) => ({ predicted: x, observed: lw.y[k] })) },
    ],
    notes: [
      `${meta.predictor} against ${meta.outcome} (event = ${meta.positive}): ${vp.n} patients, ${vp.events} events. rms::val.prob figures (C and Dxy binned as rms does; "C exact" is the exact concordance), Hosmer–Lemeshow with g = ${g} as ResourceSelection::hoslem.test.`,
    ],
  };
}
