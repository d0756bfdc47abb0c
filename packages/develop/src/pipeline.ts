/**
 * The paper's modelling pipeline, fitted on a set of training rows (the train cohort, or a
 * bootstrap resample of it — the whole pipeline is repeated inside each resample):
 *
 *   screening (radiomics, train only) → Rad score (LASSO logistic, CV) → DL score (logistic or
 *   LASSO over the DL features) → DLR score (score-level: logistic on Rad + DL scores; feature-level:
 *   one LASSO over the screened radiomics and the DL features) → combined model (logistic on DLR +
 *   tumour size + nodules + AFP; size and log10 AFP as restricted cubic splines when
 *   clinical.splines says so, knots placed on these rows).
 *
 * Every score is a linear predictor on the original feature scale, so the fused DLR score is one
 * linear form over (selected radiomics, DL features): exactly what the bundle's `fusion` holds.
 * Pure: no I/O, deterministic given the config's seeds.
 */
import { TaceError } from '@tace/common';
import { cvGlmnet, fitGlm, mulberry32, rcsBasis, screen, shuffleInPlace, type CvGlmnetResult, type GlmFit, type ReplicateFeatures, type ScreenConfig, type ScreenResult, type TermSpec } from '@tace/modeling';
import type { DevelopConfig, LassoSettings } from './config.ts';

export type CohortLabel = 'train' | 'test' | 'external';
export const COHORT_LABELS: readonly CohortLabel[] = ['train', 'test', 'external'];

export interface DevelopData {
  n: number;
  y: Uint8Array;
  cohort: CohortLabel[];
  radNames: string[];
  /** Columns (one Float64Array per feature, length n). */
  rad: Float64Array[];
  dlNames: string[];
  dl: Float64Array[];
  /** Clinical values on the model scale: size mm, nodules, AFP after its transform. */
  size: Float64Array;
  nodules: Float64Array;
  afp: Float64Array;
  /** Name of the AFP term: log10AfpNgPerMl or afpAtLeastCutoff. */
  afpTerm: 'log10AfpNgPerMl' | 'afpAtLeastCutoff';
  /** Repeated-segmentation measurements of the radiomics features (train patients), for the ICC screen. */
  replicates?: ReplicateFeatures;
}

/** A linear predictor a + Σ bⱼ·xⱼ over named columns (original scale). */
export interface LinearScore {
  names: string[];
  intercept: number;
  coefficients: number[];
}

export interface LassoSummary {
  lambda: number;
  lambdaMin: number;
  lambda1se: number;
  alpha: number;
  folds: number;
  typeMeasure: string;
  /** The CV curve: λ, cvm, cvsd, nonzero (for the report's plot). */
  curve: Array<{ lambda: number; cvm: number; cvsd: number; nzero: number }>;
  warnings: string[];
}

export interface FittedPipeline {
  screening: ScreenResult;
  rad: LinearScore & { lasso: LassoSummary };
  dl: LinearScore & { method: 'logistic' | 'lasso'; lasso?: LassoSummary };
  /** The DLR score as one linear form over selected radiomics + DL features. */
  dlr: LinearScore & { level: 'score' | 'feature'; scoreWeights?: { intercept: number; rad: number; dl: number }; lasso?: LassoSummary };
  /**
   * The combined model: terms dlrScore, tumourSizeMm, noduleCount and the AFP term, in that order; a
   * spline term has the columns name, name', name'', … in the fit (its knots in fit.design).
   */
  combined: { terms: string[]; fit: GlmFit };
  /** The DLR score is constant on the fitted rows (no imaging feature selected): the combined model lacks it. */
  dlrConstant: boolean;
  warnings: Array<{ code: string; message: string }>;
}

export interface Predictions {
  rad: Float64Array;
  dl: Float64Array;
  dlr: Float64Array;
  combinedLp: Float64Array;
  combined: Float64Array;
}

/** Stratified fold ids 1..K for the training rows (seeded): each fold gets its share of events. */
export function stratifiedFolds(y: ArrayLike<number>, k: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const foldid = new Array<number>(y.length);
  for (const cls of [0, 1]) {
    const idx: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) idx.push(i);
    shuffleInPlace(idx, rng);
    idx.forEach((i, r) => (foldid[i] = (r % k) + 1));
  }
  return foldid;
}

function columnMajor(cols: readonly Float64Array[], rows: readonly number[]): { nrow: number; ncol: number; data: Float64Array } {
  const n = rows.length;
  const data = new Float64Array(n * cols.length);
  cols.forEach((c, j) => {
    for (let i = 0; i < n; i++) data[j * n + i] = c[rows[i]];
  });
  return { nrow: n, ncol: cols.length, data };
}

/**
 * Fold ids for the rows, stratified and seeded, drawn per distinct patient: in a bootstrap resample
 * the copies of one patient share a fold, so a held-out fold never holds a patient the fold's
 * training rows also hold (which would bias λ towards less penalty).
 */
function patientFolds(y: Uint8Array, rows: readonly number[], k: number, seed: number): number[] {
  const unique = [...new Set(rows)];
  const folds = stratifiedFolds(unique.map((i) => y[i]), k, seed);
  const foldOf = new Map(unique.map((i, j) => [i, folds[j]]));
  return rows.map((i) => foldOf.get(i) as number);
}

const isConstant = (v: ArrayLike<number>) => {
  for (let i = 1; i < v.length; i++) if (v[i] !== v[0]) return false;
  return true;
};

function lasso(cols: readonly Float64Array[], names: string[], y: Uint8Array, rows: readonly number[], s: LassoSettings, what: string): LinearScore & { lasso: LassoSummary } {
  const yy = Uint8Array.from(rows, (i) => y[i]);
  const foldid = patientFolds(y, rows, s.folds, s.seed);
  let cv: CvGlmnetResult;
  try {
    cv = cvGlmnet(columnMajor(cols, rows), yy, { alpha: s.alpha, foldid, typeMeasure: s.typeMeasure });
  } catch (e) {
    if (e instanceof TaceError) throw new TaceError(e.code, `${what}: ${e.message}`, { detail: e.detail });
    throw e;
  }
  const coef = s.lambda === 'min' ? cv.coefMin : cv.coef1se;
  const keep = names.map((_, j) => j).filter((j) => coef[j + 1] !== 0);
  return {
    names: keep.map((j) => names[j]),
    intercept: coef[0],
    coefficients: keep.map((j) => coef[j + 1]),
    lasso: {
      lambda: s.lambda === 'min' ? cv.lambdaMin : cv.lambda1se,
      lambdaMin: cv.lambdaMin,
      lambda1se: cv.lambda1se,
      alpha: s.alpha,
      folds: s.folds,
      typeMeasure: cv.typeMeasure,
      curve: cv.lambda.map((l, k) => ({ lambda: l, cvm: cv.cvm[k], cvsd: cv.cvsd[k], nzero: cv.nzero[k] })),
      warnings: cv.warnings,
    },
  };
}

export function scoreOf(s: LinearScore, nameIndex: Map<string, Float64Array>, rows: readonly number[]): Float64Array {
  const cols = s.names.map((n) => {
    const c = nameIndex.get(n);
    if (!c) throw new Error(`no column ${n}`);
    return c;
  });
  return Float64Array.from(rows, (i) => {
    let v = s.intercept;
    for (let j = 0; j < cols.length; j++) v += s.coefficients[j] * cols[j][i];
    return v;
  });
}

export function columnIndex(d: DevelopData): Map<string, Float64Array> {
  const m = new Map<string, Float64Array>();
  d.radNames.forEach((n, j) => m.set(n, d.rad[j]));
  d.dlNames.forEach((n, j) => m.set(n, d.dl[j]));
  return m;
}

/**
 * Maximum-likelihood logistic regression of y on the given columns (fitGlm: Wald inference, lrm
 * indexes, EPV). A column with `knots` (a number k) enters as a restricted cubic spline with k knots
 * at Harrell's default quantiles of its values (rms::rcs(x, k)). Separation refuses with
 * MODEL_SEPARATION unless `firthOnSeparation`, which refits with Firth's penalised likelihood
 * (logistf) and says so in the fit's `method`.
 */
export function logisticOn(cols: Array<{ name: string; values: ArrayLike<number>; knots?: number }>, y: Uint8Array, firthOnSeparation = false, profile = false): GlmFit {
  const table: Record<string, number[]> = { __outcome: Array.from(y) };
  for (const c of cols) table[c.name] = Array.from(c.values);
  const terms = cols.map((c): string | TermSpec => (c.knots === undefined ? c.name : { name: c.name, spline: { knots: c.knots } }));
  const opts = { outcome: '__outcome', event: 1, terms, profile };
  try {
    return fitGlm(table, opts);
  } catch (e) {
    if (firthOnSeparation && (e as { code?: string }).code === 'MODEL_SEPARATION') return fitGlm(table, { ...opts, firth: true });
    throw e;
  }
}

const est = (f: GlmFit) => ({ intercept: f.coefficients[0].estimate, coefficients: f.coefficients.slice(1).map((c) => c.estimate) });

function screeningConfig(c: DevelopConfig, d: DevelopData): ScreenConfig {
  const s = c.screening;
  return {
    ...(s.icc && d.replicates ? { icc: { replicates: d.replicates, threshold: s.icc.threshold, model: s.icc.model, type: s.icc.type, on: s.icc.on } } : {}),
    ...(s.univariate ? { univariate: { test: s.univariate.test, pThreshold: s.univariate.pThreshold } } : {}),
    ...(s.correlation ? { correlation: { threshold: s.correlation.threshold, method: s.correlation.method } } : {}),
    ...(s.mrmr ? { mrmr: { k: s.mrmr.k } } : {}),
  };
}

/** Events per variable of a model with `k` estimated coefficients: min(events, non-events) / k. */
export function epv(y: ArrayLike<number>, k: number): number {
  let e = 0;
  for (let i = 0; i < y.length; i++) e += y[i];
  return Math.min(e, y.length - e) / k;
}

export function fitPipeline(d: DevelopData, config: DevelopConfig, rows: readonly number[], opts: { profile?: boolean } = {}): FittedPipeline {
  const warnings: FittedPipeline['warnings'] = [];
  const y = d.y;
  const yRows = Uint8Array.from(rows, (i) => y[i]);
  // 1. screening of the radiomics features on these rows only
  const radRows = rows.map((i) => d.rad.map((c) => c[i]));
  const screening = screen(radRows, d.radNames, yRows, screeningConfig(config, d));
  const keptIdx = screening.kept.map((n) => d.radNames.indexOf(n));
  const index = columnIndex(d);
  const firth = config.combined.firthOnSeparation;
  // 2. Rad score: LASSO over the screened features. Fewer than two survivors is a legitimate outcome
  // (glmnet needs two columns): none gives a constant Rad score, one a plain logistic regression.
  let rad: FittedPipeline['rad'];
  if (keptIdx.length >= 2) {
    rad = lasso(keptIdx.map((j) => d.rad[j]), screening.kept, y, rows, config.radScore, 'Rad score LASSO');
  } else {
    const none: LassoSummary = { lambda: NaN, lambdaMin: NaN, lambda1se: NaN, alpha: config.radScore.alpha, folds: config.radScore.folds, typeMeasure: config.radScore.typeMeasure, curve: [], warnings: [] };
    if (keptIdx.length === 1) {
      const f = est(logisticOn([{ name: screening.kept[0], values: Float64Array.from(rows, (i) => d.rad[keptIdx[0]][i]) }], yRows, firth));
      rad = { names: [...screening.kept], ...f, lasso: none };
      warnings.push({ code: 'DEVELOP_RAD_SCORE_SINGLE', message: 'screening kept one radiomics feature: the Rad score is a logistic regression on it, no LASSO' });
    } else {
      rad = { names: [], intercept: 0, coefficients: [], lasso: none };
      warnings.push({ code: 'DEVELOP_NO_FEATURES', message: 'screening kept no radiomics feature: the Rad score is constant' });
    }
  }
  if (rad.names.length === 0 && keptIdx.length >= 2) {
    warnings.push({ code: 'DEVELOP_RAD_SCORE_EMPTY', message: `the Rad score LASSO kept no feature at λ.${config.radScore.lambda}; the Rad score is constant` });
  }
  // 3. DL score
  let dl: FittedPipeline['dl'];
  if (config.dlScore.method === 'lasso') {
    const l = lasso(d.dl, d.dlNames, y, rows, config.dlScore.lasso ?? config.radScore, 'DL score LASSO');
    dl = { ...l, method: 'lasso' };
  } else {
    const fit = logisticOn(d.dlNames.map((n) => ({ name: n, values: Float64Array.from(rows, (i) => (index.get(n) as Float64Array)[i]) })), yRows, firth);
    dl = { names: [...d.dlNames], ...est(fit), method: 'logistic' };
    if (fit.epv < 10) warnings.push({ code: 'MODEL_LOW_EPV', message: `DL score: ${fit.epv.toFixed(1)} events per variable` });
  }
  // 4. DLR fusion
  let dlr: FittedPipeline['dlr'];
  if (config.fusion.level === 'score') {
    const radScore = scoreOf(rad, index, rows);
    const dlScore = scoreOf(dl, index, rows);
    // a constant score carries no information: it gets weight 0 and the fusion is fitted on the other
    const parts = [
      { name: 'radScore', values: radScore },
      { name: 'dlScore', values: dlScore },
    ].filter((c) => !isConstant(c.values));
    const fit = parts.length > 0 ? est(logisticOn(parts, yRows, firth)) : { intercept: 0, coefficients: [] as number[] };
    const wr = parts.some((c) => c.name === 'radScore') ? fit.coefficients[parts.findIndex((c) => c.name === 'radScore')] : 0;
    const wd = parts.some((c) => c.name === 'dlScore') ? fit.coefficients[parts.findIndex((c) => c.name === 'dlScore')] : 0;
    // DLR = b0 + wr·(a_r + Σ c·x) + wd·(a_d + Σ d·z): one linear form over the union of names
    const coef = new Map<string, number>();
    rad.names.forEach((n, j) => coef.set(n, (coef.get(n) ?? 0) + wr * rad.coefficients[j]));
    dl.names.forEach((n, j) => coef.set(n, (coef.get(n) ?? 0) + wd * dl.coefficients[j]));
    const names = [...rad.names, ...dl.names.filter((n) => !rad.names.includes(n))];
    dlr = {
      names,
      intercept: fit.intercept + wr * rad.intercept + wd * dl.intercept,
      coefficients: names.map((n) => coef.get(n) as number),
      level: 'score',
      scoreWeights: { intercept: fit.intercept, rad: wr, dl: wd },
    };
  } else {
    const names = [...screening.kept, ...d.dlNames];
    if (names.length < 2) throw new TaceError('DEVELOP_NO_FEATURES', 'the feature-level DLR LASSO needs at least two features after screening');
    const l = lasso(names.map((n) => index.get(n) as Float64Array), names, y, rows, config.fusion.lasso ?? config.radScore, 'DLR feature-level LASSO');
    dlr = { ...l, level: 'feature' };
  }
  // 5. combined model: DLR + clinical factors
  const dlrScore = scoreOf(dlr, index, rows);
  const pick = (c: Float64Array) => Float64Array.from(rows, (i) => c[i]);
  const terms = ['dlrScore', 'tumourSizeMm', 'noduleCount', d.afpTerm];
  const splines = config.clinical.splines ?? {};
  const afpKnots = d.afpTerm === 'log10AfpNgPerMl' ? splines.log10AfpNgPerMl : undefined;
  // A constant DLR score (nothing selected) leaves the combined model without it: a legitimate
  // outcome inside a bootstrap resample; the main fit refuses it (DEVELOP_NO_IMAGING_SIGNAL).
  const dlrConstant = isConstant(dlrScore);
  const fit = logisticOn(
    [
      ...(dlrConstant ? [] : [{ name: 'dlrScore', values: dlrScore }]),
      { name: 'tumourSizeMm', values: pick(d.size), ...(splines.tumourSizeMm !== undefined ? { knots: splines.tumourSizeMm } : {}) },
      { name: 'noduleCount', values: pick(d.nodules) },
      { name: d.afpTerm, values: pick(d.afp), ...(afpKnots !== undefined ? { knots: afpKnots } : {}) },
    ],
    yRows,
    config.combined.firthOnSeparation,
    opts.profile ?? false,
  );
  if (fit.epv < 10) {
    warnings.push({ code: 'MODEL_LOW_EPV', message: `combined model: ${fit.epv.toFixed(1)} events per variable (fewer than 10: expect optimism)` });
  }
  return { screening, rad, dl, dlr, combined: { terms: dlrConstant ? terms.filter((t) => t !== 'dlrScore') : terms, fit }, dlrConstant, warnings };
}

/**
 * The combined model's coefficients of one term: one for a linear term; for a spline term its k − 1
 * coefficients (columns x, x', …) and the knots it was fitted with.
 */
export function combinedTerm(fit: GlmFit, name: string): { coefficients: number[]; knots?: number[] } {
  const term = fit.design.terms.find((t) => t.name === name);
  if (!term) throw new Error(`the combined model has no term ${name}`);
  const coefficients = term.columns.map((c) => (fit.coefficients.find((x) => x.name === c) as GlmFit['coefficients'][number]).estimate);
  return term.kind === 'spline' ? { coefficients, knots: [...term.knots] } : { coefficients };
}

/**
 * Rad, DL, DLR scores and the combined model's linear predictor and probability of the given rows:
 * η = intercept + Σ over the design columns of β·column, a spline's columns evaluated with its
 * stored knots (rcsBasis), added in coefficient order.
 */
export function predictPipeline(f: FittedPipeline, d: DevelopData, rows: readonly number[]): Predictions {
  const index = columnIndex(d);
  const rad = scoreOf(f.rad, index, rows);
  const dl = scoreOf(f.dl, index, rows);
  const dlr = scoreOf(f.dlr, index, rows);
  const { intercept, coefficients: b } = est(f.combined.fit);
  const valuesOf = (name: string): Float64Array => {
    if (name === 'dlrScore') return dlr;
    const c = name === 'tumourSizeMm' ? d.size : name === 'noduleCount' ? d.nodules : name === d.afpTerm ? d.afp : undefined;
    if (!c) throw new Error(`the combined model has an unknown term ${name}`);
    return Float64Array.from(rows, (i) => c[i]);
  };
  // design columns over the rows, in coefficient order
  const columns: Float64Array[] = [];
  for (const t of f.combined.fit.design.terms) {
    const x = valuesOf(t.name);
    if (t.kind === 'spline') columns.push(...rcsBasis(x, t.knots));
    else columns.push(x);
  }
  const combinedLp = Float64Array.from(rows, (_, k) => {
    let eta = intercept;
    for (let j = 0; j < columns.length; j++) eta += b[j] * columns[j][k];
    return eta;
  });
  const combined = combinedLp.map((v) => 1 / (1 + Math.exp(-v)));
  return { rad, dl, dlr, combinedLp, combined };
}
