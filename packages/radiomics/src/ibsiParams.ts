/**
 * IBSI mode in the parameter file: `setting: { standard: ibsi, … }`.
 *
 * PyRadiomics keys keep their meaning where the IBSI has the same concept (binWidth → fixed bin size
 * counted from the re-segmentation lower bound, binCount → fixed bin number, resegmentRange,
 * resampledPixelSpacing + interpolator → centre-aligned IBSI interpolation, force2D → 2D mode,
 * label, additionalInfo → diagnostic rows); new `ibsi…` keys only where PyRadiomics has none.
 * PyRadiomics settings that would change values in a way the IBSI chain cannot honour are refused
 * (RADIOMICS_IBSI_UNSUPPORTED) instead of silently ignored. `ibsi…` keys without `standard: ibsi`
 * are refused too (RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE): a file that looks IBSI but runs
 * PyRadiomics would compute different numbers under the same intent.
 */
import { TaceError } from '@tace/common';
import type { IbsiAggregation, IbsiConfig, IbsiDiscretisation, IbsiFamily } from './ibsi/types.ts';
import type { RadiomicsSettings, SettingRule } from './params.ts';

/** Stable error codes of the IBSI parameter layer (in addition to RADIOMICS_PARAM_*). */
export const IBSI_PARAM_ERRORS = {
  /** An `ibsi…` setting in a parameter file without `standard: ibsi`. */
  SETTING_IN_PYRADIOMICS_MODE: 'RADIOMICS_IBSI_SETTING_IN_PYRADIOMICS_MODE',
  /** IBSI mode without an explicit discretisation (binWidth, binCount or ibsiDiscretisation: none). */
  DISCRETISATION_MISSING: 'RADIOMICS_IBSI_DISCRETISATION_MISSING',
  /** A name in `ibsiAggregation` that is not an IBSI aggregation method. */
  AGGREGATION_UNKNOWN: 'RADIOMICS_IBSI_AGGREGATION_UNKNOWN',
  /** A name in `ibsiFamilies` that is not an IBSI feature family. */
  FAMILY_UNKNOWN: 'RADIOMICS_IBSI_FAMILY_UNKNOWN',
  /** A PyRadiomics setting, image type or featureClass section that IBSI mode cannot honour. */
  UNSUPPORTED: 'RADIOMICS_IBSI_UNSUPPORTED',
  /** Settings that contradict each other (force2D with a 3D aggregation, binWidth and binCount, …). */
  CONFLICT: 'RADIOMICS_IBSI_CONFLICT',
} as const;
export type IbsiParamErrorCode = (typeof IBSI_PARAM_ERRORS)[keyof typeof IBSI_PARAM_ERRORS];

function ibsiParamError(code: IbsiParamErrorCode, message: string, detail?: Record<string, unknown>): TaceError {
  return new TaceError(code, message, { httpStatus: 422, detail, retryable: false });
}

/** Aggregation names accepted in `ibsiAggregation` (IBSI manual 3.6.1), and what they select. */
export const IBSI_AGGREGATION_NAMES = [
  '2D-averaged', '2D-merged', '2.5D-averaged', '2.5D-merged', '3D-averaged', '3D-merged', '2D', '2.5D', '3D',
] as const;
export type IbsiAggregationName = (typeof IBSI_AGGREGATION_NAMES)[number];

/**
 * Internal aggregation labels selected by each name. GLCM/GLRLM have six methods (averaged/merged
 * over directions); GLSZM/GLDZM/NGTDM/NGLDM have no directions, so `2D`, `2.5D`, `3D` are their
 * only methods and any variant of that dimension selects them. A bare `2D` selects both variants.
 */
const SELECTS: Record<IbsiAggregationName, IbsiAggregation[]> = {
  '2D-averaged': ['2D, averaged', '2D'],
  '2D-merged': ['2D, slice-merged', '2D'],
  '2.5D-averaged': ['2.5D, direction-merged', '2.5D'],
  '2.5D-merged': ['2.5D, merged', '2.5D'],
  '3D-averaged': ['3D, averaged', '3D'],
  '3D-merged': ['3D, merged', '3D'],
  '2D': ['2D, averaged', '2D, slice-merged', '2D'],
  '2.5D': ['2.5D, direction-merged', '2.5D, merged', '2.5D'],
  '3D': ['3D, averaged', '3D, merged', '3D'],
};

/** Internal aggregation label (as in the IBSI reference tables) → the name used in feature names. */
export const AGGREGATION_LABEL: Readonly<Record<string, IbsiAggregationName>> = {
  '2D, averaged': '2D-averaged',
  '2D, slice-merged': '2D-merged',
  '2.5D, direction-merged': '2.5D-averaged',
  '2.5D, merged': '2.5D-merged',
  '3D, averaged': '3D-averaged',
  '3D, merged': '3D-merged',
  '2D': '2D',
  '2.5D': '2.5D',
  '3D': '3D',
};

export const IBSI_FAMILY_NAMES: readonly IbsiFamily[] = [
  'morphology', 'local_intensity', 'intensity_statistics', 'intensity_histogram', 'ivh',
  'glcm', 'glrlm', 'glszm', 'gldzm', 'ngtdm', 'ngldm',
];

/** Setting keys IBSI mode adds to the PyRadiomics schema (validated by params.ts like any other). */
export const IBSI_SETTING_RULES: Record<string, SettingRule> = {
  standard: { kind: 'str', enumValues: ['pyradiomics', 'ibsi'] },
  ibsiAggregation: { kind: 'any' },
  ibsiFamilies: { kind: 'any' },
  ibsiDiscretisation: { kind: 'str', enumValues: ['FBS', 'FBN', 'none'] },
  ibsiMaskInterpolation: { kind: 'str', enumValues: ['linear', 'nearest'] },
  ibsiMaskThreshold: { kind: 'float', minEx: 0, max: 1 },
  ibsiRoundIntensities: { kind: 'bool' },
  ibsiOutlierSigma: { kind: 'float', minEx: 0 },
  ibsiIvhBinWidth: { kind: 'float', minEx: 0 },
  ibsiIvhBinCount: { kind: 'int', minEx: 0 },
  ibsiAutocorrelation: { kind: 'bool' },
};

/**
 * The resolved IBSI configuration of a parameter file. `resampling.spacingMm` entries of 0 mean
 * "keep the image's spacing on that axis" (PyRadiomics semantics) and are filled in at extraction.
 */
export interface IbsiModeConfig extends IbsiConfig {
  /** Round the input intensities to integers before anything else (calibrated integer modalities, e.g. CT in HU). */
  roundInputIntensities: boolean;
}

const SEQUENCE = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function unsupported(key: string, why: string, value: unknown): never {
  throw ibsiParamError(IBSI_PARAM_ERRORS.UNSUPPORTED, `setting '${key}' ${why} in IBSI mode (got ${JSON.stringify(value)})`, { key });
}

/** PyRadiomics settings whose non-default values IBSI mode cannot honour, with the value it needs. */
function checkNeutral(s: RadiomicsSettings): void {
  if (s.normalize) unsupported('normalize', 'is not part of the IBSI 1 chain', s.normalize);
  if (s.removeOutliers !== null) unsupported('removeOutliers', 'belongs to normalisation; use ibsiOutlierSigma for IBSI outlier re-segmentation', s.removeOutliers);
  if (s.distances.length !== 1 || s.distances[0] !== 1) unsupported('distances', 'must be [1] (IBSI texture uses Chebyshev distance 1)', s.distances);
  if (!s.symmetricalGLCM) unsupported('symmetricalGLCM', 'must be true (IBSI co-occurrence matrices are symmetric)', s.symmetricalGLCM);
  if (s.weightingNorm !== null) unsupported('weightingNorm', 'must be empty (IBSI GLCM distances are not weighted)', s.weightingNorm);
  if (s.gldm_a !== 0) unsupported('gldm_a', 'must be 0 (IBSI NGLDM coarseness α = 0)', s.gldm_a);
  if (s.voxelArrayShift !== 0) unsupported('voxelArrayShift', 'must be 0 (IBSI energy has no shift)', s.voxelArrayShift);
  if (s.resegmentShape) unsupported('resegmentShape', 'must be false (the IBSI morphological mask is never re-segmented)', s.resegmentShape);
  if (s.force2D && s.force2Ddimension !== 0) unsupported('force2Ddimension', 'must be 0: IBSI 2D slices are axial (numpy axis 0 = z)', s.force2Ddimension);
}

function discretisation(s: RadiomicsSettings, explicit: ReadonlySet<string>): IbsiDiscretisation {
  const method = s.ibsiDiscretisation as 'FBS' | 'FBN' | 'none' | undefined;
  const hasWidth = explicit.has('binWidth');
  const hasCount = explicit.has('binCount') && s.binCount !== null;
  if (method === 'none') {
    if (hasWidth || hasCount) throw ibsiParamError(IBSI_PARAM_ERRORS.CONFLICT, "ibsiDiscretisation: none together with binWidth/binCount", { key: 'ibsiDiscretisation' });
    return { method: 'none' };
  }
  if (hasWidth && hasCount && method === undefined) {
    throw ibsiParamError(IBSI_PARAM_ERRORS.CONFLICT, 'both binWidth and binCount are set: IBSI mode needs one discretisation (or ibsiDiscretisation: FBS | FBN to choose)', { key: 'binWidth' });
  }
  if (method === 'FBN' || (method === undefined && hasCount)) {
    if (!hasCount) throw ibsiParamError(IBSI_PARAM_ERRORS.DISCRETISATION_MISSING, 'ibsiDiscretisation: FBN needs binCount', { key: 'binCount' });
    return { method: 'FBN', binCount: s.binCount as number };
  }
  if (method === 'FBS' || (method === undefined && hasWidth)) {
    if (!hasWidth) throw ibsiParamError(IBSI_PARAM_ERRORS.DISCRETISATION_MISSING, 'ibsiDiscretisation: FBS needs binWidth', { key: 'binWidth' });
    return { method: 'FBS', binWidth: s.binWidth };
  }
  throw ibsiParamError(
    IBSI_PARAM_ERRORS.DISCRETISATION_MISSING,
    'IBSI mode needs an explicit discretisation: binWidth (fixed bin size), binCount (fixed bin number) or ibsiDiscretisation: none',
    { key: 'binWidth' },
  );
}

function aggregations(s: RadiomicsSettings): { mode: IbsiConfig['mode']; aggregations?: IbsiAggregation[] } {
  const raw = s.ibsiAggregation;
  if (raw === undefined || raw === null) return { mode: s.force2D ? '2D' : '3D' };
  const names = SEQUENCE(raw);
  if (names.length === 0) throw ibsiParamError(IBSI_PARAM_ERRORS.AGGREGATION_UNKNOWN, 'ibsiAggregation is empty', { key: 'ibsiAggregation' });
  const selected = new Set<IbsiAggregation>();
  for (const n of names) {
    if (typeof n !== 'string' || !(IBSI_AGGREGATION_NAMES as readonly string[]).includes(n)) {
      throw ibsiParamError(
        IBSI_PARAM_ERRORS.AGGREGATION_UNKNOWN,
        `unknown IBSI aggregation ${JSON.stringify(n)} (known: ${IBSI_AGGREGATION_NAMES.join(', ')})`,
        { key: 'ibsiAggregation', value: n },
      );
    }
    for (const a of SELECTS[n as IbsiAggregationName]) selected.add(a);
  }
  const has3D = [...selected].some((a) => a.startsWith('3D'));
  const has2D = [...selected].some((a) => !a.startsWith('3D'));
  if (s.force2D && has3D) {
    throw ibsiParamError(IBSI_PARAM_ERRORS.CONFLICT, 'force2D: true with a 3D aggregation in ibsiAggregation', { key: 'ibsiAggregation' });
  }
  return { mode: has2D && has3D ? 'all' : has2D ? '2D' : '3D', aggregations: [...selected] };
}

function families(s: RadiomicsSettings): IbsiFamily[] | undefined {
  const raw = s.ibsiFamilies;
  if (raw === undefined || raw === null) return undefined;
  const names = SEQUENCE(raw);
  for (const n of names) {
    if (typeof n !== 'string' || !(IBSI_FAMILY_NAMES as readonly string[]).includes(n)) {
      throw ibsiParamError(
        IBSI_PARAM_ERRORS.FAMILY_UNKNOWN,
        `unknown IBSI feature family ${JSON.stringify(n)} (known: ${IBSI_FAMILY_NAMES.join(', ')})`,
        { key: 'ibsiFamilies', value: n },
      );
    }
  }
  return names as IbsiFamily[];
}

const INTERPOLATION: Record<string, 'nearest' | 'linear' | 'cubic'> = {
  sitkNearestNeighbor: 'nearest',
  sitkLinear: 'linear',
  sitkBSpline: 'cubic',
};

function resegmentation(s: RadiomicsSettings): Pick<IbsiConfig, 'resegmentationRange' | 'outlierSigma'> {
  const out: Pick<IbsiConfig, 'resegmentationRange' | 'outlierSigma'> = {};
  const range = s.resegmentRange;
  const sigma = s.ibsiOutlierSigma as number | undefined;
  if (range) {
    if (range.length < 1 || range.length > 2) unsupported('resegmentRange', 'must have one or two values', range);
    if (s.resegmentMode === 'relative') unsupported('resegmentMode', "'relative' has no IBSI equivalent (use absolute or sigma)", s.resegmentMode);
    if (s.resegmentMode === 'sigma') {
      const [a, b] = range;
      if (range.length !== 2 || a === undefined || b === undefined || a !== -b || b <= 0) {
        unsupported('resegmentRange', 'with resegmentMode: sigma must be symmetric [-n, n] (IBSI outlier filtering: mean ± n·sd)', range);
      }
      if (sigma !== undefined) throw ibsiParamError(IBSI_PARAM_ERRORS.CONFLICT, 'resegmentMode: sigma together with ibsiOutlierSigma', { key: 'ibsiOutlierSigma' });
      out.outlierSigma = b;
    } else {
      out.resegmentationRange = [range[0] as number, range.length === 2 ? (range[1] as number) : Infinity];
    }
  }
  if (sigma !== undefined) out.outlierSigma = sigma;
  return out;
}

/**
 * Resolve the IBSI configuration of a parameter file whose settings say `standard: ibsi`, or refuse
 * `ibsi…` keys in PyRadiomics mode. `explicitKeys` are the setting keys written in the file (IBSI
 * mode needs to know whether binWidth was chosen or is PyRadiomics' default).
 */
export function resolveIbsiMode(
  s: RadiomicsSettings,
  explicitKeys: ReadonlySet<string>,
  imageTypes: Record<string, Partial<RadiomicsSettings>>,
  featureClassWritten: boolean,
): IbsiModeConfig | undefined {
  if (s.standard !== 'ibsi') {
    for (const k of explicitKeys) {
      if (k.startsWith('ibsi')) {
        throw ibsiParamError(
          IBSI_PARAM_ERRORS.SETTING_IN_PYRADIOMICS_MODE,
          `setting '${k}' is an IBSI-mode setting; add 'standard: ibsi' to the settings or remove it`,
          { key: k },
        );
      }
    }
    for (const [type, custom] of Object.entries(imageTypes)) {
      const k = Object.keys(custom).find((c) => c.startsWith('ibsi') || c === 'standard');
      if (k) throw ibsiParamError(IBSI_PARAM_ERRORS.SETTING_IN_PYRADIOMICS_MODE, `setting '${k}' under imageType.${type} belongs in the global settings with 'standard: ibsi'`, { key: k });
    }
    return undefined;
  }
  for (const [type, custom] of Object.entries(imageTypes)) {
    if (type !== 'Original') {
      throw ibsiParamError(IBSI_PARAM_ERRORS.UNSUPPORTED, `image type '${type}' is not part of IBSI 1 (IBSI mode computes the Original image only)`, { imageType: type });
    }
    if (Object.keys(custom).length > 0) {
      throw ibsiParamError(IBSI_PARAM_ERRORS.UNSUPPORTED, 'IBSI mode takes its settings from the global setting section, not imageType.Original', { imageType: type });
    }
  }
  if (featureClassWritten) {
    throw ibsiParamError(
      IBSI_PARAM_ERRORS.UNSUPPORTED,
      "IBSI mode selects feature families with 'ibsiFamilies', not a PyRadiomics featureClass section",
      { key: 'featureClass' },
    );
  }
  checkNeutral(s);
  const cfg: IbsiModeConfig = {
    ...aggregations(s),
    discretisation: discretisation(s, explicitKeys),
    ...resegmentation(s),
    label: s.label,
    diagnostics: s.additionalInfo,
    roundInputIntensities: (s.ibsiRoundIntensities as boolean | undefined) ?? false,
  };
  const fam = families(s);
  if (fam) cfg.families = fam;
  if (s.ibsiAutocorrelation !== undefined) cfg.autocorrelation = s.ibsiAutocorrelation as boolean;
  const ivhWidth = s.ibsiIvhBinWidth as number | undefined;
  const ivhCount = s.ibsiIvhBinCount as number | undefined;
  if (ivhWidth !== undefined && ivhCount !== undefined) {
    throw ibsiParamError(IBSI_PARAM_ERRORS.CONFLICT, 'both ibsiIvhBinWidth and ibsiIvhBinCount are set', { key: 'ibsiIvhBinWidth' });
  }
  if (ivhWidth !== undefined) cfg.ivhDiscretisation = { method: 'FBS', binWidth: ivhWidth };
  if (ivhCount !== undefined) cfg.ivhDiscretisation = { method: 'FBN', binCount: ivhCount };

  const spacing = s.resampledPixelSpacing;
  const resamplingOnly = ['ibsiMaskInterpolation', 'ibsiMaskThreshold'].find((k) => explicitKeys.has(k));
  if (spacing) {
    if (spacing.length !== 3) unsupported('resampledPixelSpacing', 'must have three values (x, y, z in mm)', spacing);
    const interpolation = INTERPOLATION[String(s.interpolator)];
    if (!interpolation) {
      unsupported('interpolator', `must be sitkNearestNeighbor, sitkLinear or sitkBSpline (IBSI nearest, linear, cubic)`, s.interpolator);
    }
    cfg.resampling = {
      spacingMm: [spacing[0] as number, spacing[1] as number, spacing[2] as number],
      interpolation,
      maskInterpolation: (s.ibsiMaskInterpolation as 'linear' | 'nearest' | undefined) ?? 'linear',
      maskThreshold: (s.ibsiMaskThreshold as number | undefined) ?? 0.5,
      roundIntensities: cfg.roundInputIntensities,
    };
  } else if (resamplingOnly) {
    throw ibsiParamError(IBSI_PARAM_ERRORS.CONFLICT, `'${resamplingOnly}' needs resampledPixelSpacing (it applies to interpolation)`, { key: resamplingOnly });
  }
  return cfg;
}
