/**
 * The committed demo bundle (models/demo-synthetic, built by models/training/build.sh through
 * `tace-risk model features` and `model develop`) against the generator that made its study: it
 * loads and verifies with @tace/models, its manifest AUCs are what @tace/modeling's auc / aucCi give
 * on the committed predictions (models/demo-synthetic-report/predictions.csv), its outcomes are the
 * generator's, and scoring regenerated patients (home and external site) through the production
 * path reproduces the committed predictions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type ClinicalInputs } from '@tace/common';
import { auc, aucCi } from '@tace/modeling';
import { loadModelBundle, scoreCase, type ModelBundle } from '@tace/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPatient } from './demo.ts';
import type { SyntheticPatientRecord } from './patient.ts';
import { EXTERNAL_SITE, generateSitePatient, generateSiteRecord, HOME_SITE } from './site.ts';

const BUNDLE_DIR = join(REPO_ROOT, 'models', 'demo-synthetic');
const REPORT_DIR = join(REPO_ROOT, 'models', 'demo-synthetic-report');
const COHORT_SEED = 424242; // models/training/config.ts

interface Row { id: string; index: number; cohort: 'train' | 'test' | 'external'; outcome: number; dlr: number; probability: number }
const lines = readFileSync(join(REPORT_DIR, 'predictions.csv'), 'utf8').trim().split('\n');
const header = lines[0].split(',');
const rows: Row[] = lines.slice(1).map((l) => {
  const c = l.split(',').map((x) => x.replace(/^"|"$/g, ''));
  const get = (n: string) => c[header.indexOf(n)];
  const id = get('id');
  return { id, index: Number(id.split('-')[2]), cohort: get('cohort') as Row['cohort'], outcome: Number(get('outcome')), dlr: Number(get('dlr_score')), probability: Number(get('probability')) };
});
const siteOf = (r: Row) => (r.cohort === 'external' ? EXTERNAL_SITE : HOME_SITE);

function clinicalOf(p: SyntheticPatientRecord): ClinicalInputs {
  const v = (value: number, unit: string) => ({ value, original: { value, unit }, reference: 'Observation/synthetic' });
  return { afpNgPerMl: v(p.clinical.afpNgPerMl, 'ng/mL'), tumourSizeMm: v(p.clinical.tumourSizeMm, 'mm'), noduleCount: v(p.clinical.noduleCount, '1') };
}

let bundle: ModelBundle;
beforeAll(async () => {
  bundle = await loadModelBundle(BUNDLE_DIR);
});
afterAll(async () => {
  await bundle?.close();
});

describe('models/demo-synthetic', () => {
  it('loads with loadModelBundle (schema, sha256 of every file, ONNX signature) and says it is synthetic', () => {
    expect(bundle.manifest.syntheticDemo).toBe(true);
    expect(bundle.manifest.disclaimer).toMatch(/not for clinical use/i);
    expect(readFileSync(join(BUNDLE_DIR, 'MODEL_CARD.md'), 'utf8')).toMatch(/not for clinical use/i);
    expect(readFileSync(join(REPORT_DIR, 'report.html'), 'utf8')).toMatch(/synthetic data and is for demonstration only/);
  });

  it('holds the 475-patient study: train, test and the external site', () => {
    expect(rows.length).toBe(475);
    expect(rows.filter((r) => r.cohort === 'external').length).toBe(100);
  });

  it.each(['train', 'test', 'external'] as const)('manifest %s AUC (95 %% CI) equals auc() / aucCi() on the committed predictions', (cohort) => {
    const rs = rows.filter((p) => p.cohort === cohort);
    const scores = rs.map((p) => p.probability);
    const labels = rs.map((p) => p.outcome);
    const stored = (bundle.manifest.validation as unknown as { perCohort: Record<string, Record<string, { auc: number; ci95: [number, number] }>> }).perCohort[cohort].Combined;
    expect(stored.auc).toBeCloseTo(auc(scores, labels), 12);
    const ci = aucCi(scores, labels);
    expect(stored.ci95[0]).toBeCloseTo(ci[0], 12);
    expect(stored.ci95[1]).toBeCloseTo(ci[2], 12);
  });

  it('its outcomes are the generator’s (labels come from the synthetic study, not typed in)', () => {
    for (const r of [...rows.slice(0, 40), ...rows.filter((x) => x.cohort === 'external').slice(0, 20)]) {
      const rec = generateSiteRecord(COHORT_SEED, r.index, siteOf(r));
      expect(rec.id).toBe(r.id);
      expect(r.outcome).toBe(rec.outcome.distantMetastasis ? 1 : 0);
    }
  });

  it.each(['test', 'external'] as const)('scoring a regenerated %s patient through scoreCase reproduces its committed prediction', async (cohort) => {
    const row = rows.find((p) => p.cohort === cohort) as Row;
    const p = generateSitePatient(COHORT_SEED, row.index, siteOf(row));
    const r = await scoreCase(bundle, { image: p.ct, mask: p.mask, clinical: clinicalOf(p) });
    expect(r.dlrScore).toBeCloseTo(row.dlr, 5);
    expect(r.probability).toBeCloseTo(row.probability, 6);
  });

  it('scores the demo patient to a probability and a risk group', async () => {
    const p = demoPatient();
    const r = await scoreCase(bundle, { image: p.ct, mask: p.mask, clinical: clinicalOf(p) });
    expect(r.probability).toBeGreaterThan(0);
    expect(r.probability).toBeLessThan(1);
    expect(['low', 'moderate', 'high']).toContain(r.riskGroup);
    expect(r.points.map((f) => f.factor).sort()).toEqual(['dlrScore', 'log10AfpNgPerMl', 'noduleCount', 'tumourSizeMm']);
  });
});
