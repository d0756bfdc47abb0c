/**
 * `tace-risk model lasso` (glmnet's cv.glmnet) and `tace-risk model logistic` (glm / rms::lrm with
 * Wald inference; Firth on request) on a CSV, for statisticians' scripts.
 */
import { TaceError } from '@tace/common';
import { cvGlmnet, fitGlm, type TermSpec } from '@tace/modeling';
import { FORMAT_HELP, FORMAT_OPTIONS, numberOption, parseCommand, type CommandOutput, type CommandSpec } from './cli-kit.ts';
import { stratifiedFolds } from './pipeline.ts';
import { columnList, hasColumn, isMissing, numericColumn, outcomeColumn, readTable, requireBothClasses, textColumn } from './table.ts';

export const LASSO_SPEC: CommandSpec = {
  usage: 'tace-risk model lasso --data F.csv --outcome COL [--positive VALUE] [--features a,b,…] [--folds-column COL] [--folds K] [--alpha A] [--type-measure deviance|auc|class] [--seed S]',
  description:
    'Penalised logistic regression as glmnet::cv.glmnet (standardised, default λ sequence, coordinate descent): the cross-validation curve, λ.min and λ.1se, and the coefficients at both on the original scale. Without --features every column but the outcome and the folds column is a feature.',
  options: {
    data: { type: 'string' },
    outcome: { type: 'string' },
    positive: { type: 'string' },
    features: { type: 'string' },
    'folds-column': { type: 'string' },
    folds: { type: 'string', default: '10' },
    alpha: { type: 'string', default: '1' },
    'type-measure': { type: 'string', default: 'deviance' },
    seed: { type: 'string', default: '1' },
    ...FORMAT_OPTIONS,
  },
  help: {
    data: 'CSV file with a header row',
    outcome: 'outcome column (two levels)',
    positive: 'the outcome level that is the event',
    features: 'feature columns, comma-separated (default: all other columns)',
    'folds-column': 'column of fold ids 1..K (as cv.glmnet foldid)',
    folds: 'K when no folds column: stratified folds drawn with --seed (default 10)',
    alpha: 'elastic-net mixing: 1 = LASSO (default), 0 < α < 1 elastic net, 0 = ridge',
    'type-measure': 'deviance (default), auc or class',
    seed: 'seed of the fold assignment (default 1)',
    ...FORMAT_HELP,
  },
  required: ['data', 'outcome'],
};

export function modelLasso(argv: string[]): CommandOutput | undefined {
  const v = parseCommand(argv, LASSO_SPEC);
  if (!v) return undefined;
  const t = readTable(v.data as string);
  const y = outcomeColumn(t, v.outcome as string, v.positive as string | undefined);
  requireBothClasses(y.labels, `${t.source}: ${v.outcome as string}`);
  const foldsCol = v['folds-column'] as string | undefined;
  const names = v.features ? columnList(v.features as string, '--features') : t.columns.filter((c) => c !== v.outcome && c !== foldsCol);
  const alpha = numberOption(v, 'alpha', 1, (x) => x >= 0 && x <= 1, 'in [0, 1]');
  const tm = v['type-measure'];
  if (tm !== 'deviance' && tm !== 'auc' && tm !== 'class') throw new TaceError('CLI_BAD_ARGUMENT', `--type-measure must be deviance, auc or class, not ${String(tm)}`);
  let foldid: number[];
  if (foldsCol) {
    foldid = Array.from(numericColumn(t, foldsCol));
    foldid.forEach((f, i) => {
      if (!Number.isInteger(f) || f < 1) throw new TaceError('MODEL_FOLDID_INVALID', `${t.source}: column "${foldsCol}", data row ${i + 1} is not a fold number 1..K`, { detail: { row: i + 1 } });
    });
  } else {
    const k = numberOption(v, 'folds', 10, (x) => Number.isInteger(x) && x >= 3, 'an integer ≥ 3');
    foldid = stratifiedFolds(y.labels, k, numberOption(v, 'seed', 1, Number.isInteger, 'an integer'));
  }
  const n = t.rows.length;
  const data = new Float64Array(n * names.length);
  names.forEach((name, j) => data.set(numericColumn(t, name), j * n));
  const cv = cvGlmnet({ nrow: n, ncol: names.length, data }, y.labels, { alpha, foldid, typeMeasure: tm });
  const coefRows = ['(Intercept)', ...names].map((name, j) => ({ term: name, lambdaMin: cv.coefMin[j], lambda1se: cv.coef1se[j] }));
  return {
    json: {
      outcome: { column: v.outcome, positive: y.positive, events: y.events, n },
      alpha,
      typeMeasure: cv.typeMeasure,
      lambdaMin: cv.lambdaMin,
      lambda1se: cv.lambda1se,
      coefficients: coefRows,
      path: cv.lambda.map((l, k) => ({ lambda: l, cvm: cv.cvm[k], cvsd: cv.cvsd[k], nzero: cv.nzero[k], devRatio: cv.fit.devRatio[k] })),
      foldid: cv.foldid,
      warnings: cv.warnings,
    },
    tables: [
      { name: 'coefficients', rows: coefRows.filter((r) => r.term === '(Intercept)' || r.lambdaMin !== 0 || r.lambda1se !== 0) },
      { name: 'cv', rows: cv.lambda.map((l, k) => ({ lambda: l, cvm: cv.cvm[k], cvsd: cv.cvsd[k], nzero: cv.nzero[k] })) },
    ],
    notes: [
      `cv.glmnet: ${n} rows, ${names.length} features, α = ${alpha}, ${new Set(cv.foldid).size} folds, ${cv.typeMeasure}; λ.min = ${cv.lambdaMin.toPrecision(6)} (${cv.nzero[cv.indexMin]} nonzero), λ.1se = ${cv.lambda1se.toPrecision(6)} (${cv.nzero[cv.index1se]} nonzero). Coefficients on the original scale; features zero at both λ are not listed (all are in --format json).`,
      ...cv.warnings.map((w) => `warning: ${w}`),
    ],
  };
}

export const LOGISTIC_SPEC: CommandSpec = {
  usage: 'tace-risk model logistic --data F.csv --outcome COL [--positive VALUE] --features a,b,c [--categorical a,…] [--spline COL:K,…] [--firth]',
  description:
    'Maximum-likelihood logistic regression as R glm(family = binomial) and rms::lrm: coefficients, Wald SE, z, p, 95 % CI, odds ratios; categorical columns dummy-coded against their first level; restricted cubic splines (rms::rcs, Harrell\'s knots); model LR χ², C, Dxy, R², Brier; events per variable. Separation is reported (MODEL_SEPARATION), or fitted by Firth\'s penalised likelihood with --firth (logistf, profile CIs).',
  options: {
    data: { type: 'string' },
    outcome: { type: 'string' },
    positive: { type: 'string' },
    features: { type: 'string' },
    categorical: { type: 'string' },
    spline: { type: 'string' },
    firth: { type: 'boolean' },
    ...FORMAT_OPTIONS,
  },
  help: {
    data: 'CSV file with a header row',
    outcome: 'outcome column (two levels)',
    positive: 'the outcome level that is the event',
    features: 'predictor columns, comma-separated',
    categorical: 'columns to dummy-code (a non-numeric column is categorical anyway)',
    spline: 'restricted cubic spline terms, e.g. age:4 (4 knots at Harrell\'s quantiles)',
    firth: "fit Firth's penalised likelihood (logistf) instead of maximum likelihood",
    ...FORMAT_HELP,
  },
  required: ['data', 'outcome', 'features'],
};

export function modelLogistic(argv: string[]): CommandOutput | undefined {
  const v = parseCommand(argv, LOGISTIC_SPEC);
  if (!v) return undefined;
  const t = readTable(v.data as string);
  const y = outcomeColumn(t, v.outcome as string, v.positive as string | undefined);
  requireBothClasses(y.labels, `${t.source}: ${v.outcome as string}`);
  const names = columnList(v.features as string, '--features');
  const categorical = new Set(v.categorical ? columnList(v.categorical as string, '--categorical') : []);
  const splines = new Map<string, number>();
  for (const s of v.spline ? columnList(v.spline as string, '--spline') : []) {
    const m = /^(.+):(\d+)$/.exec(s);
    if (!m || Number(m[2]) < 3 || Number(m[2]) > 7) throw new TaceError('CLI_BAD_ARGUMENT', `--spline ${s}: expected COLUMN:K with 3 ≤ K ≤ 7`);
    splines.set(m[1], Number(m[2]));
  }
  for (const c of [...categorical, ...splines.keys()]) if (!names.includes(c)) throw new TaceError('CLI_BAD_ARGUMENT', `${c} is not one of --features`);
  const table: Record<string, Array<string | number>> = { __outcome: Array.from(y.labels) };
  const terms: Array<string | TermSpec> = [];
  for (const name of names) {
    if (!hasColumn(t, name)) numericColumn(t, name); // TABLE_COLUMN_MISSING
    const cells = textColumn(t, name);
    const missingAt = cells.findIndex(isMissing);
    if (missingAt >= 0) throw new TaceError('TABLE_MISSING_VALUE', `${t.source}: column "${name}", data row ${missingAt + 1} is missing`, { detail: { column: name, row: missingAt + 1 } });
    const isNum = (c: string) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(c);
    const numericCells = cells.filter(isNum).length;
    // a column is categorical when declared so or when no cell is a number; a numeric column with a
    // stray word ("45 y") is an error, not silently a factor with dozens of levels
    if (!categorical.has(name) && numericCells > 0 && numericCells < cells.length) numericColumn(t, name);
    if (categorical.has(name) || numericCells === 0) {
      if (splines.has(name)) throw new TaceError('CLI_BAD_ARGUMENT', `${name} cannot be both categorical and a spline`);
      table[name] = cells;
      terms.push({ name, categorical: true });
    } else {
      table[name] = Array.from(numericColumn(t, name));
      terms.push(splines.has(name) ? { name, spline: { knots: splines.get(name) as number } } : name);
    }
  }
  const fit = fitGlm(table, { outcome: '__outcome', event: 1, terms, firth: v.firth === true });
  const rows = fit.coefficients.map((c) => ({
    term: c.name, estimate: c.estimate, se: c.se, z: c.z, p: c.profile?.p ?? c.p,
    ciLower: c.profile?.lower ?? c.ciLower, ciUpper: c.profile?.upper ?? c.ciUpper,
    oddsRatio: c.oddsRatio, orLower: c.profile?.orLower ?? c.orLower, orUpper: c.profile?.orUpper ?? c.orUpper,
  }));
  const refs = fit.design.terms.flatMap((d) => (d.kind === 'categorical' ? [`${d.name}: reference level ${String(d.reference)}`] : []));
  return {
    json: { outcome: { column: v.outcome, positive: y.positive, events: y.events, n: fit.n }, method: fit.method, coefficients: rows, design: fit.design, deviance: fit.deviance, nullDeviance: fit.nullDeviance, aic: fit.aic, logLik: fit.logLik, lr: fit.lr, indexes: fit.indexes, epv: fit.epv, converged: fit.converged, scoreNorm: fit.scoreNorm, warnings: fit.warnings },
    tables: [
      { name: 'coefficients', rows },
      { name: 'model', rows: [{ n: fit.n, events: fit.events, lrChisq: fit.lr.chisq, df: fit.lr.df, p: fit.lr.p, C: fit.indexes.C, Dxy: fit.indexes.Dxy, R2: fit.indexes.R2, Brier: fit.indexes.brier, AIC: fit.aic, deviance: fit.deviance, epv: fit.epv }] },
    ],
    notes: [
      `${fit.method === 'firth' ? "Firth's penalised likelihood (logistf; profile penalised-likelihood CIs and p)" : 'maximum likelihood (glm; Wald CIs as confint.default)'}: ${fit.n} rows, ${fit.events} events, events per variable ${fit.epv.toFixed(1)}.`,
      ...refs,
      ...fit.warnings.map((w) => `warning ${w.code}: ${w.message}`),
    ],
  };
}
