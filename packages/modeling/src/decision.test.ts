import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { readCsv } from './csv.test-helper.ts';
import { netBenefit } from './decision.ts';

const dir = referencePath('statistics');

// dcurves (R) on its dca.csv data, values read in place from the shared reference folder.
describe.skipIf(!dir)('netBenefit against dcurves::dca', () => {
  const rows = readCsv(join(dir ?? '', 'dcurves_dca.csv'));
  const ref = JSON.parse(readFileSync(join(dir ?? '', 'dcurves_dca_reference.json'), 'utf8')) as {
    prevalence: number;
    table: Array<{ threshold: number; nb_all: number; nb_none: number; nb_cancerpredmarker: number; nb_famhistory: number }>;
  };
  const labels = rows.map((r) => Number(r.cancer));
  const thresholds = ref.table.map((t) => t.threshold);

  it('has the published prevalence', () => {
    expect(labels.reduce((a, b) => a + b, 0) / labels.length).toBeCloseTo(ref.prevalence, 12);
  });

  it('cancerpredmarker (continuous risk) and treat-all/none', () => {
    const nb = netBenefit(rows.map((r) => Number(r.cancerpredmarker)), labels, thresholds);
    ref.table.forEach((t, i) => {
      expect(nb[i].netBenefit).toBeCloseTo(t.nb_cancerpredmarker, 12);
      expect(nb[i].treatAll).toBeCloseTo(t.nb_all, 12);
      expect(nb[i].treatNone).toBe(t.nb_none);
    });
  });

  it('famhistory (binary 0/1 predictor: 0 never treated, 1 always)', () => {
    const nb = netBenefit(rows.map((r) => Number(r.famhistory)), labels, thresholds);
    ref.table.forEach((t, i) => expect(nb[i].netBenefit).toBeCloseTo(t.nb_famhistory, 12));
  });
});

describe('netBenefit edge cases (hand-computed)', () => {
  it('pt = 1: −∞ with any false positive', () => {
    // risks .5 (case), 1 (control): at pt=1 only the risk-1 control is treated → FP
    expect(netBenefit([0.5, 1], [1, 0], [1])[0].netBenefit).toBe(-Infinity);
  });
  it('rejects risks outside [0, 1]', () => {
    expect(() => netBenefit([1.2], [1], [0.5])).toThrow(/risk 0/);
  });
});
