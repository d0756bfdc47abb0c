/**
 * IBSI mode end to end: the IBSI 1 digital phantom and CT phantom configurations A–E (those whose
 * reference table is present) run through
 * the YAML parameter files in packages/radiomics/params/ and extractFeatures, the `ibsi_…` output
 * mapped back to IBSI tags with ibsiFeatureRows, and every row compared with the IBSI reference
 * tables in ../shared/reference (round to 3 significant figures, then |x − ref| ≤ tolerance; one
 * vitest case per reference row, matched counts printed per family).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { readImageFile, toLabelMap } from './io/index.ts';
import { extractFeatures, type FeatureVector } from './extractor.ts';
import { describeIbsiFeature, ibsiFeatureRows } from './ibsiNames.ts';
import type { IbsiFamily, IbsiFeature } from './ibsi/types.ts';
import { defineIbsiConformance } from './ibsi/testing/conformanceSuite.ts';
import { ctConfigTable } from './ibsi/testing/referenceTable.ts';

const paramsFile = (name: string): string => readFileSync(new URL(`../params/${name}`, import.meta.url), 'utf8');

function asIbsiRows(v: FeatureVector): IbsiFeature[] {
  return ibsiFeatureRows(v)
    .filter((r) => typeof r.value === 'number')
    .map((r) => ({ tag: r.tag, family: r.family as IbsiFamily, aggregation: r.aggregation, value: r.value as number }));
}

const phantomDir = referencePath('ibsi1-digital-phantom');
const ctDir = referencePath('ibsi1-ct-phantom');

describe('IBSI mode via params/ibsi-digital-phantom.yaml', () => {
  defineIbsiConformance('digital phantom', phantomDir && join(phantomDir, 'reference_values.csv'), async () => {
    const d = phantomDir ?? '';
    const image = await readImageFile(join(d, 'image.nii.gz'));
    const mask = toLabelMap(await readImageFile(join(d, 'mask.nii.gz')));
    return asIbsiRows(extractFeatures(image, mask, paramsFile('ibsi-digital-phantom.yaml')));
  });
});

let ct: Promise<{ image: Awaited<ReturnType<typeof readImageFile>>; mask: ReturnType<typeof toLabelMap> }> | undefined;
function loadCt(): NonNullable<typeof ct> {
  // The raw NIfTI as read from disk: rounding to whole HU is the parameter file's ibsiRoundIntensities.
  ct ??= (async () => {
    const d = ctDir ?? '';
    return { image: await readImageFile(join(d, 'nifti', 'image.nii.gz')), mask: toLabelMap(await readImageFile(join(d, 'nifti', 'mask.nii.gz'))) };
  })();
  return ct;
}
const ctVectors = new Map<string, FeatureVector>();
async function ctVector(file: string): Promise<FeatureVector> {
  const cached = ctVectors.get(file);
  if (cached) return cached;
  const { image, mask } = await loadCt();
  const v = extractFeatures(image, mask, paramsFile(file));
  ctVectors.set(file, v);
  return v;
}

// Every CT-phantom configuration whose reference table is in ../shared/reference/ibsi1-ct-phantom
// (A and C there; B, D and E run the same way when their tables are put beside them).
for (const config of ['A', 'B', 'C', 'D', 'E']) {
  const yaml = `ibsi-ct-config-${config}.yaml`;
  const table = ctConfigTable(ctDir, config);
  if (!table) {
    console.warn(`SKIP IBSI CT phantom configuration ${config} via params/${yaml}: ${ctDir ? `no reference table (config_${config}_reference_values.csv) in ${ctDir}` : 'reference data absent (TACE_REFDATA / ../shared/reference)'}`);
  }
  describe(`IBSI mode via params/${yaml}`, () => {
    defineIbsiConformance(`configuration ${config}`, table, async () => asIbsiRows(await ctVector(yaml)));
  });
}

/** Fields of one CSV line with double-quoted fields (the reference tables quote "2D, averaged"). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

describe.skipIf(!phantomDir)('IBSI codes on the output = the ibsi_code column of the IBSI reference table', () => {
  it('every digital-phantom row with a code: the output name of its tag describes to that code', async () => {
    const d = phantomDir ?? '';
    const image = await readImageFile(join(d, 'image.nii.gz'));
    const mask = toLabelMap(await readImageFile(join(d, 'mask.nii.gz')));
    const byTag = new Map(ibsiFeatureRows(extractFeatures(image, mask, paramsFile('ibsi-digital-phantom.yaml'))).map((r) => [r.tag, r]));
    const [header = '', ...lines] = readFileSync(join(d, 'reference_values.csv'), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    const h = csvFields(header);
    let checked = 0;
    for (const l of lines) {
      const f = csvFields(l);
      const tag = f[h.indexOf('tag')] ?? '';
      const code = f[h.indexOf('ibsi_code')] ?? '';
      const row = byTag.get(tag);
      if (!code || !row) continue; // rows without a reference value (OMBB, MVEE) are not output
      expect(row.ibsiCode, tag).toBe(code);
      checked++;
    }
    console.log(`IBSI codes checked against the reference table: ${checked}`);
    expect(checked).toBeGreaterThanOrEqual(470);
  }, 120_000);
});

describe.skipIf(!ctDir)('IBSI mode output names, aggregations and codes (CT phantom)', () => {
  it('configuration A (2D) has 2D and 2.5D rows only; C (ibsiAggregation 3D-*) has 3D rows only', async () => {
    const a = Object.keys(await ctVector('ibsi-ct-config-A.yaml'));
    const c = Object.keys(await ctVector('ibsi-ct-config-C.yaml'));
    expect(a).toContain('ibsi_cm_joint_max_2D-averaged');
    expect(a).toContain('ibsi_cm_joint_max_2.5D-merged');
    expect(a).toContain('ibsi_szm_sze_2.5D');
    expect(a.some((k) => /_3D(-averaged|-merged)?$/.test(k))).toBe(false);
    expect(c).toContain('ibsi_cm_joint_max_3D-averaged');
    expect(c).toContain('ibsi_rlm_sre_3D-merged');
    expect(c).toContain('ibsi_ngl_lde_3D');
    expect(c.some((k) => /_(2D|2\.5D)(-averaged|-merged)?$/.test(k))).toBe(false);
  }, 300_000);

  it('every IBSI row carries its tag, family, aggregation and (where the manual has one) its IBSI code', async () => {
    const v = await ctVector('ibsi-ct-config-C.yaml');
    // Codes from the IBSI 1 manual: joint maximum GYBY, volume RNU0, (excess) kurtosis IPH6.
    expect(describeIbsiFeature('ibsi_cm_joint_max_3D-averaged')).toMatchObject({
      tag: 'cm_joint_max_3D_avg', family: 'glcm', aggregation: '3D-averaged', ibsiCode: 'GYBY', pyradiomics: 'glcm_MaximumProbability',
    });
    expect(describeIbsiFeature('ibsi_cm_joint_max_3D-merged')).toMatchObject({ tag: 'cm_joint_max_3D_comb', ibsiCode: 'GYBY' });
    expect(describeIbsiFeature('ibsi_cm_joint_max_3D-merged')?.pyradiomics).toBeUndefined();
    expect(describeIbsiFeature('ibsi_morph_volume')).toMatchObject({ tag: 'morph_volume', family: 'morphology', aggregation: 'n/a', ibsiCode: 'RNU0' });
    expect(describeIbsiFeature('ibsi_stat_kurt')?.pyradiomics).toBeUndefined();
    expect(String(v.diagnostics_IBSI_Codes)).toContain('cm_joint_max=GYBY');
    expect(String(v.diagnostics_IBSI_Codes)).toContain('stat_kurt=IPH6');
    expect(v.diagnostics_Configuration_Standard).toBe('ibsi');
    const rows = ibsiFeatureRows(v);
    const features = rows.filter((r) => r.family !== 'diagnostics');
    expect(features.length).toBeGreaterThan(150);
    for (const r of features) expect(r.name.startsWith('ibsi_') && r.tag.length > 0, r.name).toBe(true);
  }, 300_000);
});
