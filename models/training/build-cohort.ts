/**
 * Step 1 of the demo bundle build: generate the synthetic cohort and export what the fitting
 * steps need, into models/training/out/ (git-ignored):
 *   cohort.json  — per patient: id, split (stratified on the outcome), outcome, clinical values,
 *                  the radiomics features @tace/radiomics extracts with radiomics.yaml
 *   crops.f32    — the DL inputs, exactly @tace/models preprocessForDl(ct, mask, DL_PREPROCESSING),
 *                  float32 little-endian, patient after patient, each x fastest ([z][y][x] in C order)
 * Run: node models/training/build-cohort.ts (build.sh runs all steps).
 */
import { mkdirSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabelMap, Volume } from '@tace/common';
import { stratifiedSplit } from '@tace/modeling';
import { preprocessForDl } from '@tace/models';
import { generatePatient, generatePatientRecord } from '@tace/synthetic';
import { COHORT_SEED, COHORT_SIZE, DL_PREPROCESSING, SPLIT_SEED, TEST_FRACTION } from './config.ts';

type Extract = (image: Volume, mask: LabelMap, params: string) => Record<string, number | string> | Promise<Record<string, number | string>>;

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
mkdirSync(outDir, { recursive: true });
const paramsYaml = readFileSync(join(here, 'radiomics.yaml'), 'utf8');

const radiomics = (await import('@tace/radiomics')) as { extractFeatures?: Extract };
if (typeof radiomics.extractFeatures !== 'function') throw new Error('@tace/radiomics does not export extractFeatures yet');
const extractFeatures = radiomics.extractFeatures;

const t0 = performance.now();
// Split on the outcome first (records are cheap: no rendering).
const records = Array.from({ length: COHORT_SIZE }, (_, i) => generatePatientRecord(COHORT_SEED, i));
const labels: number[] = records.map((r) => (r.outcome.distantMetastasis ? 1 : 0));
const split = stratifiedSplit(labels, TEST_FRACTION, SPLIT_SEED);
const isTest = new Set(split.test);

const cropsFd = openSync(join(outDir, 'crops.f32'), 'w');
const patients = [];
let tExtract = 0;
let tCrop = 0;
for (let i = 0; i < COHORT_SIZE; i++) {
  const p = generatePatient(COHORT_SEED, i);
  const a = performance.now();
  const all = await extractFeatures(p.ct, p.mask, paramsYaml);
  const b = performance.now();
  const crop = preprocessForDl(p.ct, p.mask, DL_PREPROCESSING);
  tExtract += b - a;
  tCrop += performance.now() - b;
  writeSync(cropsFd, new Uint8Array(crop.buffer, crop.byteOffset, crop.byteLength));
  const features: Record<string, number> = {};
  for (const [k, v] of Object.entries(all)) if (typeof v === 'number' && Number.isFinite(v) && k.startsWith('original_')) features[k] = v;
  patients.push({
    id: p.id,
    index: i,
    split: isTest.has(i) ? 'test' : 'train',
    outcome: labels[i],
    trueProbability: p.outcome.probability,
    clinical: p.clinical,
    latent: p.latent,
    features,
  });
  if ((i + 1) % 50 === 0) console.log(`cohort: ${i + 1}/${COHORT_SIZE} patients (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
closeSync(cropsFd);
const [nx, ny, nz] = DL_PREPROCESSING.size;
writeFileSync(
  join(outDir, 'cohort.json'),
  JSON.stringify({ cohortSeed: COHORT_SEED, splitSeed: SPLIT_SEED, testFraction: TEST_FRACTION, cropShape: [nz, ny, nx], dlPreprocessing: DL_PREPROCESSING, patients }),
);
const pos = labels.reduce((s, v) => s + v, 0);
console.log(
  `cohort: ${COHORT_SIZE} patients, ${pos} with distant metastasis (${((100 * pos) / COHORT_SIZE).toFixed(1)} %), train ${split.train.length} / test ${split.test.length}; ` +
    `radiomics ${(tExtract / 1000).toFixed(1)} s, crops ${(tCrop / 1000).toFixed(1)} s, total ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
