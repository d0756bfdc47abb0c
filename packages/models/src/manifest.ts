import Type, { type Static } from 'typebox';

/**
 * The model bundle's manifest.json (see ../MANIFEST.md for the meaning of every field).
 * Top-level objects are closed (additionalProperties: false) so that a misspelt key is an error,
 * not a silently ignored setting; `modelCard`, `validation` and `provenance` are open for extra text.
 */

const Finite = (opts: Record<string, unknown> = {}) => Type.Number(opts);
const Vec3Positive = Type.Tuple([Finite({ exclusiveMinimum: 0 }), Finite({ exclusiveMinimum: 0 }), Finite({ exclusiveMinimum: 0 })]);
const Size3 = Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })]);

/** Relative POSIX path inside the bundle: no absolute paths, no `..`, no backslashes. */
const BundlePath = Type.String({ minLength: 1, pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[^\\\\]+$' });

export const FILE_ROLES = ['radiomicsParams', 'dlModel', 'modelCard', 'trainingReport', 'other'] as const;

export const BundleFile = Type.Object(
  {
    path: BundlePath,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    role: Type.Union([
      Type.Literal('radiomicsParams'), Type.Literal('dlModel'), Type.Literal('modelCard'), Type.Literal('trainingReport'), Type.Literal('other'),
    ]),
  },
  { additionalProperties: false },
);

export const DlPreprocessing = Type.Object(
  {
    /** [lower, upper] window in HU; values are clipped to it. */
    windowHu: Type.Tuple([Finite(), Finite()]),
    /** Margin around the mask's bounding box that must fit in the crop, mm. */
    cropMarginMm: Finite({ minimum: 0 }),
    /** Output voxel spacing [x, y, z], mm (before any zoom-out for large ROIs, see MANIFEST.md). */
    spacingMm: Vec3Positive,
    /** Output grid size [x, y, z]; the ONNX input is [1, 1, z, y, x]. */
    size: Size3,
    /** 'window-unit': (clip(v, lo, hi) − lo) / (hi − lo) ∈ [0, 1]. */
    normalisation: Type.Literal('window-unit'),
  },
  { additionalProperties: false },
);

export const NOMOGRAM_FACTOR_NAMES = ['dlrScore', 'tumourSizeMm', 'noduleCount', 'log10AfpNgPerMl', 'afpAtLeastCutoff'] as const;
export type NomogramFactorName = (typeof NOMOGRAM_FACTOR_NAMES)[number];

export const NomogramFactorSpec = Type.Object(
  {
    name: Type.Union([
      Type.Literal('dlrScore'), Type.Literal('tumourSizeMm'), Type.Literal('noduleCount'), Type.Literal('log10AfpNgPerMl'), Type.Literal('afpAtLeastCutoff'),
    ]),
    /**
     * Coefficient on the model scale: effect = coefficient·value. For a spline factor it is the
     * coefficient of the linear column x and must equal spline.coefficients[0]; the effect is then
     * the spline's f(value), not coefficient·value.
     */
    coefficient: Finite(),
    /** Training range on the model scale (after the transform): the ends of the nomogram axis. */
    min: Finite(),
    max: Finite(),
    /**
     * How the clinical input becomes the model value. Only the AFP factors take one:
     * log10AfpNgPerMl: {kind: 'log10', floorInput: 1} → log10(max(afpNgPerMl, floorInput));
     * afpAtLeastCutoff: {kind: 'atLeast', cutoff: 400} → 1 if afpNgPerMl ≥ cutoff else 0.
     */
    transform: Type.Optional(
      Type.Union([
        Type.Object({ kind: Type.Literal('log10'), floorInput: Finite({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
        Type.Object({ kind: Type.Literal('atLeast'), cutoff: Finite({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
      ]),
    ),
    /**
     * A restricted cubic spline (rms::rcs) of the model-scale value — only tumourSizeMm and
     * log10AfpNgPerMl: effect f(x) = Σ_j coefficients[j]·B_j(x), B = (x, x', x'', …) the rcs basis
     * with these knots (Hmisc::rcspline.eval, norm = 2); `effectRange` = [lowest, highest] f over the
     * nomogram axis ticks (rms's info$R), which sets the factor's 0 points and its points span.
     */
    spline: Type.Optional(
      Type.Object(
        {
          /** Knots on the model scale (mm; log10 ng/mL), strictly increasing, at least 3. */
          knots: Type.Array(Finite(), { minItems: 3 }),
          /** knots.length − 1 coefficients, for the columns x, x', x'', … in that order. */
          coefficients: Type.Array(Finite(), { minItems: 2 }),
          effectRange: Type.Tuple([Finite(), Finite()]),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Probability = Finite({ minimum: 0, maximum: 1 });
const FeatureName = Type.String({ minLength: 1 });

export const ModelManifest = Type.Object(
  {
    schemaVersion: Type.Literal(1),
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64 }),
    version: Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]*$', maxLength: 64 }),
    name: Type.String({ minLength: 1 }),
    intendedUse: Type.String({ minLength: 1 }),
    syntheticDemo: Type.Boolean(),
    disclaimer: Type.String({ minLength: 1 }),
    createdAt: Type.String({ format: 'date-time' }),
    files: Type.Array(BundleFile, { minItems: 1 }),
    radiomics: Type.Object(
      {
        paramsFile: BundlePath,
        /** PyRadiomics output names, e.g. original_firstorder_Mean; the order of the fusion's first block. */
        features: Type.Array(Type.String({ pattern: '^[A-Za-z0-9.-]+_[A-Za-z0-9]+_[A-Za-z0-9]+$' })),
      },
      { additionalProperties: false },
    ),
    dl: Type.Object(
      {
        onnxFile: BundlePath,
        inputName: Type.String({ minLength: 1 }),
        /** Output tensor holding the DL feature vector, shape [1, featureNames.length]. */
        outputName: Type.String({ minLength: 1 }),
        preprocessing: DlPreprocessing,
        featureNames: Type.Array(FeatureName),
      },
      { additionalProperties: false },
    ),
    fusion: Type.Object(
      {
        /** radiomics.features followed by dl.featureNames, in that order. */
        featureNames: Type.Array(FeatureName, { minItems: 1 }),
        means: Type.Array(Finite()),
        sds: Type.Array(Finite({ exclusiveMinimum: 0 })),
        intercept: Finite(),
        coefficients: Type.Array(Finite()),
      },
      { additionalProperties: false },
    ),
    nomogram: Type.Object(
      {
        factors: Type.Array(NomogramFactorSpec, { minItems: 1 }),
        intercept: Finite(),
        pointsScale: Finite({ exclusiveMinimum: 0 }),
      },
      { additionalProperties: false },
    ),
    riskThresholds: Type.Object({ moderate: Probability, high: Probability }, { additionalProperties: false }),
    modelCard: Type.Object(
      {
        summary: Type.String({ minLength: 1 }),
        trainingData: Type.String({ minLength: 1 }),
        limitations: Type.String({ minLength: 1 }),
      },
      { additionalProperties: Type.String() },
    ),
    validation: Type.Object(
      {
        cohort: Type.String({ minLength: 1 }),
        auc: Type.Object({ train: Probability, test: Probability }),
      },
      { additionalProperties: true },
    ),
    provenance: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);

export type ModelManifest = Static<typeof ModelManifest>;
export type BundleFile = Static<typeof BundleFile>;
export type DlPreprocessing = Static<typeof DlPreprocessing>;
export type NomogramFactorSpec = Static<typeof NomogramFactorSpec>;
