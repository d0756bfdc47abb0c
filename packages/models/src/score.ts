import { performance } from 'node:perf_hooks';
import type { ClinicalInputs, LabelMap, Volume } from '@tace/common';
import { nomogramPoints } from '@tace/modeling';
import { extractFeatures } from '@tace/radiomics';
import type { ModelBundle } from './bundle.ts';
import { dlFeaturesOf } from './features.ts';
import { MODEL_ERRORS, modelError } from './errors.ts';
import type { ModelManifest, NomogramFactorName, NomogramFactorSpec } from './manifest.ts';

export type RiskGroup = 'low' | 'moderate' | 'high';

/** The radiomics engine's entry point (@tace/radiomics extractFeatures), injectable for tests. */
export type ExtractFeatures = (
  image: Volume,
  mask: LabelMap,
  params: string,
) => Record<string, number | string> | Promise<Record<string, number | string>>;

export interface ScoreInput {
  image: Volume;
  mask: LabelMap;
  clinical: ClinicalInputs;
}

export interface FactorPointsResult {
  factor: NomogramFactorName;
  /** Value on the model scale (log10 ng/mL for AFP). */
  value: number;
  unit?: string;
  points: number;
  /** Outside the training range [min, max]: points extrapolated. */
  outOfRange: boolean;
  /** The clinical value before the transform (AFP in ng/mL), when a transform applies. */
  inputValue?: number;
  inputUnit?: string;
}

export interface ScoreResult {
  modelId: string;
  modelVersion: string;
  syntheticDemo: boolean;
  disclaimer: string;
  weightsSha256: string;
  /** Nomogram probability of distant metastasis, 0..1 (FHIR wants percent: × 100 at the edge). */
  probability: number;
  riskGroup: RiskGroup;
  /** Linear predictor of the fusion logistic regression. */
  dlrScore: number;
  radiomicsFeatures: Record<string, number>;
  dlFeatures: number[];
  points: FactorPointsResult[];
  totalPoints: number;
  linearPredictor: number;
  riskThresholds: { moderate: number; high: number };
  timingsMs: { radiomics: number; dl: number; fusion: number };
}

const UNITS: Record<NomogramFactorName, string | undefined> = {
  dlrScore: undefined,
  tumourSizeMm: 'mm',
  noduleCount: 'count',
  log10AfpNgPerMl: 'log10(ng/mL)',
  afpAtLeastCutoff: undefined,
};

/** low < moderate ≤ p < high ≤ p (thresholds are probabilities from the manifest). */
export function riskGroupOf(probability: number, t: { moderate: number; high: number }): RiskGroup {
  if (probability >= t.high) return 'high';
  if (probability >= t.moderate) return 'moderate';
  return 'low';
}

/** DLR score = b0 + Σ bⱼ·(xⱼ − meanⱼ)/sdⱼ over fusion.featureNames. */
export function fusionScore(fusion: ModelManifest['fusion'], values: readonly number[]): number {
  if (values.length !== fusion.coefficients.length) {
    throw new RangeError(`fusion needs ${fusion.coefficients.length} features, got ${values.length}`);
  }
  let s = fusion.intercept;
  for (let j = 0; j < values.length; j++) s += (fusion.coefficients[j] * (values[j] - fusion.means[j])) / fusion.sds[j];
  return s;
}

function clinicalValue(name: string, v: { value: number } | undefined): number {
  const x = v?.value;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw modelError(MODEL_ERRORS.MODEL_CLINICAL_INPUT_INVALID, `clinical input ${name} is missing or not a non-negative number`, { input: name });
  }
  return x;
}

/**
 * The model-scale value of one nomogram factor, with the manifest's fixed transform. A spline
 * factor's value is the same (size in mm, log10 AFP); its effect f(value) is applied by nomogramPoints.
 */
export function factorValue(f: NomogramFactorSpec, dlrScore: number, clinical: ClinicalInputs): { value: number; inputValue?: number; inputUnit?: string } {
  switch (f.name) {
    case 'dlrScore':
      return { value: dlrScore };
    case 'tumourSizeMm':
      return { value: clinicalValue('tumourSizeMm', clinical.tumourSizeMm) };
    case 'noduleCount':
      return { value: clinicalValue('noduleCount', clinical.noduleCount) };
    case 'log10AfpNgPerMl': {
      const afp = clinicalValue('afpNgPerMl', clinical.afpNgPerMl);
      const floor = f.transform?.kind === 'log10' ? f.transform.floorInput : 1;
      return { value: Math.log10(Math.max(afp, floor)), inputValue: afp, inputUnit: 'ng/mL' };
    }
    case 'afpAtLeastCutoff': {
      const afp = clinicalValue('afpNgPerMl', clinical.afpNgPerMl);
      if (f.transform?.kind !== 'atLeast') throw new RangeError('afpAtLeastCutoff needs transform {kind: atLeast}');
      return { value: afp >= f.transform.cutoff ? 1 : 0, inputValue: afp, inputUnit: 'ng/mL' };
    }
    default:
      throw new RangeError(`unknown nomogram factor ${String((f as { name: unknown }).name)}`);
  }
}

/**
 * Score one case: radiomics features (bundle params) → DL features (ONNX on the preprocessed
 * ROI) → fusion (DLR score) → nomogram (DLR score + clinical factors) → probability, risk group,
 * points per factor. Pure of I/O apart from the ONNX session; `session.run` blocks its thread.
 */
export async function scoreCase(
  bundle: ModelBundle,
  input: ScoreInput,
  opts: { extractFeatures?: ExtractFeatures } = {},
): Promise<ScoreResult> {
  const m = bundle.manifest;
  const t0 = performance.now();
  // The same code path as `tace-risk model features` (the training table): no training-serving skew.
  const all = await (opts.extractFeatures ?? extractFeatures)(input.image, input.mask, bundle.radiomicsParamsYaml);
  const radiomicsFeatures: Record<string, number> = {};
  for (const name of m.radiomics.features) {
    const v = all[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw modelError(MODEL_ERRORS.MODEL_RADIOMICS_FEATURE_MISSING, `radiomics feature ${name} was not computed as a finite number`, { feature: name });
    }
    radiomicsFeatures[name] = v;
  }
  const t1 = performance.now();
  const dlFeatures = await dlFeaturesOf(bundle.session, m.dl, input.image, input.mask);
  const t2 = performance.now();

  const dlrScore = fusionScore(m.fusion, [...m.radiomics.features.map((n) => radiomicsFeatures[n]), ...dlFeatures]);
  const values: Record<string, number> = {};
  const inputs = new Map<string, { inputValue?: number; inputUnit?: string }>();
  for (const f of m.nomogram.factors) {
    const { value, ...rest } = factorValue(f, dlrScore, input.clinical);
    values[f.name] = value;
    inputs.set(f.name, rest);
  }
  const nomo = nomogramPoints(m.nomogram, values);
  const points: FactorPointsResult[] = nomo.factors.map((f) => {
    const name = f.name as NomogramFactorName;
    const unit = UNITS[name];
    return { factor: name, value: f.value, ...(unit ? { unit } : {}), points: f.points, outOfRange: f.outOfRange, ...inputs.get(name) };
  });
  const t3 = performance.now();
  return {
    modelId: m.id,
    modelVersion: m.version,
    syntheticDemo: m.syntheticDemo,
    disclaimer: m.disclaimer,
    weightsSha256: bundle.weightsSha256,
    probability: nomo.probability,
    riskGroup: riskGroupOf(nomo.probability, m.riskThresholds),
    dlrScore,
    radiomicsFeatures,
    dlFeatures,
    points,
    totalPoints: nomo.totalPoints,
    linearPredictor: nomo.linearPredictor,
    riskThresholds: { ...m.riskThresholds },
    timingsMs: { radiomics: t1 - t0, dl: t2 - t1, fusion: t3 - t2 },
  };
}
