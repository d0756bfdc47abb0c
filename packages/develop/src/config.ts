/**
 * develop.yaml — the settings of `tace-risk model develop`. Closed objects: a misspelt key is an
 * error (DEVELOP_CONFIG_INVALID with its JSON path), not a silently ignored setting.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import Type, { type Static } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { TaceError } from '@tace/common';
import { thresholdGrid } from './cli-kit.ts';

const Columns = Type.Object(
  {
    /** Every column whose name starts with this prefix… */
    prefix: Type.Optional(Type.String({ minLength: 1 })),
    /** …or exactly these columns. */
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);
const Lasso = Type.Object(
  {
    alpha: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    folds: Type.Integer({ minimum: 3, maximum: 50, default: 10 }),
    typeMeasure: Type.Union([Type.Literal('deviance'), Type.Literal('auc'), Type.Literal('class')], { default: 'deviance' }),
    /** λ.1se (the sparser, glmnet's usual choice in radiomics papers) or λ.min. */
    lambda: Type.Union([Type.Literal('1se'), Type.Literal('min')], { default: '1se' }),
    seed: Type.Integer({ default: 1 }),
  },
  { additionalProperties: false, default: {} },
);

export const DevelopConfig = Type.Object(
  {
    outcome: Type.Object(
      {
        column: Type.String({ minLength: 1 }),
        positive: Type.Optional(Type.String()),
        /** What the outcome is and over which horizon (model card, first item of TRIPOD+AI). */
        definition: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    /** Column with train / test / external. */
    cohortColumn: Type.String({ default: 'cohort' }),
    idColumn: Type.String({ default: 'id' }),
    radiomics: Columns,
    dl: Columns,
    clinical: Type.Object(
      {
        tumourSizeMm: Type.String({ minLength: 1 }),
        noduleCount: Type.String({ minLength: 1 }),
        afpNgPerMl: Type.String({ minLength: 1 }),
        /** AFP enters log10-scaled (floor 1 ng/mL) or dichotomised at `afpCutoff` ng/mL. */
        afpTransform: Type.Union([Type.Literal('log10'), Type.Literal('dichotomise')], { default: 'log10' }),
        afpCutoff: Type.Number({ exclusiveMinimum: 0, default: 400 }),
        /**
         * Restricted cubic splines (rms::rcs) in the combined model instead of a linear term: the
         * number of knots (3–7) per variable, placed by Harrell's default quantiles of the train
         * values on the model scale (mm; log10 ng/mL) — recomputed in every bootstrap resample, as
         * the whole pipeline is refitted there. The AFP spline needs afpTransform log10.
         */
        splines: Type.Optional(
          Type.Object(
            {
              tumourSizeMm: Type.Optional(Type.Integer({ minimum: 3, maximum: 7 })),
              log10AfpNgPerMl: Type.Optional(Type.Integer({ minimum: 3, maximum: 7 })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    /**
     * Develop even though some cases failed `model features` (its provenance file counts them): off by
     * default (DEVELOP_CASES_EXCLUDED), since excluded cases can bias the model; when on, the report says so.
     */
    allowExcludedCases: Type.Boolean({ default: false }),
    /** Missing values: refuse (default), or impute the train median of the column (reported). */
    missing: Type.Union([Type.Literal('refuse'), Type.Literal('median')], { default: 'refuse' }),
    screening: Type.Object(
      {
        /**
         * Reproducibility from repeated segmentations: a feature table (from `model features`) with
         * the id column, a rater column and the radiomics columns, several rows per patient (one per
         * segmentation). Train patients only. Two-way agreement single-rater ICC (irr::icc) by default.
         */
        icc: Type.Optional(
          Type.Object(
            {
              file: Type.String({ minLength: 1 }),
              raterColumn: Type.String({ default: 'rater' }),
              threshold: Type.Number({ minimum: 0, maximum: 1, default: 0.75 }),
              model: Type.Union([Type.Literal('oneway'), Type.Literal('twoway')], { default: 'twoway' }),
              type: Type.Union([Type.Literal('agreement'), Type.Literal('consistency')], { default: 'agreement' }),
              on: Type.Union([Type.Literal('estimate'), Type.Literal('lower')], { default: 'estimate' }),
            },
            { additionalProperties: false },
          ),
        ),
        univariate: Type.Optional(
          Type.Object(
            {
              test: Type.Union([Type.Literal('wilcoxon'), Type.Literal('welch'), Type.Literal('student')], { default: 'wilcoxon' }),
              pThreshold: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
            },
            { additionalProperties: false },
          ),
        ),
        correlation: Type.Optional(
          Type.Object(
            { threshold: Type.Number({ exclusiveMinimum: 0, maximum: 1 }), method: Type.Union([Type.Literal('pearson'), Type.Literal('spearman')], { default: 'pearson' }) },
            { additionalProperties: false },
          ),
        ),
        mrmr: Type.Optional(Type.Object({ k: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })),
      },
      { additionalProperties: false, default: {} },
    ),
    radScore: Lasso,
    /** DL score: LASSO over the DL features, or plain logistic regression (one or few DL features). */
    dlScore: Type.Object(
      { method: Type.Union([Type.Literal('lasso'), Type.Literal('logistic')], { default: 'logistic' }), lasso: Type.Optional(Lasso) },
      { additionalProperties: false, default: {} },
    ),
    fusion: Type.Object(
      {
        /** score: logistic regression on (Rad score, DL score); feature: one LASSO over the selected radiomics and the DL features. */
        level: Type.Union([Type.Literal('score'), Type.Literal('feature')], { default: 'score' }),
        lasso: Type.Optional(Lasso),
      },
      { additionalProperties: false, default: {} },
    ),
    combined: Type.Object(
      {
        /** Firth-penalised fit when the combined model's data are separated (else refuse). */
        firthOnSeparation: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    threshold: Type.Object(
      {
        /** High-risk cut-off: Youden on train, or a fixed probability. */
        rule: Type.Union([Type.Literal('youden'), Type.Literal('fixed')], { default: 'youden' }),
        value: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
        /** Moderate-risk cut-off (default: the lower tertile of the train predictions, capped at the high cut-off). */
        moderate: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
      },
      { additionalProperties: false, default: {} },
    ),
    validation: Type.Object(
      {
        /** Bootstrap resamples of the whole pipeline (rms::validate / calibrate); 0 = none. */
        bootstrap: Type.Integer({ minimum: 0, maximum: 10000, default: 200 }),
        seed: Type.Integer({ default: 20240101 }),
        /** Worker threads for the bootstrap (default: all cores). */
        workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
        dcaThresholds: Type.String({ default: '0:0.99:0.01' }),
        calibrationGroups: Type.Integer({ minimum: 3, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    nomogram: Type.Object(
      {
        /** Probabilities on the risk axis. */
        riskAxis: Type.Array(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), { default: [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95] }),
        riskLabel: Type.String({ default: 'Risk of distant metastasis' }),
      },
      { additionalProperties: false, default: {} },
    ),
    bundle: Type.Object(
      {
        id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64 }),
        version: Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]*$', maxLength: 64 }),
        name: Type.String({ minLength: 1 }),
        /** Folder of the feature extractor used by `model features` (a bundle, or radiomics.yaml + dl.json + ONNX), relative to the config. */
        extractor: Type.String({ minLength: 1 }),
        syntheticDemo: Type.Boolean(),
        disclaimer: Type.String({ minLength: 1 }),
        intendedUse: Type.String({ minLength: 1 }),
        trainingData: Type.String({ minLength: 1 }),
        limitations: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type DevelopConfig = Static<typeof DevelopConfig>;
export type LassoSettings = Static<typeof Lasso>;

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
const check = ajv.compile(DevelopConfig);

export function parseDevelopConfig(text: string, source = 'develop.yaml'): DevelopConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: not YAML (${(e as Error).message})`);
  }
  if (!check(doc)) {
    const errs = (check.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: ${errs.join('; ')}`, { detail: { errors: errs } });
  }
  const c = doc as DevelopConfig;
  for (const [name, cols] of [['radiomics', c.radiomics], ['dl', c.dl]] as const) {
    if ((cols.prefix === undefined) === (cols.columns === undefined)) {
      throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: /${name} needs exactly one of prefix or columns`);
    }
  }
  if (c.clinical.splines?.log10AfpNgPerMl !== undefined && c.clinical.afpTransform !== 'log10') {
    throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: /clinical/splines/log10AfpNgPerMl needs afpTransform log10 (a dichotomised AFP cannot be a spline)`);
  }
  try {
    thresholdGrid(c.validation.dcaThresholds);
  } catch (e) {
    throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: /validation/dcaThresholds ${(e as Error).message.replace(/^--thresholds /, '')}`);
  }
  if (c.threshold.moderate !== undefined && c.threshold.value !== undefined && c.threshold.moderate > c.threshold.value) {
    throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: /threshold moderate ${c.threshold.moderate} exceeds the high-risk value ${c.threshold.value}`);
  }
  if (c.threshold.rule === 'fixed' && c.threshold.value === undefined) {
    throw new TaceError('DEVELOP_CONFIG_INVALID', `${source}: /threshold rule fixed needs a value`);
  }
  return c;
}

export function readDevelopConfig(path: string): DevelopConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TaceError('DEVELOP_CONFIG_INVALID', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseDevelopConfig(text, path);
}
