/**
 * `tace-risk model develop --cohort cohort.csv --config develop.yaml --out DIR`
 *
 * The paper's workflow in one command. On the train cohort only: screening, Rad score (LASSO, CV),
 * DL score, DLR fusion, combined model (DLR + size + nodules + AFP), risk threshold. Then each
 * cohort's AUC (DeLong CI), DeLong tests between models, calibration (val.prob, Hosmer–Lemeshow,
 * curves), decision curves, bootstrap internal validation of the whole pipeline, the rms nomogram.
 * Writes DIR/report.html, DIR/*.svg, DIR/results.json and DIR/bundle/ — the bundle the worker runs,
 * checked by loading it and re-scoring every patient through the worker's own functions.
 * Progress goes to stderr.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TaceError } from '@tace/common';
import { buildNomogram, nomogramPoints, nomogramSvg, quantileType7, youden, type Nomogram, type NomogramTerm } from '@tace/modeling';
import { checkFeaturesAgainstParams, factorValue, fusionScore, loadFeatureExtractor, loadModelBundle, sha256Hex, validateManifest, type ModelManifest, type NomogramFactorSpec } from '@tace/models';
import { numberOption, parseCommand, progress, type CommandSpec } from './cli-kit.ts';
import { readDevelopConfig, type DevelopConfig } from './config.ts';
import { evaluateCohort, type CohortEvaluation } from './evaluate.ts';
import { bootstrapPipeline, type BootstrapOutcome } from './bootstrap-pool.ts';
import type { FeaturesProvenance } from './features-cli.ts';
import { loadCohort, type LoadedCohort } from './load.ts';
import { lineChart } from './plots.ts';
import { combinedTerm, fitPipeline, predictPipeline, type FittedPipeline, type Predictions } from './pipeline.ts';
import { aucTable, renderReport, type ModelCardSection } from './report.ts';
import { thresholdGrid } from './stats-cli.ts';
import { readTable } from './table.ts';
import { modelCardMarkdown, modelCardSections, equationTables } from './model-card.ts';

export const DEVELOP_SPEC: CommandSpec = {
  usage: 'tace-risk model develop --cohort cohort.csv --config develop.yaml --out DIR [--bootstrap B] [--workers N]',
  description:
    "Develops and validates a model bundle as the paper did (Rad, DL, DLR and combined models on the train cohort; AUC with 95 % CI, DeLong tests, calibration, decision curves, bootstrap validation and the nomogram on every cohort) and exports DIR/bundle, ready for 'tace-risk bundle verify' and the worker. The cohort table comes from 'tace-risk model features'.",
  options: {
    cohort: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    bootstrap: { type: 'string' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  help: {
    cohort: 'feature table: radiomics, DL, clinical columns, outcome, cohort (train / test / external)',
    config: 'develop.yaml (see models/training/develop.yaml)',
    out: 'output folder (report.html, figures, results.json, bundle/)',
    bootstrap: 'override validation.bootstrap (resamples of the whole pipeline; 0 = none)',
    workers: 'worker threads for the bootstrap (default: all cores)',
    help: 'this help',
  },
  required: ['cohort', 'config', 'out'],
};

const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));


export interface DevelopResult {
  fitted: FittedPipeline;
  predictions: Predictions;
  evaluations: CohortEvaluation[];
  bootstrap?: BootstrapOutcome;
  nomogram: Nomogram;
  threshold: { high: number; moderate: number; rule: string };
  manifest: ModelManifest;
  exportCheck: { patients: number; maxAbsDiff: number };
}

export async function modelDevelop(argv: string[]): Promise<number> {
  const v = parseCommand(argv, DEVELOP_SPEC);
  if (!v) return 0;
  await developModel({
    cohortPath: v.cohort as string,
    configPath: v.config as string,
    outDir: v.out as string,
    ...(v.bootstrap !== undefined ? { bootstrap: numberOption(v, 'bootstrap', 0, (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0') } : {}),
    ...(v.workers !== undefined ? { workers: numberOption(v, 'workers', 1, (x) => Number.isInteger(x) && x >= 1, 'an integer ≥ 1') } : {}),
  });
  return 0;
}

export async function developModel(o: { cohortPath: string; configPath: string; outDir: string; bootstrap?: number; workers?: number; now?: Date }): Promise<DevelopResult> {
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const config = readDevelopConfig(o.configPath);
  const configDir = dirname(resolve(o.configPath));
  const cohortPath = resolve(o.cohortPath);
  const table = readTable(cohortPath);
  const loaded = loadCohort(table, config, config.screening.icc ? { replicates: readTable(resolve(configDir, config.screening.icc.file)) } : {});
  const d = loaded.data;
  progress(`develop: ${d.n} patients (${loaded.cohorts.map((c) => `${c.cohort} ${c.n}, ${c.events} events`).join('; ')}), ${d.radNames.length} radiomics and ${d.dlNames.length} DL features`);

  // The feature extractor the bundle will carry must be the one that made the table.
  const extractorDir = resolve(configDir, config.bundle.extractor);
  const fx = await loadFeatureExtractor(extractorDir);
  const warnings: Array<{ code: string; message: string }> = [];
  let staging: string | undefined;
  try {
    if (fx.dl.featureNames.join('\n') !== d.dlNames.join('\n')) {
      throw new TaceError('DEVELOP_DL_FEATURES_MISMATCH', `the table's DL columns (${d.dlNames.join(', ')}) are not the extractor's ONNX features (${fx.dl.featureNames.join(', ')}), in order`);
    }
    const provPath = `${cohortPath}.provenance.json`;
    if (existsSync(provPath)) {
      let prov: FeaturesProvenance;
      try {
        prov = JSON.parse(readFileSync(provPath, 'utf8')) as FeaturesProvenance;
      } catch (e) {
        throw new TaceError('FEATURES_PROVENANCE_INVALID', `${provPath} is not JSON (${(e as Error).message})`);
      }
      if (prov.tableSha256 !== undefined && prov.tableSha256 !== sha256File(cohortPath)) {
        throw new TaceError('FEATURES_TABLE_MODIFIED', `${cohortPath} is not the table 'tace-risk model features' wrote (its sha256 differs from the provenance file's)`);
      }
      if (prov.failed > 0) {
        const msg = `${prov.failed} case(s) failed feature extraction and are not in ${cohortPath} (listed in ${cohortPath}.errors.csv)`;
        if (!config.allowExcludedCases) {
          throw new TaceError('DEVELOP_CASES_EXCLUDED', `${msg}: fix them, or set allowExcludedCases: true to develop without them (the report then says so)`, { detail: { failed: prov.failed } });
        }
        warnings.push({ code: 'DEVELOP_CASES_EXCLUDED', message: `${msg}; developed without them (possible selection bias)` });
      }
      if (prov.radiomicsParamsSha256 !== fx.radiomicsParamsSha256 || prov.onnxSha256 !== fx.onnxSha256) {
        throw new TaceError('FEATURES_EXTRACTOR_MISMATCH', `${cohortPath} was made by another feature extractor than ${extractorDir} (parameter file or ONNX model differ): training-serving skew`, {
          detail: { table: { params: prov.radiomicsParamsSha256, onnx: prov.onnxSha256 }, extractor: { params: fx.radiomicsParamsSha256, onnx: fx.onnxSha256 } },
        });
      }
    } else {
      warnings.push({ code: 'FEATURES_PROVENANCE_UNKNOWN', message: `${cohortPath} has no provenance file from 'tace-risk model features': the extractor that made it cannot be checked` });
    }
    const notProduced = checkFeaturesAgainstParams(fx.radiomicsParamsYaml, d.radNames);
    if (notProduced.length > 0) {
      throw new TaceError('DEVELOP_FEATURE_NOT_PRODUCED', `radiomics columns the bundle's parameter file does not produce: ${notProduced.slice(0, 5).join('; ')}`, { detail: { problems: notProduced } });
    }
    if (loaded.noIdColumn) warnings.push({ code: 'DEVELOP_NO_ID_COLUMN', message: `${cohortPath} has no "${config.idColumn}" column: duplicates cannot be detected and predictions.csv numbers the rows` });
    for (const imp of loaded.imputations) {
      warnings.push({ code: 'DEVELOP_IMPUTED', message: `${imp.count} missing value(s) of ${imp.column} imputed with the train median ${imp.value}` });
    }

    // --- fit on train
    const trainRows = d.cohort.flatMap((c, i) => (c === 'train' ? [i] : []));
    const fitted = fitPipeline(d, config, trainRows, { profile: true });
    if (fitted.dlrConstant) {
      throw new TaceError('DEVELOP_NO_IMAGING_SIGNAL', 'no radiomics or DL feature enters the DLR score on the train cohort (it is constant): the combined model would be clinical only; relax the screening or LASSO settings');
    }
    warnings.push(...fitted.warnings);
    progress(`develop: screening kept ${fitted.screening.kept.length} of ${d.radNames.length}; Rad score ${fitted.rad.names.length} features (λ = ${fitted.rad.lasso.lambda.toPrecision(4)}); DLR ${fitted.dlr.level}-level; combined model fitted (${elapsed()})`);
    const all = Array.from({ length: d.n }, (_, i) => i);
    const pred = predictPipeline(fitted, d, all);
    const trainProb = trainRows.map((i) => pred.combined[i]);
    const trainY = trainRows.map((i) => d.y[i]);
    const high = config.threshold.rule === 'fixed' ? (config.threshold.value as number) : youden(trainProb, trainY, { direction: '<' }).threshold;
    // moderate: as configured, else the train predictions' lower tertile (type-7 quantile), below the high cut-off
    const moderate = config.threshold.moderate ?? Math.min(high, quantileType7(Float64Array.from(trainProb).sort(), 1 / 3));
    if (!(high > 0 && high < 1)) throw new TaceError('DEVELOP_THRESHOLD_INVALID', `the high-risk threshold ${high} is not a probability in (0, 1)`);
    if (!(moderate <= high)) throw new TaceError('DEVELOP_THRESHOLD_INVALID', `the moderate-risk threshold ${moderate} exceeds the high-risk threshold ${high}`);
    if (!trainProb.some((p) => p >= moderate && p < high)) {
      warnings.push({ code: 'DEVELOP_MODERATE_GROUP_EMPTY', message: `no train patient falls in the moderate-risk group [${moderate.toFixed(4)}, ${high.toFixed(4)})` });
    }

    // --- evaluate every cohort
    const dcaThresholds = thresholdGrid(config.validation.dcaThresholds);
    const evaluations = loaded.cohorts.map((c) => {
      const rows = all.filter((i) => d.cohort[i] === c.cohort);
      const p = predictPipeline(fitted, d, rows);
      return evaluateCohort(c.cohort, d, rows, p, { threshold: high, dcaThresholds, groups: config.validation.calibrationGroups });
    });
    for (const e of evaluations) progress(`develop: ${e.cohort}: ${e.auc.map((a) => `${a.model} AUC ${a.auc.toFixed(3)}`).join(', ')}`);

    // --- bootstrap internal validation of the whole pipeline
    const B = o.bootstrap ?? config.validation.bootstrap;
    let bootstrap: BootstrapOutcome | undefined;
    if (B > 0) {
      const lpOrig = Float64Array.from(trainRows, (i) => pred.combinedLp[i]);
      bootstrap = await bootstrapPipeline(d, config, trainRows, lpOrig, {
        B,
        seed: config.validation.seed,
        workers: o.workers ?? config.validation.workers,
        onProgress: (k) => {
          if (k % 20 === 0 || k === B) progress(`develop: bootstrap ${k}/${B} (${elapsed()})`);
        },
      });
      if (bootstrap.validate.failures.length > 0) {
        warnings.push({ code: 'DEVELOP_BOOTSTRAP_RESAMPLES_LEFT_OUT', message: `${bootstrap.validate.failures.length} of ${B} resamples could not be fitted (${[...new Set(bootstrap.validate.failures.map((f) => f.code))].join(', ')}) and were left out, as rms does` });
      }
    }

    // --- nomogram (rms)
    const nomogram = buildCombinedNomogram(fitted, d, trainRows, config);
    const outDir = resolve(o.outDir);
    // The bundle is written to a staging folder and becomes DIR/bundle only after the worker's loader
    // has re-scored every patient with it: a bundle that failed its check never sits where one is expected.
    const finalBundleDir = join(outDir, 'bundle');
    const bundleDir = join(outDir, `.bundle-staging-${process.pid}`);
    staging = bundleDir;
    rmSync(bundleDir, { recursive: true, force: true });
    mkdirSync(bundleDir, { recursive: true });

    // --- figures
    const figures = makeFigures(evaluations, fitted, bootstrap, nomogram, config);
    for (const f of figures) writeFileSync(join(outDir, f.file), f.svg);

    // --- bundle
    // SOURCE_DATE_EPOCH (reproducible builds) fixes the bundle's createdAt
    const epoch = process.env.SOURCE_DATE_EPOCH;
    const createdAt = (o.now ?? (epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date())).toISOString();
    const threshold = { high, moderate, rule: config.threshold.rule === 'fixed' ? `fixed at ${high}` : 'Youden index on the train cohort' };
    const sections = modelCardSections({ config, loaded, fitted, evaluations, bootstrap, threshold, warnings });
    writeFileSync(join(bundleDir, 'radiomics.yaml'), fx.radiomicsParamsYaml);
    copyFileSync(fx.onnxPath, join(bundleDir, 'dl.onnx'));
    writeFileSync(join(bundleDir, 'MODEL_CARD.md'), modelCardMarkdown(config, sections, equationTables(fitted, d)));
    writeFileSync(join(bundleDir, 'nomogram.svg'), figures.find((f) => f.file === 'nomogram.svg')?.svg ?? '');
    const validationReport = {
      note: `Validation of ${config.bundle.id} ${config.bundle.version} by tace-risk model develop`,
      cohorts: loaded.cohorts,
      auc: evaluations.map((e) => ({ cohort: e.cohort, models: e.auc })),
      delong: evaluations.map((e) => ({ cohort: e.cohort, tests: e.delong })),
      calibration: evaluations.map((e) => ({ cohort: e.cohort, valProb: e.valProb, hosmerLemeshow: { statistic: e.hosmerLemeshow.statistic, df: e.hosmerLemeshow.df, pValue: e.hosmerLemeshow.pValue } })),
      bootstrap: bootstrap ? { B, validate: bootstrap.validate.rows, leftOut: bootstrap.validate.failures.length } : null,
    };
    writeFileSync(join(bundleDir, 'validation.json'), `${JSON.stringify(validationReport, null, 1)}\n`);
    const manifest = buildManifest({ config, fitted, d, trainRows, nomogram, threshold, evaluations, createdAt, bundleDir, loaded, bootstrap, cohortSha256: sha256File(cohortPath), configSha256: sha256File(resolve(o.configPath)), fxDl: fx.dl });
    writeFileSync(join(bundleDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

    // --- check: the bundle, loaded as the worker loads it, scores every patient as the pipeline did
    const exportCheck = await checkExport(bundleDir, d, pred, loaded);
    rmSync(finalBundleDir, { recursive: true, force: true });
    renameSync(bundleDir, finalBundleDir);
    staging = undefined;
    progress(`develop: bundle re-scores all ${exportCheck.patients} patients through the worker's functions, max |Δp| = ${exportCheck.maxAbsDiff.toExponential(2)}`);

    // --- report
    const html = renderReport({
      title: `${config.bundle.name} — development and validation report`,
      bundle: { id: config.bundle.id, version: config.bundle.version, syntheticDemo: config.bundle.syntheticDemo, disclaimer: config.bundle.disclaimer },
      generatedAt: createdAt,
      modelCard: sections,
      evaluations,
      ...(bootstrap
        ? { internalValidation: { B, rows: bootstrap.validate.rows.map((r) => ({ index: r.index === 'B' ? 'Brier' : r.index, original: r.indexOrig, training: r.training, test: r.test, optimism: r.optimism, corrected: r.indexCorrected })) } }
        : {}),
      warnings,
      figures,
      equationTables: equationTables(fitted, d),
      screeningSummary: screeningSummary(fitted),
    });
    writeFileSync(join(outDir, 'report.html'), html);
    // Every patient's predictions, beside the report (not in the bundle: the ids are the hospital's).
    const predLines = ['id,cohort,outcome,rad_score,dl_score,dlr_score,linear_predictor,probability'];
    for (let i = 0; i < d.n; i++) {
      predLines.push([loaded.ids[i], d.cohort[i], d.y[i], pred.rad[i], pred.dl[i], pred.dlr[i], pred.combinedLp[i], pred.combined[i]].map((x) => (typeof x === 'number' ? String(x) : `"${String(x).replace(/"/g, '""')}"`)).join(','));
    }
    writeFileSync(join(outDir, 'predictions.csv'), `${predLines.join('\n')}\n`);
    const results = { config, cohorts: loaded.cohorts, threshold, warnings, aucTable: aucTable(evaluations), evaluations: evaluations.map(({ roc: _r, ...e }) => e), bootstrap: bootstrap ? { B, workers: bootstrap.workers, wallMs: bootstrap.wallMs, validate: bootstrap.validate, calibrate: bootstrap.calibrate } : null, exportCheck };
    writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, (_k, x) => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : typeof x === 'number' && !Number.isFinite(x) ? String(x) : x), 1)}\n`);
    for (const w of warnings) progress(`develop: warning ${w.code}: ${w.message}`);
    progress(`develop: wrote ${join(outDir, 'report.html')} and ${finalBundleDir} (${elapsed()})`);
    return { fitted, predictions: pred, evaluations, ...(bootstrap ? { bootstrap } : {}), nomogram, threshold, manifest, exportCheck };
  } finally {
    if (staging) rmSync(staging, { recursive: true, force: true }); // a bundle that failed never stays
    await fx.close();
  }
}

function screeningSummary(f: FittedPipeline): string {
  const dropped = f.screening.table.filter((r) => !r.kept);
  const by = new Map<string, number>();
  for (const r of dropped) by.set(`${r.step ?? 'input'}: ${r.reason ?? ''}`, (by.get(`${r.step ?? 'input'}: ${r.reason ?? ''}`) ?? 0) + 1);
  return `${f.screening.table.length} radiomics features screened on the train cohort; kept ${f.screening.kept.length}; dropped ${dropped.length} (${[...by].map(([k, n]) => `${k} ${n}`).join('; ') || 'none'}). Every feature's decision is in results.json.`;
}

const AFP_AXIS = [1, 10, 100, 1000, 10000, 100000, 1000000];

/**
 * The rms nomogram of the combined model (buildNomogram): one axis per term over its train values;
 * a spline term (clinical.splines) is drawn as rms draws rcs(x, k) — X·β through the spline at each
 * tick, so its axis may rise and fall.
 */
export function buildCombinedNomogram(f: FittedPipeline, d: DevelopData2, trainRows: readonly number[], config: DevelopConfig): Nomogram {
  const fit = f.combined.fit;
  const pick = (c: ArrayLike<number>) => trainRows.map((i) => c[i]);
  const { dlr, combinedLp: lp } = predictPipeline(f, d, trainRows);
  /** β (the linear column's, for a spline) and the spline of a term. */
  const effect = (name: string): Pick<NomogramTerm, 'coefficient' | 'spline'> => {
    const t = combinedTerm(fit, name);
    return { coefficient: t.coefficients[0], ...(t.knots ? { spline: { knots: t.knots, coefficients: t.coefficients } } : {}) };
  };
  const terms: NomogramTerm[] = [
    { name: 'dlrScore', label: 'DLR score', ...effect('dlrScore'), data: Array.from(dlr) },
    { name: 'tumourSizeMm', label: 'Tumour size (mm)', ...effect('tumourSizeMm'), data: pick(d.size) },
    { name: 'noduleCount', label: 'Number of nodules', ...effect('noduleCount'), data: pick(d.nodules) },
  ];
  if (d.afpTerm === 'log10AfpNgPerMl') {
    const raw = trainRows.map((i) => 10 ** d.afp[i]);
    const lo = Math.min(...raw);
    const hi = Math.max(...raw);
    const at = AFP_AXIS.filter((v) => v >= lo / 10 && v <= hi * 10);
    terms.push({ name: 'log10AfpNgPerMl', label: 'AFP (ng/mL)', ...effect('log10AfpNgPerMl'), transform: 'log10', data: raw, at });
  } else {
    terms.push({ name: 'afpAtLeastCutoff', label: `AFP ≥ ${config.clinical.afpCutoff} ng/mL`, ...effect('afpAtLeastCutoff'), data: pick(d.afp) });
  }
  return buildNomogram(
    { intercept: fit.coefficients[0].estimate, terms },
    { funAt: config.nomogram.riskAxis, funLabel: config.nomogram.riskLabel, linearPredictorRange: [Math.min(...lp), Math.max(...lp)] },
  );
}
type DevelopData2 = import('./pipeline.ts').DevelopData;

function makeFigures(evals: CohortEvaluation[], f: FittedPipeline, boot: BootstrapOutcome | undefined, nomo: Nomogram, config: DevelopConfig) {
  const figs: Array<{ file: string; caption: string; svg: string }> = [];
  for (const e of evals) {
    figs.push({
      file: `roc-${e.cohort}.svg`,
      caption: `ROC curves, ${e.cohort} cohort`,
      svg: lineChart({
        title: `ROC — ${e.cohort} (n = ${e.n})`,
        xLabel: '1 − specificity',
        yLabel: 'Sensitivity',
        x: [0, 1],
        y: [0, 1],
        diagonal: true,
        series: e.auc.map((a) => ({ name: `${a.model} AUC ${a.auc.toFixed(3)} (${a.ciLower.toFixed(3)}–${a.ciUpper.toFixed(3)})`, points: e.roc[a.model] })),
      }),
    });
    figs.push({
      file: `calibration-${e.cohort}.svg`,
      caption: `Calibration of the combined model, ${e.cohort} cohort (Hosmer–Lemeshow p = ${e.hosmerLemeshow.pValue.toFixed(3)})`,
      svg: lineChart({
        title: `Calibration — ${e.cohort} (HL p = ${e.hosmerLemeshow.pValue.toFixed(3)})`,
        xLabel: 'Predicted probability',
        yLabel: 'Observed proportion',
        x: [0, 1],
        y: [0, 1],
        diagonal: true,
        series: [
          { name: 'lowess (val.prob)', points: e.calibrationCurve },
          { name: 'deciles of risk', points: e.binned.map((b) => [b.predicted, b.observed] as [number, number]), markers: true },
          ...(e.cohort === 'train' && boot ? [{ name: `bias-corrected (B = ${boot.calibrate.B})`, points: boot.calibrate.points.map((p) => [p.predy, p.calibratedCorrected] as [number, number]), dashed: true }] : []),
        ],
      }),
    });
    const maxNb = Math.max(0.05, ...e.dca.map((x) => Math.max(x.combined, x.treatAll)));
    figs.push({
      file: `dca-${e.cohort}.svg`,
      caption: `Decision curves, ${e.cohort} cohort`,
      svg: lineChart({
        title: `Decision curves — ${e.cohort}`,
        xLabel: 'Threshold probability',
        yLabel: 'Net benefit',
        x: [0, 1],
        y: [-0.05, maxNb * 1.05],
        series: [
          { name: 'Combined', points: e.dca.map((x) => [x.threshold, x.combined] as [number, number]) },
          { name: 'DLR', points: e.dca.map((x) => [x.threshold, x.dlr] as [number, number]) },
          { name: 'Treat all', points: e.dca.map((x) => [x.threshold, x.treatAll] as [number, number]), dashed: true },
          { name: 'Treat none', points: [[0, 0], [1, 0]] },
        ],
      }),
    });
  }
  const curve = f.rad.lasso.curve;
  const ll = curve.map((c) => Math.log(c.lambda));
  // no LASSO curve when screening left fewer than two features
  if (curve.length > 0) figs.push({
    file: 'lasso-cv.svg',
    caption: `Rad score LASSO: ${f.rad.lasso.folds}-fold cross-validated ${f.rad.lasso.typeMeasure} against log λ (λ.min ${f.rad.lasso.lambdaMin.toPrecision(3)}, λ.1se ${f.rad.lasso.lambda1se.toPrecision(3)})`,
    svg: lineChart({
      title: 'Rad score LASSO cross-validation',
      xLabel: 'log(λ)',
      yLabel: f.rad.lasso.typeMeasure,
      x: [Math.min(...ll), Math.max(...ll)],
      y: [Math.min(...curve.map((c) => c.cvm - c.cvsd)), Math.max(...curve.map((c) => c.cvm + c.cvsd))],
      series: [
        { name: 'CV mean', points: curve.map((c, k) => [ll[k], c.cvm] as [number, number]) },
        { name: '± 1 SE', points: curve.map((c, k) => [ll[k], c.cvm + c.cvsd] as [number, number]), dashed: true },
        { name: 'λ.min', points: [[Math.log(f.rad.lasso.lambdaMin), Math.min(...curve.map((c) => c.cvm - c.cvsd))], [Math.log(f.rad.lasso.lambdaMin), Math.max(...curve.map((c) => c.cvm + c.cvsd))]] },
        { name: 'λ.1se', points: [[Math.log(f.rad.lasso.lambda1se), Math.min(...curve.map((c) => c.cvm - c.cvsd))], [Math.log(f.rad.lasso.lambda1se), Math.max(...curve.map((c) => c.cvm + c.cvsd))]], dashed: true },
      ],
    }),
  });
  figs.push({ file: 'nomogram.svg', caption: 'Nomogram of the combined model (rms::nomogram axes)', svg: nomogramSvg(nomo, { title: `${config.bundle.name} nomogram`, riskLabel: config.nomogram.riskLabel }) });
  return figs;
}

interface ManifestInput {
  config: DevelopConfig;
  fitted: FittedPipeline;
  d: DevelopData2;
  trainRows: readonly number[];
  nomogram: Nomogram;
  threshold: { high: number; moderate: number; rule: string };
  evaluations: CohortEvaluation[];
  createdAt: string;
  bundleDir: string;
  loaded: LoadedCohort;
  bootstrap?: BootstrapOutcome;
  cohortSha256: string;
  configSha256: string;
  fxDl: ModelManifest['dl'];
}

function buildManifest(m: ManifestInput): ModelManifest {
  const { config, fitted, d, trainRows } = m;
  // fusion = the DLR linear form over the used radiomics features followed by every DL feature
  const radFeatures = fitted.dlr.names.filter((n) => d.radNames.includes(n));
  const names = [...radFeatures, ...d.dlNames];
  const coefOf = new Map(fitted.dlr.names.map((n, j) => [n, fitted.dlr.coefficients[j]]));
  const colOf = new Map<string, Float64Array>([...d.radNames.map((n, j) => [n, d.rad[j]] as const), ...d.dlNames.map((n, j) => [n, d.dl[j]] as const)]);
  const means: number[] = [];
  const sds: number[] = [];
  for (const n of names) {
    const c = colOf.get(n) as Float64Array;
    const xs = trainRows.map((i) => c[i]);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1));
    means.push(mean);
    sds.push(sd > 0 ? sd : 1);
  }
  // b·x = (b·sd)·(x − mean)/sd + b·mean
  const coefficients = names.map((n, j) => (coefOf.get(n) ?? 0) * sds[j]);
  const intercept = fitted.dlr.intercept + names.reduce((s, n, j) => s + (coefOf.get(n) ?? 0) * means[j], 0);
  const coef = fitted.combined.fit.coefficients;
  const factors: NomogramFactorSpec[] = m.nomogram.axes.map((a, k) => {
    const g = (x: number) => (a.transform === 'log10' ? Math.log10(x) : a.transform === 'log' ? Math.log(x) : x);
    const vals = a.values.map(g);
    const term = combinedTerm(fitted.combined.fit, a.name);
    const spec: NomogramFactorSpec = { name: a.name as NomogramFactorSpec['name'], coefficient: term.coefficients[0], min: Math.min(...vals), max: Math.max(...vals) };
    if (a.name === 'log10AfpNgPerMl') spec.transform = { kind: 'log10', floorInput: 1 };
    if (a.name === 'afpAtLeastCutoff') spec.transform = { kind: 'atLeast', cutoff: config.clinical.afpCutoff };
    // a spline: its knots and k − 1 coefficients, and the lowest / highest X·β over the axis ticks
    // (rms info$R) so that the worker's points at a tick are the nomogram's
    if (term.knots) spec.spline = { knots: term.knots, coefficients: term.coefficients, effectRange: [m.nomogram.ranges[k].low, m.nomogram.ranges[k].high] };
    return spec;
  });
  const splineNote = (name: string) => {
    const f = factors.find((x) => x.name === name);
    return f?.spline ? ` as a restricted cubic spline with ${f.spline.knots.length} knots` : '';
  };
  const files = [
    { path: 'radiomics.yaml', role: 'radiomicsParams' },
    { path: 'dl.onnx', role: 'dlModel' },
    { path: 'MODEL_CARD.md', role: 'modelCard' },
    { path: 'validation.json', role: 'trainingReport' },
    { path: 'nomogram.svg', role: 'other' },
  ].map((f) => ({ ...f, sha256: sha256Hex(readFileSync(join(m.bundleDir, f.path))) })) as ModelManifest['files'];
  const aucOf = (cohort: string) => m.evaluations.find((e) => e.cohort === cohort)?.auc.find((a) => a.model === 'Combined');
  const testAuc = aucOf('test') ?? aucOf('external') ?? aucOf('train');
  const perCohort = Object.fromEntries(m.evaluations.map((e) => [e.cohort, Object.fromEntries(e.auc.map((a) => [a.model, { auc: a.auc, ci95: [a.ciLower, a.ciUpper] }]))]));
  return validateManifest({
    schemaVersion: 1,
    id: config.bundle.id,
    version: config.bundle.version,
    name: config.bundle.name,
    intendedUse: config.bundle.intendedUse,
    syntheticDemo: config.bundle.syntheticDemo,
    disclaimer: config.bundle.disclaimer,
    createdAt: m.createdAt,
    files,
    radiomics: { paramsFile: 'radiomics.yaml', features: radFeatures },
    dl: { ...m.fxDl, onnxFile: 'dl.onnx' },
    fusion: { featureNames: names, means, sds, intercept, coefficients },
    // η = intercept + Σ β·x whatever the axis ends; the ends (rms's pretty axes) set the points scale
    nomogram: { factors, intercept: coef[0].estimate, pointsScale: m.nomogram.pointsScale },
    riskThresholds: { moderate: m.threshold.moderate, high: m.threshold.high },
    modelCard: {
      summary: `Rad score (LASSO) + DL score fused at ${fitted.dlr.level} level into the DLR score, combined with tumour size${splineNote('tumourSizeMm')}, nodule count and AFP (${d.afpTerm === 'log10AfpNgPerMl' ? `log10${splineNote('log10AfpNgPerMl')}` : `≥ ${config.clinical.afpCutoff} ng/mL`}) in a logistic nomogram. ${config.bundle.syntheticDemo ? `${config.bundle.disclaimer}.` : ''}`.trim(),
      trainingData: config.bundle.trainingData,
      limitations: config.bundle.limitations,
      outcome: config.outcome.definition,
      riskThresholdRule: m.threshold.rule,
    },
    validation: {
      cohort: m.loaded.cohorts.map((c) => `${c.cohort} ${c.n} (${c.events} events)`).join(', '),
      auc: { train: aucOf('train')?.auc ?? NaN, test: testAuc?.auc ?? NaN },
      testCohortUsed: aucOf('test') ? 'test' : aucOf('external') ? 'external' : 'train',
      perCohort,
      bootstrapCorrected: m.bootstrap ? Object.fromEntries(m.bootstrap.validate.rows.map((r) => [r.index, r.indexCorrected])) : null,
      report: 'validation.json',
    },
    provenance: { tool: 'tace-risk model develop', cohortSha256: m.cohortSha256, configSha256: m.configSha256, imputations: m.loaded.imputations },
  });
}

async function checkExport(bundleDir: string, d: DevelopData2, pred: Predictions, loaded: LoadedCohort): Promise<{ patients: number; maxAbsDiff: number }> {
  const bundle = await loadModelBundle(bundleDir);
  try {
    const m = bundle.manifest;
    const col = new Map<string, Float64Array>([...d.radNames.map((n, j) => [n, d.rad[j]] as const), ...d.dlNames.map((n, j) => [n, d.dl[j]] as const)]);
    let max = 0;
    for (let i = 0; i < d.n; i++) {
      const dlr = fusionScore(m.fusion, m.fusion.featureNames.map((n) => (col.get(n) as Float64Array)[i]));
      const afpNg = d.afpTerm === 'log10AfpNgPerMl' ? 10 ** d.afp[i] : Number.NaN;
      const v = (x: number) => ({ value: x, original: { value: x, unit: '' }, reference: `develop/${loaded.ids[i]}` });
      // AFP as the worker receives it (ng/mL); a dichotomised AFP is reconstructed on its side of the cut-off
      const clinical = { tumourSizeMm: v(d.size[i]), noduleCount: v(d.nodules[i]), afpNgPerMl: v(Number.isNaN(afpNg) ? (d.afp[i] === 1 ? 1e9 : 0) : afpNg) };
      const values = Object.fromEntries(m.nomogram.factors.map((f) => [f.name, factorValue(f, dlr, clinical).value]));
      const p = nomogramPoints(m.nomogram, values).probability;
      max = Math.max(max, Math.abs(p - pred.combined[i]));
    }
    if (!(max < 1e-9)) throw new TaceError('DEVELOP_EXPORT_MISMATCH', `the exported bundle scores differently from the fitted pipeline (max |Δp| ${max})`);
    return { patients: d.n, maxAbsDiff: max };
  } finally {
    await bundle.close();
  }
}

export { sigmoid };
export type { ModelCardSection };
