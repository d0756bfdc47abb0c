import { describe, expect, it } from 'vitest';
import type { ClinicalInputs } from '@tace/common';
import { factorValue } from './score.ts';
import { manifestConsistencyProblems, validateManifest } from './validate-manifest.ts';
import { readFileSync } from 'node:fs';

const clinical = (afp: number): ClinicalInputs => {
  const v = (x: number) => ({ value: x, original: { value: x, unit: '' }, reference: 'test' });
  return { afpNgPerMl: v(afp), tumourSizeMm: v(40), noduleCount: v(2) };
};

describe('AFP dichotomised at a cut-off (afpAtLeastCutoff)', () => {
  const f = { name: 'afpAtLeastCutoff' as const, coefficient: 0.8, min: 0, max: 1, transform: { kind: 'atLeast' as const, cutoff: 400 } };
  it('is 1 at and above the cut-off, 0 below, and reports the ng/mL input', () => {
    expect(factorValue(f, 0, clinical(399.9))).toEqual({ value: 0, inputValue: 399.9, inputUnit: 'ng/mL' });
    expect(factorValue(f, 0, clinical(400)).value).toBe(1);
    expect(factorValue(f, 0, clinical(12000)).value).toBe(1);
  });
  it('a manifest may not carry AFP twice, nor the wrong transform', () => {
    const m = JSON.parse(readFileSync(new URL('../../../models/demo-synthetic/manifest.json', import.meta.url), 'utf8'));
    m.nomogram.factors.push(f);
    expect(manifestConsistencyProblems(validateManifest(m))).toContain('nomogram.factors: AFP enters once, log-scaled or dichotomised');
    m.nomogram.factors = m.nomogram.factors.filter((x: { name: string }) => x.name !== 'log10AfpNgPerMl');
    expect(manifestConsistencyProblems(validateManifest(m))).toEqual([]);
    m.nomogram.factors.at(-1).transform = { kind: 'log10', floorInput: 1 };
    expect(manifestConsistencyProblems(validateManifest(m))).toContain('nomogram factor afpAtLeastCutoff needs transform {kind: atLeast, cutoff}');
  });
});
