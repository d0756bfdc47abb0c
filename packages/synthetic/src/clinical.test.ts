import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { referencePath } from '@tace/common';
import { describe, expect, it } from 'vitest';
import { numericColumn, parseCsv } from './csv.ts';
import { generatePatientRecord } from './patient.ts';

/** Type-7 quantile (linear interpolation, R's default). */
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

const dir = referencePath('clinical');

describe.skipIf(!dir)('synthetic clinical values vs the HCC-TACE-Seg table', () => {
  const rows = dir ? parseCsv(readFileSync(join(dir, 'hcc_tace_seg_clinical.csv'), 'utf8')) : [];
  const cohort = Array.from({ length: 3000 }, (_, i) => generatePatientRecord(12345, i).clinical);

  it('parses the table (105 patients per the TCIA listing)', () => {
    expect(rows.length).toBe(105);
  });

  // The CSV holds few values (53 sizes, 105 AFPs), so its quartiles carry sampling error of a
  // few tenths in log units; the tolerance allows for that plus the log-normal shape assumption.
  it.each([
    ['Tr_Size', 'tumourSizeMm', 10, 0.35],
    ['AFP', 'afpNgPerMl', 1, 1.0],
    ['age', 'ageYears', 1, 0.1],
  ] as const)('%s quartiles match (log scale)', (column, field, scale, tolLog) => {
    const ref = numericColumn(rows, column).map((v) => v * scale);
    const gen = cohort.map((c) => c[field]);
    for (const q of [0.25, 0.5, 0.75]) {
      expect(Math.abs(Math.log(quantile(gen, q)) - Math.log(quantile(ref, q))), `${column} q${q}`).toBeLessThan(tolLog);
    }
  });

  it('multinodular share and male share match within sampling error', () => {
    const refMulti = rows.filter((r) => r.tumor_nodul === 'multinodular').length / rows.length;
    const genMulti = cohort.filter((c) => c.noduleCount > 1).length / cohort.length;
    // SE of a proportion near 0.5 with n = 105 is ≈ 0.05.
    expect(Math.abs(genMulti - refMulti)).toBeLessThan(0.1);
    const refMale = rows.filter((r) => r.Sex === '1').length / rows.length;
    const genMale = cohort.filter((c) => c.sex === 'male').length / cohort.length;
    expect(Math.abs(genMale - refMale)).toBeLessThan(0.1);
  });

  it('uninodular patients have exactly one nodule, multinodular ones 2–6', () => {
    for (const c of cohort) expect(c.noduleCount === 1 || (c.noduleCount >= 2 && c.noduleCount <= 6)).toBe(true);
  });
});
