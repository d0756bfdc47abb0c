import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { readCsv } from './csv.test-helper.ts';
import { auc, aucCi, delongPairedTest, delongVariance, rocCurve, youden } from './roc.ts';

interface SingleRef {
  direction: '<' | '>';
  controls: number;
  cases: number;
  auc: number;
  var_delong: number;
  ci95_delong: [number, number, number];
  youden_best: { threshold: number; sensitivity: number; specificity: number };
}
interface PairedRef {
  roc1: string;
  roc2: string;
  Z: number;
  p_value: number;
  ci95_diff: [number, number];
  cov_delong: number;
}

const dir = referencePath('statistics');

// pROC 1.18.0 on data(aSAH), values read in place from the shared reference folder.
describe.skipIf(!dir)('ROC / DeLong against pROC on aSAH', () => {
  const rows = readCsv(join(dir ?? '', 'aSAH.csv'));
  const ref = JSON.parse(readFileSync(join(dir ?? '', 'pROC_aSAH_reference.json'), 'utf8')) as {
    single: Record<string, SingleRef>;
    paired_delong_tests: PairedRef[];
  };
  const labels = rows.map((r) => (r.outcome === 'Poor' ? 1 : 0));
  const predictor = (name: string): number[] => rows.map((r) => Number(r[name]));

  for (const name of ['s100b', 'wfns', 'ndka']) {
    it(`${name}: AUC, DeLong variance, CI, Youden`, () => {
      const r = ref.single[name];
      const x = predictor(name);
      expect(labels.filter((l) => l === 1).length).toBe(r.cases);
      expect(labels.filter((l) => l === 0).length).toBe(r.controls);
      const opts = { direction: r.direction };
      expect(auc(x, labels, opts)).toBeCloseTo(r.auc, 12);
      expect(delongVariance(x, labels, opts)).toBeCloseTo(r.var_delong, 14);
      const ci = aucCi(x, labels, 0.95, opts);
      for (let k = 0; k < 3; k++) expect(ci[k]).toBeCloseTo(r.ci95_delong[k], 12);
      const y = youden(x, labels, opts);
      expect(y.threshold).toBeCloseTo(r.youden_best.threshold, 12);
      expect(y.sensitivity).toBeCloseTo(r.youden_best.sensitivity, 12);
      expect(y.specificity).toBeCloseTo(r.youden_best.specificity, 12);
    });
  }

  for (const p of ref.paired_delong_tests) {
    it(`paired DeLong ${p.roc1} vs ${p.roc2}`, () => {
      const t = delongPairedTest(predictor(p.roc1), predictor(p.roc2), labels);
      expect(t.z).toBeCloseTo(p.Z, 10);
      expect(t.pValue).toBeCloseTo(p.p_value, 12);
      expect(t.covariance).toBeCloseTo(p.cov_delong, 14);
      expect(t.ciDiff[0]).toBeCloseTo(p.ci95_diff[0], 12);
      expect(t.ciDiff[1]).toBeCloseTo(p.ci95_diff[1], 12);
    });
  }
});

describe('ROC conventions (hand-computed)', () => {
  it('counts case/control ties as ½ and honours direction', () => {
    // cases {2, 3}, controls {1, 2}: pairs (2>1)=1, (2=2)=½, (3>1)=1, (3>2)=1 → 3.5/4
    const scores = [2, 3, 1, 2];
    const labels = [1, 1, 0, 0];
    expect(auc(scores, labels)).toBe(0.875);
    expect(auc(scores, labels, { direction: '>' })).toBe(0.125);
  });
  it('puts thresholds at midpoints with −∞/+∞ ends', () => {
    const c = rocCurve([1, 2, 4], [0, 1, 1]);
    expect(c.map((p) => p.threshold)).toEqual([-Infinity, 1.5, 3, Infinity]);
    expect(c[1]).toEqual({ threshold: 1.5, sensitivity: 1, specificity: 1 });
  });
  it('rejects labels other than 0/1', () => {
    expect(() => auc([1, 2], [0, 2])).toThrow(/label 1/);
  });
});
