/**
 * Step 1 of the demo bundle build: the synthetic study, as a hospital would hold it.
 *   - 475 patients: 375 from the home site (stratified 70/30 train/test split on the outcome) and
 *     100 from an external site with a documented scanner and population shift
 *     (@tace/synthetic EXTERNAL_SITE: +15 HU calibration, +10 HU noise, tumours ×1.15, AFP ×2);
 *   - each patient's post-TACE CT and tumour SEG written as DICOM (out/studies/<id>/), and
 *     out/cases.csv (id, image, mask, cohort, outcome, clinical values) for `tace-risk model features`;
 *   - the feature extractor out/extractor/: radiomics.yaml and dl.json (the CNN's input, output and
 *     preprocessing; train_cnn.py adds dl.onnx), as `tace-risk model features --bundle` reads it;
 *   - the DL crops of the train and test patients (out/crops.f32 + out/cohort.json, exactly
 *     @tace/models preprocessForDl) for train_cnn.py, which trains the CNN on the train patients only.
 * Run: node models/training/build-cohort.ts (build.sh runs all steps). Writes models/training/out/ (git-ignored).
 */
import { closeSync, copyFileSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stratifiedSplit } from '@tace/modeling';
import { preprocessForDl } from '@tace/models';
import { EXTERNAL_SITE, generateSitePatient, generateSiteRecord, HOME_SITE, writeSyntheticStudy } from '@tace/synthetic';
import { COHORT_SEED, DL_PREPROCESSING, EXTERNAL_SIZE, HOME_SIZE, SPLIT_SEED, TEST_FRACTION } from './config.ts';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
mkdirSync(join(outDir, 'studies'), { recursive: true });

const t0 = performance.now();
const total = HOME_SIZE + EXTERNAL_SIZE;
const siteOf = (i: number) => (i < HOME_SIZE ? HOME_SITE : EXTERNAL_SITE);
const records = Array.from({ length: total }, (_, i) => generateSiteRecord(COHORT_SEED, i, siteOf(i)));
const homeLabels = records.slice(0, HOME_SIZE).map((r) => (r.outcome.distantMetastasis ? 1 : 0));
const split = stratifiedSplit(homeLabels, TEST_FRACTION, SPLIT_SEED);
const isTest = new Set(split.test);
const cohortOf = (i: number) => (i >= HOME_SIZE ? 'external' : isTest.has(i) ? 'test' : 'train');

const cases = ['id,image,mask,cohort,site,distant_metastasis,tumour_size_mm,nodule_count,afp_ng_per_ml'];
const cropsFd = openSync(join(outDir, 'crops.f32'), 'w');
const cnnPatients: Array<{ id: string; split: string; outcome: number }> = [];
for (let i = 0; i < total; i++) {
  const p = generateSitePatient(COHORT_SEED, i, siteOf(i));
  const dir = join(outDir, 'studies', p.id);
  writeSyntheticStudy(p, dir);
  const y = p.outcome.distantMetastasis ? 1 : 0;
  cases.push([p.id, `studies/${p.id}`, `studies/${p.id}/SEG.dcm`, cohortOf(i), siteOf(i).name, y, p.clinical.tumourSizeMm, p.clinical.noduleCount, p.clinical.afpNgPerMl].join(','));
  if (cohortOf(i) !== 'external') {
    const crop = preprocessForDl(p.ct, p.mask, DL_PREPROCESSING);
    writeSync(cropsFd, new Uint8Array(crop.buffer, crop.byteOffset, crop.byteLength));
    cnnPatients.push({ id: p.id, split: cohortOf(i), outcome: y });
  }
  if ((i + 1) % 50 === 0) console.log(`cohort: ${i + 1}/${total} patients written (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
closeSync(cropsFd);
writeFileSync(join(outDir, 'cases.csv'), `${cases.join('\n')}\n`);
const [nx, ny, nz] = DL_PREPROCESSING.size;
writeFileSync(join(outDir, 'cohort.json'), JSON.stringify({ cohortSeed: COHORT_SEED, cropShape: [nz, ny, nx], patients: cnnPatients }));
// The feature extractor (train_cnn.py writes dl.onnx beside these).
mkdirSync(join(outDir, 'extractor'), { recursive: true });
copyFileSync(join(here, 'radiomics.yaml'), join(outDir, 'extractor', 'radiomics.yaml'));
const dlSpec = { onnxFile: 'dl.onnx', inputName: 'input', outputName: 'logit', preprocessing: DL_PREPROCESSING, featureNames: ['dl_logit'] };
writeFileSync(join(outDir, 'extractor', 'dl.json'), `${JSON.stringify(dlSpec, null, 2)}\n`);
const count = (c: string) => records.filter((_, i) => cohortOf(i) === c);
for (const c of ['train', 'test', 'external']) {
  const r = count(c);
  console.log(`cohort: ${c} ${r.length} patients, ${r.filter((x) => x.outcome.distantMetastasis).length} with distant metastasis`);
}
console.log(`cohort: wrote ${total} DICOM studies and cases.csv in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
