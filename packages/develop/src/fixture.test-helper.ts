/**
 * A synthetic feature table for `model develop` tests (no images): radiomics columns named as the
 * demo bundle's parameter file produces them, one DL column, clinical columns and an outcome drawn
 * from a known logistic model. Seeded; the numbers are not meant to look like real radiomics.
 */
import { writeFileSync } from 'node:fs';
import { mulberry32, randomNormal } from '@tace/modeling';

export const FIXTURE_RAD = [
  'original_firstorder_Mean', 'original_firstorder_Median', 'original_firstorder_Skewness', 'original_firstorder_Kurtosis',
  'original_firstorder_Entropy', 'original_firstorder_Energy', 'original_firstorder_Range', 'original_firstorder_10Percentile',
  'original_firstorder_90Percentile', 'original_firstorder_Variance', 'original_glcm_Contrast', 'original_glcm_Correlation',
  'original_glcm_Autocorrelation', 'original_glcm_JointEntropy', 'original_glcm_Idm', 'original_shape_Sphericity',
  'original_shape_Elongation', 'original_shape_Flatness', 'original_glcm_ClusterShade', 'original_glcm_MaximumProbability',
];

export function fixtureCsv(opts: { n?: number; seed?: number; cohortOf?: (i: number) => string; mutate?: (row: Record<string, string | number>, i: number) => void } = {}): string {
  const n = opts.n ?? 300;
  const rng = mulberry32(opts.seed ?? 11);
  const header = ['id', 'cohort', 'distant_metastasis', 'tumour_size_mm', 'nodule_count', 'afp_ng_per_ml', ...FIXTURE_RAD, 'dl_logit'];
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const latent = randomNormal(rng);
    const rad = FIXTURE_RAD.map((_, j) => (j < 4 ? 0.8 * latent + 0.6 * randomNormal(rng) : randomNormal(rng)) * (1 + j) + 10 * j);
    const dl = 0.9 * latent + 0.8 * randomNormal(rng);
    const size = Math.round(Math.exp(3.6 + 0.5 * randomNormal(rng)));
    const nodules = 1 + Math.floor(3 * rng());
    const afp = Math.round(Math.exp(3 + 2.5 * randomNormal(rng)) * 10) / 10;
    const eta = -1 + 1.3 * latent + 0.01 * (size - 40) + 0.3 * (nodules - 2) + 0.25 * Math.log10(Math.max(afp, 1));
    const y = rng() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    const cohort = opts.cohortOf ? opts.cohortOf(i) : i < 0.6 * n ? 'train' : i < 0.8 * n ? 'test' : 'external';
    const row: Record<string, string | number> = { id: `P${i}`, cohort, distant_metastasis: y, tumour_size_mm: size, nodule_count: nodules, afp_ng_per_ml: afp, dl_logit: dl };
    FIXTURE_RAD.forEach((name, j) => (row[name] = rad[j]));
    opts.mutate?.(row, i);
    lines.push(header.map((h) => row[h]).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function fixtureConfig(extractor: string, extra = ''): string {
  return `outcome: { column: distant_metastasis, definition: "Distant metastasis within 12 months after TACE (synthetic test data)" }
radiomics: { prefix: original_ }
dl: { columns: [dl_logit] }
clinical: { tumourSizeMm: tumour_size_mm, noduleCount: nodule_count, afpNgPerMl: afp_ng_per_ml }
screening: { univariate: { pThreshold: 0.2 }, correlation: { threshold: 0.9 } }
radScore: { folds: 5, seed: 3 }
validation: { bootstrap: 8, seed: 5 }
bundle:
  id: test-develop
  version: 0.0.1
  name: Test development bundle
  extractor: ${JSON.stringify(extractor)}
  syntheticDemo: true
  disclaimer: synthetic demonstration model — not for clinical use
  intendedUse: tests of tace-risk model develop
  trainingData: a seeded synthetic feature table (packages/develop/src/fixture.test-helper.ts)
  limitations: synthetic data
${extra}`;
}

export function writeFixture(dir: string, csv = fixtureCsv(), config?: string): { cohort: string; config: string } {
  writeFileSync(`${dir}/cohort.csv`, csv);
  writeFileSync(`${dir}/develop.yaml`, config ?? fixtureConfig(new URL('../../../models/demo-synthetic', import.meta.url).pathname));
  return { cohort: `${dir}/cohort.csv`, config: `${dir}/develop.yaml` };
}
