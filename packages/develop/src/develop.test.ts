import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auc, fitGlm } from '@tace/modeling';
import { loadModelBundle } from '@tace/models';
import { developModel } from './develop-cli.ts';
import { parseTable } from './table.ts';
import { fixtureConfig, fixtureCsv, writeFixture } from './fixture.test-helper.ts';

const root = mkdtempSync(join(tmpdir(), 'tace-develop-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const demoBundle = new URL('../../../models/demo-synthetic', import.meta.url).pathname;
let k = 0;
const fresh = () => {
  const dir = join(root, `case${k++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};



describe('tace-risk model develop', () => {
  it('fits on train only, evaluates every cohort, and exports a bundle the worker loads and scores identically', async () => {
    const dir = fresh();
    const f = writeFixture(dir);
    const out = join(dir, 'out');
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: out, workers: 2 });
    // the bundle passes the worker's loader (schema, sha256, ONNX, params) and re-scores every patient
    const bundle = await loadModelBundle(join(out, 'bundle'));
    await bundle.close();
    expect(r.exportCheck.maxAbsDiff).toBeLessThan(1e-9);
    expect(bundle.manifest.syntheticDemo).toBe(true);
    // independent of the pipeline's wiring: AUCs recomputed from the table's labels and the predictions
    const t = parseTable(readFileSync(f.cohort, 'utf8'));
    const col = (n: string) => t.rows.map((row) => row[t.columns.indexOf(n)]);
    const y = col('distant_metastasis').map(Number);
    const cohort = col('cohort');
    for (const c of ['train', 'test', 'external']) {
      const rows = y.flatMap((_, i) => (cohort[i] === c ? [i] : []));
      const e = r.evaluations.find((x) => x.cohort === c);
      expect(e?.auc.find((a) => a.model === 'Combined')?.auc).toBe(auc(rows.map((i) => r.predictions.combined[i]), rows.map((i) => y[i])));
    }
    // the combined model is glm on (DLR, size, nodules, log10 AFP) of the TRAIN rows only
    const train = y.flatMap((_, i) => (cohort[i] === 'train' ? [i] : []));
    const num = (n: string) => train.map((i) => Number(col(n)[i]));
    const ref = fitGlm(
      {
        y: train.map((i) => y[i]),
        dlr: train.map((i) => r.predictions.dlr[i]),
        size: num('tumour_size_mm'),
        nodules: num('nodule_count'),
        afp: num('afp_ng_per_ml').map((v) => Math.log10(Math.max(v, 1))),
      },
      { outcome: 'y', event: 1, terms: ['dlr', 'size', 'nodules', 'afp'], profile: false },
    );
    r.fitted.combined.fit.coefficients.forEach((c, j) => expect(c.estimate).toBeCloseTo(ref.coefficients[j].estimate, 10));
    // report, figures, results, model card
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const s of ['AUC (95 % CI', 'train (n = 180', 'test (n = 60', 'external (n = 60', 'Hosmer', 'not for clinical use', '1. Outcome and horizon', '7. Limitations', '<svg']) expect(html).toContain(s);
    for (const fig of ['roc-test.svg', 'calibration-external.svg', 'dca-train.svg', 'nomogram.svg', 'lasso-cv.svg']) expect(existsSync(join(out, fig))).toBe(true);
    expect(r.bootstrap?.validate.rows.map((x) => x.index)).toEqual(['Dxy', 'R2', 'Intercept', 'Slope', 'Emax', 'D', 'U', 'Q', 'B', 'g', 'gp']);
    // the resamples do not depend on the number of workers
    const r1 = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out1'), workers: 1 });
    expect(r1.bootstrap?.validate.rows).toEqual(r.bootstrap?.validate.rows);
  }, 60_000);

  const refuse = async (csv: string, code: string, config?: (dir: string) => string) => {
    const dir = fresh();
    const f = writeFixture(dir, csv, config?.(dir));
    await expect(developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 })).rejects.toMatchObject({ code });
    expect(existsSync(join(dir, 'out', 'bundle', 'manifest.json'))).toBe(false);
  };

  it('refuses a cohort label other than train / test / external', () => refuse(fixtureCsv({ cohortOf: (i) => (i < 200 ? 'train' : 'validation') }), 'COHORT_LABEL_INVALID'));
  it('refuses an outcome with one class in a cohort', () => refuse(fixtureCsv({ mutate: (r, i) => void (i >= 240 && (r.distant_metastasis = 0)) }), 'MODEL_ONE_CLASS'));
  it('refuses a missing value unless imputation is configured', () => refuse(fixtureCsv({ mutate: (r, i) => void (i === 7 && (r.afp_ng_per_ml = 'NA')) }), 'TABLE_MISSING_VALUE'));
  it('refuses a non-numeric value, naming the column and row', () => refuse(fixtureCsv({ mutate: (r, i) => void (i === 3 && (r.original_glcm_Idm = 'high')) }), 'TABLE_NON_NUMERIC'));
  it('refuses a radiomics column the bundle parameter file does not produce', () =>
    refuse(fixtureCsv({ mutate: (r) => void (r.original_firstorder_Mean = 1) }).replace('original_firstorder_Mean', 'original_glrlm_RunEntropy'), 'DEVELOP_FEATURE_NOT_PRODUCED'));
  it('refuses a misspelt setting', () => refuse(fixtureCsv(), 'DEVELOP_CONFIG_INVALID', () => fixtureConfig(demoBundle, 'threshhold: { rule: youden }')));
  it('refuses a feature table made by another extractor (training-serving skew)', async () => {
    const dir = fresh();
    const f = writeFixture(dir);
    writeFileSync(`${f.cohort}.provenance.json`, JSON.stringify({ radiomicsParamsSha256: '0'.repeat(64), onnxSha256: '1'.repeat(64) }));
    await expect(developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 })).rejects.toMatchObject({ code: 'FEATURES_EXTRACTOR_MISMATCH' });
  });
  it('reports separation in the combined model, and fits Firth when configured', async () => {
    // nodule count separates the outcome perfectly in every cohort
    const csv = fixtureCsv({ mutate: (r) => void (r.nodule_count = r.distant_metastasis === 1 ? 3 : 1) });
    await refuse(csv, 'MODEL_SEPARATION');
    const dir = fresh();
    const f = writeFixture(dir, csv, fixtureConfig(demoBundle, 'combined: { firthOnSeparation: true }'));
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 });
    expect(r.fitted.combined.fit.method).toBe('firth');
    expect(r.fitted.combined.fit.coefficients.every((c) => Number.isFinite(c.estimate))).toBe(true);
  }, 60_000);
  it('imputes with the train median when configured, and says so', async () => {
    const dir = fresh();
    const csv = fixtureCsv({ mutate: (r, i) => void (i === 7 && (r.afp_ng_per_ml = 'NA')) });
    const f = writeFixture(dir, csv, fixtureConfig(demoBundle, 'missing: median'));
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 });
    expect(r.manifest.provenance).toMatchObject({ imputations: [{ column: 'afp_ng_per_ml', count: 1 }] });
    expect(readFileSync(join(dir, 'out', 'report.html'), 'utf8')).toContain('DEVELOP_IMPUTED');
  });
  it('warns with the events-per-variable figure when it is low', async () => {
    const dir = fresh();
    const f = writeFixture(dir, fixtureCsv({ n: 90 }));
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 });
    expect(r.fitted.warnings.map((w) => w.code)).toContain('MODEL_LOW_EPV');
  });
  it('screens radiomics features by ICC over repeated segmentations of train patients', async () => {
    const dir = fresh();
    const csv = fixtureCsv();
    const t = parseTable(csv);
    const rad = t.columns.filter((c) => c.startsWith('original_'));
    const noisy = new Set(['original_firstorder_Median', 'original_glcm_Contrast']);
    // two segmentations of the first 40 (train) patients: the same values, plus noise far larger than
    // the between-patient spread for the two "noisy" features
    const lines = [['id', 'rater', ...rad].join(',')];
    let s = 1;
    const noise = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
    for (let i = 0; i < 40; i++) {
      for (const rater of ['A', 'B']) {
        const vals = rad.map((c) => Number(t.rows[i][t.columns.indexOf(c)]) + (noisy.has(c) ? 500 * noise() : 0.01 * noise()));
        lines.push([t.rows[i][0], rater, ...vals].join(','));
      }
    }
    writeFileSync(join(dir, 'icc.csv'), `${lines.join('\n')}\n`);
    const f = writeFixture(dir, csv, fixtureConfig(demoBundle).replace('screening: {', 'screening: { icc: { file: icc.csv, threshold: 0.75 },'));
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 });
    const table = r.fitted.screening.table;
    for (const n of noisy) expect(table.find((x) => x.name === n)).toMatchObject({ kept: false, step: 'icc', reason: 'icc-below-threshold' });
    expect(table.filter((x) => x.step === 'icc').map((x) => x.name).sort()).toEqual([...noisy].sort());
    // a replicate of a test patient is refused: the screen is fitted on training data only
    writeFileSync(join(dir, 'icc.csv'), `${[...lines, ['P250', 'A', ...rad.map(() => 1)].join(','), ['P250', 'B', ...rad.map(() => 1)].join(',')].join('\n')}\n`);
    await expect(developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out2'), bootstrap: 0 })).rejects.toMatchObject({ code: 'DEVELOP_ICC_NOT_TRAIN' });
  });
});
