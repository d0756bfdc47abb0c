/**
 * IBSI mode through the CLI (`tace-risk radiomics extract|batch`): the parameter file alone selects
 * it. Values are checked against the IBSI digital-phantom reference table (3 significant figures,
 * then |x − ref| ≤ tol); a bad IBSI setting fails a batch case with its code and the rest go on.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { referencePath } from '@tace/common';
import { runRadiomicsCli } from './cli.ts';
import { parseCsvRecords } from './csv.ts';
import { matchesReference, readReferenceTable } from './ibsi/testing/referenceTable.ts';

const phantom = referencePath('ibsi1-digital-phantom');
const paramsPath = new URL('../params/ibsi-digital-phantom.yaml', import.meta.url).pathname;

describe.skipIf(!phantom)('IBSI mode via the CLI (digital phantom)', () => {
  const d = phantom ?? '';
  const rows = phantom ? readReferenceTable(join(d, 'reference_values.csv')) : [];
  const ref = (tag: string) => {
    const r = rows.find((x) => x.tag === tag);
    if (!r) throw new Error(`no reference row ${tag}`);
    return r;
  };

  it('extract --format json: ibsi_ names whose values meet the IBSI reference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-ibsi-'));
    const out = join(dir, 'f.json');
    const rc = await runRadiomicsCli(['extract', '--params', paramsPath, '--image', join(d, 'image.nii.gz'), '--mask', join(d, 'mask.nii.gz'), '--format', 'json', '--out', out]);
    expect(rc).toBe(0);
    const v = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number | string>;
    expect(v.diagnostics_Configuration_Standard).toBe('ibsi');
    for (const [name, tag] of [
      ['ibsi_cm_joint_max_3D-averaged', 'cm_joint_max_3D_avg'],
      ['ibsi_cm_joint_max_2.5D-merged', 'cm_joint_max_2_5D_comb'],
      ['ibsi_rlm_sre_2D-averaged', 'rlm_sre_2D_avg'],
      ['ibsi_szm_sze_2.5D', 'szm_sze_2_5D'],
      ['ibsi_stat_kurt', 'stat_kurt'],
      ['ibsi_morph_volume', 'morph_volume'],
    ] as const) {
      expect(matchesReference(v[name] as number, ref(tag)), `${name} = ${v[name]}`).toBe(true);
    }
  });

  it('batch: IBSI columns per case; an absent label fails only that case (RADIOMICS_LABEL_ABSENT)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-ibsi-'));
    writeFileSync(join(dir, 'cases.csv'), ['Image,Mask,Label', `${d}/image.nii.gz,${d}/mask.nii.gz,1`, `${d}/image.nii.gz,${d}/mask.nii.gz,9`].join('\n'));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const rc = await runRadiomicsCli(['batch', '--params', paramsPath, '--cases', join(dir, 'cases.csv'), '--out', join(dir, 'out.csv'), '--jobs', '1']);
    err.mockRestore();
    expect(rc).toBe(1);
    const recs = parseCsvRecords(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expect(recs.map((r) => r.ErrorCode)).toEqual(['', 'RADIOMICS_LABEL_ABSENT']);
    expect(matchesReference(Number(recs[0]?.['ibsi_ngt_coarseness_3D']), ref('ngt_coarseness_3D'))).toBe(true);
  });

  it('extract with an IBSI key in a PyRadiomics-mode file fails with its code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-ibsi-'));
    writeFileSync(join(dir, 'p.yaml'), 'setting:\n  binWidth: 1\n  ibsiAggregation: [3D-averaged]\n');
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      stderr += String(s);
      return true;
    });
    const rc = await runRadiomicsCli(['extract', '--params', join(dir, 'p.yaml'), '--image', join(d, 'image.nii.gz'), '--mask', join(d, 'mask.nii.gz')]);
    err.mockRestore();
    expect(rc).not.toBe(0);
    expect(stderr).toContain('RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE');
  });
});
