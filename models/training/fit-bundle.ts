/**
 * Step 3 of the demo bundle build: fit the radiomics selection, the DLR fusion and the nomogram
 * on the train split of the synthetic cohort, choose the risk thresholds, measure AUCs, and write
 * models/demo-synthetic/ (manifest.json with the sha256 of every file, radiomics.yaml, dl.onnx
 * from train_cnn.py, MODEL_CARD.md, predictions.json). Then load the bundle with
 * @tace/models loadModelBundle and score test patients through the production path (scoreCase)
 * to check that it reproduces the fitted predictions.
 *
 * Statistical choices (say them in the card too):
 * - the fusion's DL input is the CNN logit; the fusion and the nomogram are fitted on the train
 *   patients' OUT-OF-FOLD CNN logits (train_cnn.py), so the DL coefficient is not inflated by
 *   the network having seen those labels; at prediction time the final CNN's logit is used;
 * - fusion: logistic regression over z-scored [selected radiomics, DL logit], ridge λ = 1;
 * - nomogram: plain maximum-likelihood logistic regression on [DLR score, size mm, nodules,
 *   log10 AFP], like R's glm; points on rms::nomogram's scale (100 for the widest factor);
 * - risk thresholds: tertiles of the train-set nomogram probabilities (moderate = 1/3, high = 2/3).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { ClinicalInputs } from '@tace/common';
import { auc, aucCi, fitLogistic, nomogramPoints, standardize, youden } from '@tace/modeling';
import { factorValue, fusionScore, loadModelBundle, scoreCase, sha256Hex, validateManifest, type ModelManifest, type NomogramFactorSpec } from '@tace/models';
import { generatePatient, OUTCOME_MODEL } from '@tace/synthetic';
import { BUNDLE_ID, BUNDLE_VERSION, COHORT_SEED, DL_PREPROCESSING } from './config.ts';
import { modelCardMarkdown, type CardFigures } from './model-card.ts';
import { selectFeatures } from './select-features.ts';

interface CohortPatient {
  id: string;
  index: number;
  split: 'train' | 'test';
  outcome: number;
  trueProbability: number;
  clinical: { afpNgPerMl: number; tumourSizeMm: number; noduleCount: number };
  features: Record<string, number>;
}
interface Cohort {
  cropShape: [number, number, number];
  patients: CohortPatient[];
  splitSeed: number;
  testFraction: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const bundleDir = join(here, '..', 'demo-synthetic');
const MAX_RAD_FEATURES = 5;
const MAX_ABS_CORRELATION = 0.7;
const FUSION_L2 = 1;
const DL_FEATURE = 'dl_logit';
const DISCLAIMER = 'synthetic demonstration model — not for clinical use';

const cohort = JSON.parse(readFileSync(join(outDir, 'cohort.json'), 'utf8')) as Cohort;
const oof = JSON.parse(readFileSync(join(outDir, 'dl_oof.json'), 'utf8')) as { trainOofLogit: Record<string, number>; torchLogit: Record<string, number>; epochs: number; folds: number };
const patients = cohort.patients;
const train = patients.filter((p) => p.split === 'train');
const test = patients.filter((p) => p.split === 'test');
const yTrain = train.map((p) => p.outcome);
const yTest = test.map((p) => p.outcome);

// --- DL: the final CNN through onnxruntime (the production runtime) on every crop.
const [nz, ny, nx] = cohort.cropShape;
const cropLen = nx * ny * nz;
const cropsBuf = readFileSync(join(outDir, 'crops.f32'));
const crops = new Float32Array(cropsBuf.buffer.slice(cropsBuf.byteOffset, cropsBuf.byteOffset + cropsBuf.byteLength));
const session = await ort.InferenceSession.create(join(bundleDir, 'dl.onnx'), { executionProviders: ['cpu'] });
const ortLogit = new Map<string, number>();
for (let s = 0; s < patients.length; s += 50) {
  const batch = patients.slice(s, s + 50);
  const input = new ort.Tensor('float32', crops.subarray(s * cropLen, (s + batch.length) * cropLen), [batch.length, 1, nz, ny, nx]);
  const out = await session.run({ input }, ['logit']);
  const data = out.logit.data as Float32Array;
  batch.forEach((p, k) => ortLogit.set(p.id, data[k]));
}
await session.release();
const torchVsOrt = Math.max(...patients.map((p) => Math.abs((ortLogit.get(p.id) as number) - oof.torchLogit[p.id])));
console.log(`fit: ONNX (onnxruntime) vs PyTorch logits, max |Δ| = ${torchVsOrt.toExponential(2)}`);
if (!(torchVsOrt < 1e-3)) throw new Error(`ONNX export disagrees with PyTorch (max |Δ| ${torchVsOrt})`);

// --- Radiomics selection (train only).
const sel = selectFeatures(train.map((p) => p.features), yTrain, { maxFeatures: MAX_RAD_FEATURES, maxAbsCorrelation: MAX_ABS_CORRELATION });
console.log(`fit: radiomics selected ${sel.selected.map((n) => `${n} (AUC ${sel.table.find((r) => r.name === n)?.auc.toFixed(3)})`).join(', ')}`);

// --- Fusion (DLR score) on train: selected radiomics + out-of-fold DL logit.
const fusionNames = [...sel.selected, DL_FEATURE];
const fusionRow = (p: CohortPatient, dl: number): number[] => [...sel.selected.map((n) => p.features[n]), dl];
const std = standardize(train.map((p) => fusionRow(p, oof.trainOofLogit[p.id])));
const fusionFit = fitLogistic(std.Z, yTrain, { l2: FUSION_L2 });
if (!fusionFit.converged) throw new Error('fusion logistic regression did not converge');
const fusion: ModelManifest['fusion'] = { featureNames: fusionNames, means: std.means, sds: std.sds, intercept: fusionFit.intercept, coefficients: fusionFit.coefficients };

// --- Nomogram on train: DLR score (out-of-fold DL) + clinical factors.
const asClinical = (p: CohortPatient): ClinicalInputs => {
  const v = (value: number, unit: string) => ({ value, original: { value, unit }, reference: `synthetic/${p.id}` });
  return { afpNgPerMl: v(p.clinical.afpNgPerMl, 'ng/mL'), tumourSizeMm: v(p.clinical.tumourSizeMm, 'mm'), noduleCount: v(p.clinical.noduleCount, '1') };
};
const factorSpecs: NomogramFactorSpec[] = [
  { name: 'dlrScore', coefficient: 0, min: 0, max: 1 },
  { name: 'tumourSizeMm', coefficient: 0, min: 0, max: 1 },
  { name: 'noduleCount', coefficient: 0, min: 0, max: 1 },
  { name: 'log10AfpNgPerMl', coefficient: 0, min: 0, max: 1, transform: { kind: 'log10', floorInput: 1 } },
];
const nomoRow = (p: CohortPatient, dlr: number): number[] => factorSpecs.map((f) => factorValue(f, dlr, asClinical(p)).value);
const dlrTrainFit = train.map((p) => fusionScore(fusion, fusionRow(p, oof.trainOofLogit[p.id])));
const nomoX = train.map((p, i) => nomoRow(p, dlrTrainFit[i]));
const nomoFit = fitLogistic(nomoX, yTrain);
if (!nomoFit.converged) throw new Error('nomogram logistic regression did not converge');
factorSpecs.forEach((f, j) => {
  f.coefficient = nomoFit.coefficients[j];
  f.min = Math.min(...nomoX.map((r) => r[j]));
  f.max = Math.max(...nomoX.map((r) => r[j]));
});
const nomogram: ModelManifest['nomogram'] = { factors: factorSpecs, intercept: nomoFit.intercept, pointsScale: 100 };

// --- Predictions of the final pipeline (final CNN logit) for every patient.
const predict = (p: CohortPatient) => {
  const dlrScore = fusionScore(fusion, fusionRow(p, ortLogit.get(p.id) as number));
  const values = Object.fromEntries(factorSpecs.map((f) => [f.name, factorValue(f, dlrScore, asClinical(p)).value]));
  return { dlrScore, probability: nomogramPoints(nomogram, values).probability };
};
const pred = new Map(patients.map((p) => [p.id, predict(p)]));
const probTrain = train.map((p) => pred.get(p.id)?.probability as number);
const probTest = test.map((p) => pred.get(p.id)?.probability as number);

// --- Risk thresholds: tertiles of the train-set probabilities (type-7 quantile).
const q = (xs: number[], f: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * f;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
};
const riskThresholds = { moderate: q(probTrain, 1 / 3), high: q(probTrain, 2 / 3) };
const atHigh = (probs: number[], ys: number[]) => {
  const tp = probs.filter((p, i) => p >= riskThresholds.high && ys[i] === 1).length;
  const tn = probs.filter((p, i) => p < riskThresholds.high && ys[i] === 0).length;
  const pos = ys.filter((y) => y === 1).length;
  return { sensitivity: tp / pos, specificity: tn / (ys.length - pos) };
};

// --- Metrics.
const ci = (s: number[], y: number[]) => aucCi(s, y);
const fmt = (c: [number, number, number]) => `${c[1].toFixed(3)} (95% CI ${c[0].toFixed(3)}–${c[2].toFixed(3)})`;
const figures: CardFigures = {
  n: { total: patients.length, train: train.length, test: test.length, trainEvents: yTrain.filter((y) => y === 1).length, testEvents: yTest.filter((y) => y === 1).length },
  nomogram: { train: ci(probTrain, yTrain), test: ci(probTest, yTest) },
  dlr: { train: ci(train.map((p) => pred.get(p.id)?.dlrScore as number), yTrain), test: ci(test.map((p) => pred.get(p.id)?.dlrScore as number), yTest) },
  dl: { train: ci(train.map((p) => ortLogit.get(p.id) as number), yTrain), test: ci(test.map((p) => ortLogit.get(p.id) as number), yTest), trainOutOfFold: auc(train.map((p) => oof.trainOofLogit[p.id]), yTrain) },
  generativeTruth: { test: ci(test.map((p) => p.trueProbability), yTest) },
  highRisk: { train: atHigh(probTrain, yTrain), test: atHigh(probTest, yTest) },
  youdenTrain: youden(probTrain, yTrain).threshold,
  selection: sel.table.slice(0, 12),
  cnn: { epochs: oof.epochs, folds: oof.folds },
};
console.log(`fit: AUC nomogram train ${fmt(figures.nomogram.train)}, test ${fmt(figures.nomogram.test)}`);
console.log(`fit: AUC DLR score train ${fmt(figures.dlr.train)}, test ${fmt(figures.dlr.test)}; CNN logit test ${fmt(figures.dl.test)}`);
console.log(`fit: generative-model probability on test (ceiling) AUC ${fmt(figures.generativeTruth.test)}`);
console.log(`fit: risk thresholds (train tertiles) moderate ${riskThresholds.moderate.toFixed(3)}, high ${riskThresholds.high.toFixed(3)}`);

// --- Write the bundle.
copyFileSync(join(here, 'radiomics.yaml'), join(bundleDir, 'radiomics.yaml'));
const predictions = {
  note: 'Predictions of this bundle on its synthetic training cohort (final pipeline: final CNN logit → fusion → nomogram).',
  cohortSeed: COHORT_SEED,
  patients: patients.map((p) => ({ id: p.id, index: p.index, split: p.split, outcome: p.outcome, dlrScore: pred.get(p.id)?.dlrScore, probability: pred.get(p.id)?.probability })),
};
writeFileSync(join(bundleDir, 'predictions.json'), `${JSON.stringify(predictions, null, 1)}\n`);
const createdAt = new Date(process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) * 1000 : Date.now()).toISOString();
const card = modelCardMarkdown({ figures, fusion, nomogram, riskThresholds, outcomeModel: OUTCOME_MODEL, bundleId: BUNDLE_ID, version: BUNDLE_VERSION, disclaimer: DISCLAIMER });
writeFileSync(join(bundleDir, 'MODEL_CARD.md'), card);
const files: ModelManifest['files'] = [
  { path: 'radiomics.yaml', role: 'radiomicsParams' },
  { path: 'dl.onnx', role: 'dlModel' },
  { path: 'MODEL_CARD.md', role: 'modelCard' },
  { path: 'predictions.json', role: 'trainingReport' },
].map((f) => ({ ...f, sha256: sha256Hex(readFileSync(join(bundleDir, f.path))) })) as ModelManifest['files'];
const r3 = (c: [number, number, number]) => ({ auc: c[1], ci95: [c[0], c[2]] });
const manifestJson = {
  schemaVersion: 1,
  id: BUNDLE_ID,
  version: BUNDLE_VERSION,
  name: 'TACE distant-metastasis risk — synthetic demonstration bundle',
  intendedUse: `Demonstration and testing of the tace-risk pipeline only. ${DISCLAIMER}. Trained on synthetic patients; its outputs carry no clinical meaning.`,
  syntheticDemo: true,
  disclaimer: DISCLAIMER,
  createdAt,
  files,
  radiomics: { paramsFile: 'radiomics.yaml', features: sel.selected },
  dl: { onnxFile: 'dl.onnx', inputName: 'input', outputName: 'logit', preprocessing: DL_PREPROCESSING, featureNames: [DL_FEATURE] },
  fusion,
  nomogram,
  riskThresholds,
  modelCard: {
    summary: `Radiomics + 3-D CNN (DLR score) fused with tumour size, nodule count and AFP in a logistic nomogram, fitted on ${patients.length} synthetic post-TACE patients. ${DISCLAIMER}.`,
    trainingData: `Synthetic cohort from @tace/synthetic (seed ${COHORT_SEED}): clinical values drawn like the public HCC-TACE-Seg table, phantom CTs with lipiodol, outcome from a documented generative model. Stratified ${train.length}/${test.length} train/test split.`,
    limitations: 'Synthetic data only; the outcome model is invented; no external validation; no calibration beyond the training cohort. Not for clinical use.',
    riskThresholdRule: 'moderate / high = 1/3 and 2/3 quantiles (tertiles) of the train-set nomogram probabilities',
  },
  validation: {
    cohort: `synthetic (seed ${COHORT_SEED}), ${patients.length} patients, stratified split ${train.length}/${test.length}`,
    auc: { train: figures.nomogram.train[1], test: figures.nomogram.test[1] },
    aucCi95: { train: [figures.nomogram.train[0], figures.nomogram.train[2]], test: [figures.nomogram.test[0], figures.nomogram.test[2]] },
    dlrScore: { train: r3(figures.dlr.train), test: r3(figures.dlr.test) },
    dlLogit: { train: r3(figures.dl.train), test: r3(figures.dl.test), trainOutOfFold: figures.dl.trainOutOfFold },
    generativeModelTest: r3(figures.generativeTruth.test),
    highRiskThreshold: figures.highRisk,
    predictionsFile: 'predictions.json',
  },
  provenance: { script: 'models/training/build.sh', cohortSeed: COHORT_SEED, splitSeed: cohort.splitSeed, testFraction: cohort.testFraction, fusionL2: FUSION_L2 },
};
const manifest = validateManifest(manifestJson);
writeFileSync(join(bundleDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`fit: wrote ${bundleDir}`);

// --- Check: the production path (loadModelBundle + scoreCase on regenerated patients) reproduces the fit.
const bundle = await loadModelBundle(bundleDir);
let maxDiff = 0;
for (const p of test.slice(0, 3)) {
  const full = generatePatient(COHORT_SEED, p.index);
  const r = await scoreCase(bundle, { image: full.ct, mask: full.mask, clinical: asClinical(p) });
  maxDiff = Math.max(maxDiff, Math.abs(r.probability - (pred.get(p.id)?.probability as number)));
}
await bundle.close();
console.log(`fit: loadModelBundle + scoreCase on 3 test patients reproduce the fitted probabilities, max |Δ| = ${maxDiff.toExponential(2)}`);
if (!(maxDiff < 1e-4)) throw new Error(`production scoring disagrees with the fit (max |Δ| ${maxDiff})`);
