import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClinicalInputs } from '@tace/common';
import { loadModelBundle, scoreCase } from '@tace/models';
import { EXTERNAL_SITE, generateSitePatient, HOME_SITE, writeSyntheticStudy } from '@tace/synthetic';
import { registerDicomReaders } from '../../cli/src/dicom-readers.ts';
import { modelFeatures } from './features-cli.ts';
import { parseTable } from './table.ts';

const bundleDir = new URL('../../../models/demo-synthetic', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tace-features-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tace-risk model features', () => {
  it("computes the worker's features from DICOM CT + SEG studies; a failing case is listed, not dropped", async () => {
    await registerDicomReaders();
    const patients = [generateSitePatient(91, 0, HOME_SITE), generateSitePatient(91, 1, EXTERNAL_SITE)];
    const lines = ['id,image,mask,cohort,afp'];
    patients.forEach((p, i) => {
      writeSyntheticStudy(p, join(dir, `s${i}`));
      lines.push(`case${i},s${i},s${i}/SEG.dcm,${i ? 'external' : 'train'},${p.clinical.afpNgPerMl}`);
    });
    lines.push('case9,missing-folder,missing-folder/SEG.dcm,test,3');
    writeFileSync(join(dir, 'cases.csv'), `${lines.join('\n')}\n`);
    const out = join(dir, 'features.csv');
    const code = await modelFeatures(['--cases', join(dir, 'cases.csv'), '--bundle', bundleDir, '--out', out]);
    expect(code).toBe(1);
    const errors = parseTable(readFileSync(`${out}.errors.csv`, 'utf8'));
    expect(errors.rows.map((r) => r.slice(0, 2))).toEqual([['3', 'case9']]);
    const t = parseTable(readFileSync(out, 'utf8'));
    expect(t.rows.map((r) => r[0])).toEqual(['case0', 'case1']);
    expect(t.columns.slice(0, 3)).toEqual(['id', 'cohort', 'afp']);
    const prov = JSON.parse(readFileSync(`${out}.provenance.json`, 'utf8'));
    expect(prov).toMatchObject({ cases: 2, failed: 1, dlFeatureNames: ['dl_logit'] });

    // The same numbers as the worker's scoreCase on the in-memory volumes (DICOM round trip is lossless).
    const bundle = await loadModelBundle(bundleDir);
    try {
      for (const [k, p] of patients.entries()) {
        const v = (x: number) => ({ value: x, original: { value: x, unit: '' }, reference: 'test' });
        const clinical: ClinicalInputs = { afpNgPerMl: v(p.clinical.afpNgPerMl), tumourSizeMm: v(p.clinical.tumourSizeMm), noduleCount: v(p.clinical.noduleCount) };
        const r = await scoreCase(bundle, { image: p.ct, mask: p.mask, clinical });
        const row = Object.fromEntries(t.columns.map((c, j) => [c, t.rows[k][j]]));
        for (const [name, value] of Object.entries(r.radiomicsFeatures)) expect(Number(row[name])).toBe(value);
        expect(Number(row.dl_logit)).toBe(r.dlFeatures[0]);
      }
    } finally {
      await bundle.close();
    }
  });

  it('refuses a cases table without the image column', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'id,mask\na,b\n');
    await expect(modelFeatures(['--cases', join(dir, 'bad.csv'), '--bundle', bundleDir, '--out', join(dir, 'x.csv')])).rejects.toMatchObject({ code: 'TABLE_COLUMN_MISSING' });
  });
});
