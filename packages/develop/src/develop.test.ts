import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auc, fitGlm, mulberry32, nomogramPoints, rcsBasis, rcsKnots } from '@tace/modeling';
import { loadModelBundle } from '@tace/models';
import { developModel } from './develop-cli.ts';
import { parseDevelopConfig } from './config.ts';
import { loadCohort } from './load.ts';
import { combinedTerm, fitPipeline, predictPipeline } from './pipeline.ts';
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



const refuse = async (csv: string, code: string, config?: (dir: string) => string) => {
  const dir = fresh();
  const f = writeFixture(dir, csv, config?.(dir));
  await expect(developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 })).rejects.toMatchObject({ code });
  expect(existsSync(join(dir, 'out', 'bundle', 'manifest.json'))).toBe(false);
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

describe('tace-risk model develop with restricted cubic splines (clinical.splines)', () => {
  const withSplines = (splines: string, extra = '') =>
    fixtureConfig(demoBundle, extra).replace(
      'clinical: { tumourSizeMm: tumour_size_mm, noduleCount: nodule_count, afpNgPerMl: afp_ng_per_ml }',
      `clinical: { tumourSizeMm: tumour_size_mm, noduleCount: nodule_count, afpNgPerMl: afp_ng_per_ml, splines: ${splines} }`,
    );
  const columns = (csv: string) => {
    const t = parseTable(csv);
    return (n: string) => t.rows.map((row) => row[t.columns.indexOf(n)]);
  };

  it('fits rcs(size, 4) on the train rows, draws its nomogram axis, and exports a bundle the worker re-scores to 1e-9', async () => {
    const dir = fresh();
    const f = writeFixture(dir, fixtureCsv(), withSplines('{ tumourSizeMm: 4 }'));
    const out = join(dir, 'out');
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: out, workers: 2 });
    // the bundle loads (schema + consistency of the spline factor) and re-scores every patient
    expect(r.exportCheck.maxAbsDiff).toBeLessThan(1e-9);
    const bundle = await loadModelBundle(join(out, 'bundle'));
    await bundle.close();

    // the combined model is fitGlm with the same spline term on the TRAIN rows, computed here
    const col = columns(readFileSync(f.cohort, 'utf8'));
    const y = col('distant_metastasis').map(Number);
    const cohort = col('cohort');
    const train = y.flatMap((_, i) => (cohort[i] === 'train' ? [i] : []));
    const num = (n: string) => train.map((i) => Number(col(n)[i]));
    const size = num('tumour_size_mm');
    const ref = fitGlm(
      {
        y: train.map((i) => y[i]),
        dlr: train.map((i) => r.predictions.dlr[i]),
        size,
        nodules: num('nodule_count'),
        afp: num('afp_ng_per_ml').map((v) => Math.log10(Math.max(v, 1))),
      },
      { outcome: 'y', event: 1, terms: ['dlr', { name: 'size', spline: { knots: 4 } }, 'nodules', 'afp'], profile: false },
    );
    const got = r.fitted.combined.fit.coefficients;
    expect(got.map((c) => c.name)).toEqual(['(Intercept)', 'dlrScore', 'tumourSizeMm', "tumourSizeMm'", "tumourSizeMm''", 'noduleCount', 'log10AfpNgPerMl']);
    got.forEach((c, j) => expect(c.estimate).toBeCloseTo(ref.coefficients[j].estimate, 10));
    const knots = rcsKnots(size, 4);
    expect((ref.design.terms[1] as { knots: number[] }).knots).toEqual(knots);
    // predictions are the spline model's: η = b0 + b·dlr + Σ c_j B_j(size) + …
    const b = got.map((c) => c.estimate);
    const allSizes = col('tumour_size_mm').map(Number);
    const B = rcsBasis(allSizes, knots);
    for (const i of [0, 7, 200, 299]) {
      const eta = b[0] + b[1] * r.predictions.dlr[i] + b[2] * B[0][i] + b[3] * B[1][i] + b[4] * B[2][i] + b[5] * Number(col('nodule_count')[i]) + b[6] * Math.log10(Math.max(Number(col('afp_ng_per_ml')[i]), 1));
      expect(r.predictions.combinedLp[i]).toBeCloseTo(eta, 12);
    }

    // the nomogram's size axis is the spline's: X·β = Σ c_j B_j(tick), points from its own min
    const axis = r.nomogram.axes.find((a) => a.name === 'tumourSizeMm');
    expect(axis?.spline).toEqual({ knots, coefficients: [b[2], b[3], b[4]] });
    const tickB = rcsBasis(axis?.values ?? [], knots);
    axis?.xBeta.forEach((xb, i) => expect(xb).toBeCloseTo(b[2] * tickB[0][i] + b[3] * tickB[1][i] + b[4] * tickB[2][i], 12));
    expect(Math.min(...(axis?.points ?? []))).toBe(0);

    // the manifest's spline factor: knots, k − 1 coefficients, coefficient = the linear one, effectRange = rms's R
    const spec = r.manifest.nomogram.factors.find((x) => x.name === 'tumourSizeMm');
    const k = r.nomogram.axes.findIndex((a) => a.name === 'tumourSizeMm');
    expect(spec).toMatchObject({ coefficient: b[2], min: axis?.values[0], max: axis?.values.at(-1), spline: { knots, coefficients: [b[2], b[3], b[4]], effectRange: [r.nomogram.ranges[k].low, r.nomogram.ranges[k].high] } });
    expect(r.manifest.modelCard.summary).toContain('tumour size as a restricted cubic spline with 4 knots');
    // a patient at a tick gets the nomogram's points through the worker's nomogramPoints
    const values = { dlrScore: 0, tumourSizeMm: 0, noduleCount: 1, log10AfpNgPerMl: 0 };
    axis?.values.forEach((v, i) => {
      const p = nomogramPoints(r.manifest.nomogram, { ...values, tumourSizeMm: v }).factors.find((x) => x.name === 'tumourSizeMm');
      expect(Math.abs((p?.points ?? NaN) - (axis?.points[i] ?? NaN))).toBeLessThan(1e-9);
    });
    // the bootstrap refits the whole pipeline, so a resample's spline has knots of its own rows
    expect(r.bootstrap?.validate.failures.length).toBe(0);
    const config = parseDevelopConfig(readFileSync(f.config, 'utf8'));
    const loaded = loadCohort(parseTable(readFileSync(f.cohort, 'utf8')), config);
    const rng = mulberry32(99);
    const resample = train.map(() => train[Math.floor(rng() * train.length)]);
    const refit = fitPipeline(loaded.data, config, resample);
    const resampleKnots = rcsKnots(resample.map((i) => allSizes[i]), 4);
    expect(combinedTerm(refit.combined.fit, 'tumourSizeMm').knots).toEqual(resampleKnots);
    expect(resampleKnots).not.toEqual(knots);
    const lp = predictPipeline(refit, loaded.data, [0, 1]).combinedLp;
    const rb = refit.combined.fit.coefficients.map((c) => c.estimate);
    const B0 = rcsBasis([allSizes[0]], resampleKnots);
    expect(lp[0]).toBeCloseTo(rb[0] + rb[1] * predictPipeline(refit, loaded.data, [0]).dlr[0] + rb[2] * B0[0][0] + rb[3] * B0[1][0] + rb[4] * B0[2][0] + rb[5] * Number(col('nodule_count')[0]) + rb[6] * Math.log10(Math.max(Number(col('afp_ng_per_ml')[0]), 1)), 12);
    expect(readFileSync(join(out, 'nomogram.svg'), 'utf8')).toContain('data-axis="tumourSizeMm"');
  }, 60_000);

  it('fits rcs(log10 AFP, 3) with the axis in ng/mL, and the worker re-scores it', async () => {
    const dir = fresh();
    const f = writeFixture(dir, fixtureCsv(), withSplines('{ log10AfpNgPerMl: 3 }'));
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 });
    expect(r.exportCheck.maxAbsDiff).toBeLessThan(1e-9);
    const col = columns(readFileSync(f.cohort, 'utf8'));
    const train = col('cohort').flatMap((c, i) => (c === 'train' ? [i] : []));
    const knots = rcsKnots(train.map((i) => Math.log10(Math.max(Number(col('afp_ng_per_ml')[i]), 1))), 3);
    const spec = r.manifest.nomogram.factors.find((x) => x.name === 'log10AfpNgPerMl');
    expect(spec?.spline?.knots).toEqual(knots);
    expect(spec?.transform).toEqual({ kind: 'log10', floorInput: 1 });
    expect(r.fitted.combined.fit.coefficients.map((c) => c.name).slice(-2)).toEqual(['log10AfpNgPerMl', "log10AfpNgPerMl'"]);
    const axis = r.nomogram.axes.find((a) => a.name === 'log10AfpNgPerMl');
    expect(axis?.transform).toBe('log10');
    expect(axis?.spline?.knots).toEqual(knots);
  }, 60_000);

  it('refuses an AFP spline with a dichotomised AFP, a number of knots outside 3–7, and a spline of another variable', async () => {
    const dir = fresh();
    const cases: Array<[string, RegExp]> = [
      ['{ log10AfpNgPerMl: 4 }', /needs afpTransform log10/],
      ['{ tumourSizeMm: 2 }', /splines\/tumourSizeMm/],
      ['{ tumourSizeMm: 8 }', /splines\/tumourSizeMm/],
      ['{ noduleCount: 3 }', /noduleCount/],
    ];
    for (const [splines, message] of cases) {
      const cfg = withSplines(splines);
      const f = writeFixture(dir, fixtureCsv(), splines.includes('log10') ? cfg.replace('afpNgPerMl: afp_ng_per_ml,', 'afpNgPerMl: afp_ng_per_ml, afpTransform: dichotomise,') : cfg);
      await expect(developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 0 })).rejects.toMatchObject({ code: 'DEVELOP_CONFIG_INVALID', message: expect.stringMatching(message) });
    }
    expect(existsSync(join(dir, 'out', 'bundle', 'manifest.json'))).toBe(false);
  });
  it('refuses one patient id twice (a patient in train and test would leak into the evaluation)', () =>
    refuse(fixtureCsv({ mutate: (r, i) => void (i === 250 && (r.id = 'P3')) }), 'TABLE_DUPLICATE_ID'));
  it('refuses a study without a test or external cohort', () => refuse(fixtureCsv({ cohortOf: () => 'train' }), 'DEVELOP_NO_HELDOUT'));
  it('refuses inconsistent thresholds and a bad decision-curve grid in the config', async () => {
    await refuse(fixtureCsv(), 'DEVELOP_CONFIG_INVALID', () => fixtureConfig(demoBundle, 'threshold: { rule: fixed, value: 0.2, moderate: 0.5 }'));
    await refuse(fixtureCsv(), 'DEVELOP_CONFIG_INVALID', () => fixtureConfig(demoBundle).replace('validation: { bootstrap: 8, seed: 5 }', 'validation: { bootstrap: 8, seed: 5, dcaThresholds: "0:2:0.1" }'));
    await refuse(fixtureCsv(), 'DEVELOP_THRESHOLD_INVALID', () => fixtureConfig(demoBundle, 'threshold: { rule: youden, moderate: 0.99 }'));
  });
  it('refuses a feature table with cases that failed extraction unless allowed, and an edited table', async () => {
    const dir = fresh();
    const f = writeFixture(dir);
    const { createHash } = await import('node:crypto');
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    const prov = (extra: object) => writeFileSync(`${f.cohort}.provenance.json`, JSON.stringify({ radiomicsParamsSha256: bundleSha.params, onnxSha256: bundleSha.onnx, tableSha256: sha(readFileSync(f.cohort, 'utf8')), failed: 0, ...extra }));
    const m = JSON.parse(readFileSync(join(demoBundle, 'manifest.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
    const bundleSha = { params: m.files.find((x) => x.path === 'radiomics.yaml')?.sha256, onnx: m.files.find((x) => x.path === 'dl.onnx')?.sha256 };
    const run = (out: string) => developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, out), bootstrap: 0 });
    prov({ failed: 2 });
    await expect(run('a')).rejects.toMatchObject({ code: 'DEVELOP_CASES_EXCLUDED' });
    writeFileSync(f.config, fixtureConfig(demoBundle, 'allowExcludedCases: true'));
    const r = await run('b');
    expect(readFileSync(join(dir, 'b', 'report.html'), 'utf8')).toContain('DEVELOP_CASES_EXCLUDED');
    expect(r.exportCheck.maxAbsDiff).toBeLessThan(1e-9);
    prov({ tableSha256: '0'.repeat(64) });
    await expect(run('c')).rejects.toMatchObject({ code: 'FEATURES_TABLE_MODIFIED' });
  });
  it('develops when screening keeps no radiomics feature (constant Rad score, DLR from the DL score), and says so', async () => {
    const dir = fresh();
    const f = writeFixture(dir, fixtureCsv(), fixtureConfig(demoBundle).replace('univariate: { pThreshold: 0.2 }', 'univariate: { pThreshold: 1e-300 }'));
    const r = await developModel({ cohortPath: f.cohort, configPath: f.config, outDir: join(dir, 'out'), bootstrap: 4, workers: 1 });
    expect(r.fitted.rad.names).toEqual([]);
    expect(r.fitted.dlr.scoreWeights?.rad).toBe(0);
    expect(r.fitted.warnings.map((w) => w.code)).toContain('DEVELOP_NO_FEATURES');
    expect(r.bootstrap?.validate.failures).toEqual([]);
    expect(r.manifest.radiomics.features).toEqual([]);
  });
});
