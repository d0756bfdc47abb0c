/**
 * The committed demo bundle (models/demo-synthetic) against the generator that made its cohort:
 * it loads and verifies with @tace/models, its manifest AUCs are what @tace/modeling's auc gives
 * on its committed predictions, its outcomes are the generator's, and scoring a regenerated test
 * patient through the production path reproduces the committed prediction.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type ClinicalInputs } from '@tace/common';
import { auc, aucCi } from '@tace/modeling';
import { loadModelBundle, scoreCase, type ModelBundle } from '@tace/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPatient } from './demo.ts';
import { generatePatient, generatePatientRecord, type SyntheticPatientRecord } from './patient.ts';

const BUNDLE_DIR = join(REPO_ROOT, 'models', 'demo-synthetic');

interface Predictions {
  cohortSeed: number;
  patients: { id: string; index: number; split: 'train' | 'test'; outcome: number; dlrScore: number; probability: number }[];
}

const predictions = JSON.parse(readFileSync(join(BUNDLE_DIR, 'predictions.json'), 'utf8')) as Predictions;

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
  });

  it.each(['train', 'test'] as const)('manifest %s AUC equals auc() recomputed on the committed predictions', (split) => {
    const rows = predictions.patients.filter((p) => p.split === split);
    const scores = rows.map((p) => p.probability);
    const labels = rows.map((p) => p.outcome);
    expect(bundle.manifest.validation.auc[split]).toBeCloseTo(auc(scores, labels), 12);
    const ci = aucCi(scores, labels);
    const stored = (bundle.manifest.validation as unknown as { aucCi95: Record<string, [number, number]> }).aucCi95[split];
    expect(stored[0]).toBeCloseTo(ci[0], 12);
    expect(stored[1]).toBeCloseTo(ci[2], 12);
  });

  it('its outcomes are the generator’s (labels come from the synthetic cohort, not typed in)', () => {
    for (const p of predictions.patients.slice(0, 60)) {
      const r = generatePatientRecord(predictions.cohortSeed, p.index);
      expect(r.id).toBe(p.id);
      expect(p.outcome).toBe(r.outcome.distantMetastasis ? 1 : 0);
    }
  });

  it('scoring a regenerated test patient through scoreCase reproduces its committed prediction', async () => {
    const row = predictions.patients.find((p) => p.split === 'test') as Predictions['patients'][number];
    const p = generatePatient(predictions.cohortSeed, row.index);
    const r = await scoreCase(bundle, { image: p.ct, mask: p.mask, clinical: clinicalOf(p) });
    expect(r.probability).toBeCloseTo(row.probability, 6);
    expect(r.dlrScore).toBeCloseTo(row.dlrScore, 5);
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
