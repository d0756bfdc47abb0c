/**
 * PyRadiomics parameter files (YAML): `imageType`, `featureClass`, `setting` (and `voxelSetting`,
 * accepted but unused: the engine is segment-based). Same keys, same defaults, same validation as
 * radiomics/schemas/paramSchema.yaml + featureextractor._getDefaultSettings, except that unknown
 * names are an error (RADIOMICS_PARAM_UNKNOWN) instead of a warning: a model bundle whose feature
 * names silently vanish would compute a different model.
 */
import { createRequire } from 'node:module';
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';
import { parseYamlSubset } from './yamlSubset.ts';
import {
  FEATURE_CLASS_NAMES, FEATURE_NAMES, IMAGE_TYPE_NAMES,
  type FeatureClassName, type ImageTypeName,
} from './featureNames.ts';
import { IBSI_SETTING_RULES, resolveIbsiMode, type IbsiModeConfig } from './ibsiParams.ts';

export type ResegmentMode = 'absolute' | 'relative' | 'sigma';

/** Every setting PyRadiomics knows, fully resolved (defaults applied). Units as PyRadiomics: mm. */
export interface RadiomicsSettings {
  minimumROIDimensions: number;
  minimumROISize: number | null;
  geometryTolerance: number | null;
  correctMask: boolean;
  additionalInfo: boolean;
  label: number;
  label_channel?: number;
  binWidth: number;
  binCount: number | null;
  normalize: boolean;
  normalizeScale: number;
  removeOutliers: number | null;
  resampledPixelSpacing: number[] | null;
  interpolator: string | number | null;
  padDistance: number;
  distances: number[];
  force2D: boolean;
  force2Ddimension: number;
  resegmentRange: number[] | null;
  resegmentMode: ResegmentMode;
  resegmentShape: boolean;
  preCrop: boolean;
  voxelArrayShift: number;
  symmetricalGLCM: boolean;
  weightingNorm: string | null;
  gldm_a: number;
  sigma?: number[];
  start_level?: number;
  level?: number;
  wavelet?: string;
  gradientUseSpacing?: boolean;
  lbp2DRadius?: number;
  lbp2DSamples?: number;
  lbp2DMethod?: string;
  lbp3DLevels?: number;
  lbp3DIcosphereRadius?: number;
  lbp3DIcosphereSubdivision?: number;
  /** Extension keys registered by other modules (e.g. IBSI mode); validated by their schema. */
  [extension: string]: unknown;
}

export interface RadiomicsParams {
  /** Enabled image types with their custom settings, e.g. `{ Original: {}, LoG: { sigma: [1, 2] } }`. */
  imageType: Partial<Record<ImageTypeName, Partial<RadiomicsSettings>>>;
  /** Enabled classes; an empty list enables the class' default features. */
  featureClass: Partial<Record<FeatureClassName, string[]>>;
  /** Settings with PyRadiomics defaults applied. */
  setting: RadiomicsSettings;
  /** Present when the settings say `standard: ibsi`: the resolved IBSI 1 configuration (see ibsiParams.ts). */
  ibsi?: IbsiModeConfig;
}

/** featureextractor._getDefaultSettings() plus the feature-class defaults read via kwargs.get(). */
export function defaultSettings(): RadiomicsSettings {
  return {
    minimumROIDimensions: 2,
    minimumROISize: null,
    geometryTolerance: null,
    correctMask: false,
    additionalInfo: true,
    label: 1,
    binWidth: 25,
    binCount: null,
    normalize: false,
    normalizeScale: 1,
    removeOutliers: null,
    resampledPixelSpacing: null,
    interpolator: 'sitkBSpline',
    padDistance: 5,
    distances: [1],
    force2D: false,
    force2Ddimension: 0,
    resegmentRange: null,
    resegmentMode: 'absolute',
    resegmentShape: false,
    preCrop: false,
    voxelArrayShift: 0,
    symmetricalGLCM: true,
    weightingNorm: null,
    gldm_a: 0,
  };
}

type Kind = 'int' | 'float' | 'bool' | 'str' | 'floatSeq' | 'intSeq' | 'interpolator' | 'weighting' | 'wavelet' | 'any';
export interface SettingRule {
  kind: Kind;
  min?: number;
  minEx?: number;
  max?: number;
  enumValues?: readonly string[];
  nullable?: boolean;
}

/** radiomics/schemas/paramSchema.yaml, `setting` mapping. */
const SETTING_RULES: Record<string, SettingRule> = {
  minimumROIDimensions: { kind: 'int', min: 1, max: 3 },
  minimumROISize: { kind: 'int', minEx: 0, nullable: true },
  geometryTolerance: { kind: 'float', minEx: 0, nullable: true },
  correctMask: { kind: 'bool' },
  additionalInfo: { kind: 'bool' },
  label: { kind: 'int', minEx: 0 },
  label_channel: { kind: 'int', min: 0 },
  binWidth: { kind: 'float', minEx: 0 },
  binCount: { kind: 'int', minEx: 0, nullable: true },
  normalize: { kind: 'bool' },
  normalizeScale: { kind: 'float', minEx: 0 },
  removeOutliers: { kind: 'float', minEx: 0, nullable: true },
  resampledPixelSpacing: { kind: 'floatSeq', min: 0, nullable: true },
  interpolator: { kind: 'interpolator', nullable: true },
  padDistance: { kind: 'int', min: 0 },
  distances: { kind: 'intSeq', minEx: 0 },
  force2D: { kind: 'bool' },
  force2Ddimension: { kind: 'int', min: 0, max: 2 },
  resegmentRange: { kind: 'floatSeq', nullable: true },
  resegmentMode: { kind: 'str', enumValues: ['absolute', 'relative', 'sigma'] },
  resegmentShape: { kind: 'bool' },
  preCrop: { kind: 'bool' },
  sigma: { kind: 'floatSeq', minEx: 0 },
  start_level: { kind: 'int', min: 0 },
  level: { kind: 'int', minEx: 0 },
  wavelet: { kind: 'wavelet' },
  gradientUseSpacing: { kind: 'bool' },
  lbp2DRadius: { kind: 'float', minEx: 0 },
  lbp2DSamples: { kind: 'int', min: 1 },
  lbp2DMethod: { kind: 'str', enumValues: ['default', 'ror', 'uniform', 'var'] },
  lbp3DLevels: { kind: 'int', min: 1 },
  lbp3DIcosphereRadius: { kind: 'float', minEx: 0 },
  lbp3DIcosphereSubdivision: { kind: 'int', min: 0 },
  voxelArrayShift: { kind: 'int' },
  symmetricalGLCM: { kind: 'bool' },
  weightingNorm: { kind: 'weighting', nullable: true },
  gldm_a: { kind: 'int', min: 0 },
  // IBSI mode (`standard: ibsi` and the ibsi… keys); their cross-checks live in ibsiParams.ts.
  ...IBSI_SETTING_RULES,
};

/**
 * Lets another module of this package (IBSI mode) declare its own setting keys so that they pass
 * validation. Keys PyRadiomics already defines cannot be redefined.
 */
export function registerSettingRule(key: string, rule: SettingRule): void {
  if (key in SETTING_RULES && !extensionKeys.has(key)) return;
  SETTING_RULES[key] = rule;
  extensionKeys.add(key);
}
const extensionKeys = new Set<string>();

export const INTERPOLATORS = [
  'sitkNearestNeighbor', 'sitkLinear', 'sitkBSpline', 'sitkGaussian', 'sitkLabelGaussian',
  'sitkHammingWindowedSinc', 'sitkCosineWindowedSinc', 'sitkWelchWindowedSinc', 'sitkLanczosWindowedSinc',
  'sitkBlackmanWindowedSinc',
] as const;

/** pywt.wavelist() families PyRadiomics accepts. */
const WAVELET_RE = /^(haar|dmey|sym([2-9]|1[0-9]|20)|db([1-9]|1[0-9]|20)|coif[1-5]|(bior|rbio)(1\.[135]|2\.[2468]|3\.[13579]|4\.4|5\.5|6\.8))$/;

function invalid(key: string, why: string, value: unknown): never {
  throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `setting '${key}' ${why} (got ${JSON.stringify(value)})`, { key });
}

function checkNumber(key: string, v: unknown, rule: SettingRule, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(key, 'must be a number', v);
  if (integer && !Number.isInteger(v)) invalid(key, 'must be an integer', v);
  if (rule.min !== undefined && v < rule.min) invalid(key, `must be ≥ ${rule.min}`, v);
  if (rule.minEx !== undefined && v <= rule.minEx) invalid(key, `must be > ${rule.minEx}`, v);
  if (rule.max !== undefined && v > rule.max) invalid(key, `must be ≤ ${rule.max}`, v);
  return v;
}

/** Validate one setting value; returns the normalised value. Throws PARAM_UNKNOWN / PARAM_INVALID. */
export function validateSetting(key: string, value: unknown): unknown {
  const rule = SETTING_RULES[key];
  if (!rule) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_UNKNOWN, `unknown setting '${key}' in the parameter file`, { key });
  }
  if (value === null || value === undefined) {
    if (rule.nullable || rule.kind === 'any') return null;
    invalid(key, 'must not be empty', value);
  }
  switch (rule.kind) {
    case 'int':
      return checkNumber(key, value, rule, true);
    case 'float':
      return checkNumber(key, value, rule, false);
    case 'bool':
      if (typeof value !== 'boolean') invalid(key, 'must be true or false', value);
      return value;
    case 'str':
      if (typeof value !== 'string') invalid(key, 'must be a string', value);
      if (rule.enumValues && !rule.enumValues.includes(value)) invalid(key, `must be one of ${rule.enumValues.join(', ')}`, value);
      return value;
    case 'floatSeq':
    case 'intSeq': {
      const arr = Array.isArray(value) ? value : [value];
      return arr.map((v) => checkNumber(key, v, rule, rule.kind === 'intSeq'));
    }
    case 'interpolator':
      if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= INTERPOLATORS.length) {
        return INTERPOLATORS[value - 1];
      }
      if (typeof value !== 'string' || !(INTERPOLATORS as readonly string[]).includes(value)) {
        invalid(key, `must be one of ${INTERPOLATORS.join(', ')}`, value);
      }
      return value;
    case 'weighting':
      if (typeof value !== 'string' || !['manhattan', 'euclidean', 'infinity', 'no_weighting'].includes(value)) {
        invalid(key, 'must be manhattan, euclidean, infinity or no_weighting', value);
      }
      return value;
    case 'wavelet':
      if (typeof value !== 'string' || !WAVELET_RE.test(value)) invalid(key, 'is not a wavelet known to PyWavelets', value);
      return value;
    case 'any':
      return value;
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateSettingsMap(where: string, raw: unknown): Partial<RadiomicsSettings> {
  if (raw === null || raw === undefined) return {};
  if (!isMapping(raw)) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `'${where}' must be a mapping of setting names to values`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[k] = validateSetting(k, v);
  if (out.binCount === null) delete out.binCount;
  return out as Partial<RadiomicsSettings>;
}

/**
 * Build validated params from a plain object (already-parsed YAML/JSON, e.g. a model bundle manifest).
 * Absent `imageType` → `{Original: {}}`; absent `featureClass` → every class but shape2D with its
 * defaults (PyRadiomics featureextractor._applyParams).
 */
export function paramsFromObject(raw: unknown): RadiomicsParams {
  if (raw === null || raw === undefined) raw = {};
  if (!isMapping(raw)) throw radiomicsError(RADIOMICS_ERRORS.PARAM_SYNTAX, 'the parameter file must be a YAML mapping');
  for (const k of Object.keys(raw)) {
    if (!['imageType', 'featureClass', 'setting', 'voxelSetting'].includes(k)) {
      throw radiomicsError(RADIOMICS_ERRORS.PARAM_UNKNOWN, `unknown top-level key '${k}' in the parameter file (expected imageType, featureClass, setting)`, { key: k });
    }
  }
  const setting: RadiomicsSettings = { ...defaultSettings(), ...validateSettingsMap('setting', raw.setting) };

  const imageType: RadiomicsParams['imageType'] = {};
  const rawTypes = raw.imageType;
  if (rawTypes !== null && rawTypes !== undefined) {
    if (!isMapping(rawTypes)) throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, "'imageType' must be a mapping");
    for (const [name, custom] of Object.entries(rawTypes)) {
      if (!(IMAGE_TYPE_NAMES as readonly string[]).includes(name)) {
        throw radiomicsError(RADIOMICS_ERRORS.PARAM_UNKNOWN, `unknown image type '${name}' (known: ${IMAGE_TYPE_NAMES.join(', ')})`, { imageType: name });
      }
      imageType[name as ImageTypeName] = validateSettingsMap(`imageType.${name}`, custom);
    }
  }
  if (Object.keys(imageType).length === 0) imageType.Original = {};

  const featureClass: RadiomicsParams['featureClass'] = {};
  const rawClasses = raw.featureClass;
  if (rawClasses !== null && rawClasses !== undefined) {
    if (!isMapping(rawClasses)) throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, "'featureClass' must be a mapping");
    for (const [cls, features] of Object.entries(rawClasses)) {
      if (!(FEATURE_CLASS_NAMES as readonly string[]).includes(cls)) {
        throw radiomicsError(RADIOMICS_ERRORS.PARAM_UNKNOWN, `unknown feature class '${cls}' (known: ${FEATURE_CLASS_NAMES.join(', ')})`, { featureClass: cls });
      }
      const known = FEATURE_NAMES[cls as FeatureClassName];
      const list = features === null || features === undefined ? [] : Array.isArray(features) ? features : [features];
      for (const f of list) {
        if (typeof f !== 'string' || (!known.defaults.includes(f) && !known.optional.includes(f))) {
          throw radiomicsError(RADIOMICS_ERRORS.PARAM_UNKNOWN, `unknown feature '${String(f)}' in class '${cls}'`, { featureClass: cls, feature: f });
        }
      }
      featureClass[cls as FeatureClassName] = list as string[];
    }
  }
  if (Object.keys(featureClass).length === 0) {
    for (const cls of FEATURE_CLASS_NAMES) if (cls !== 'shape2D') featureClass[cls] = [];
  }
  if (raw.voxelSetting !== undefined && raw.voxelSetting !== null && !isMapping(raw.voxelSetting)) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, "'voxelSetting' must be a mapping");
  }
  const explicitKeys = new Set(isMapping(raw.setting) ? Object.keys(raw.setting) : []);
  const featureClassWritten = rawClasses !== null && rawClasses !== undefined;
  const ibsi = resolveIbsiMode(setting, explicitKeys, imageType as Record<string, Partial<RadiomicsSettings>>, featureClassWritten);
  return ibsi ? { imageType, featureClass, setting, ibsi } : { imageType, featureClass, setting };
}

/** Parse and validate a PyRadiomics YAML parameter file. */
// The YAML parser is loaded on first use: callers passing parsed params (model bundles) never pay for it.
let yamlParse: ((text: string) => unknown) | undefined;
function parseYaml(text: string): unknown {
  // Typical parameter files are read by the small subset reader; the full parser loads only for the rest.
  const simple = parseYamlSubset(text);
  if (simple !== undefined) return simple;
  yamlParse ??= (createRequire(import.meta.url)('yaml') as { parse: (t: string) => unknown }).parse;
  return yamlParse(text);
}

export function parseParams(yamlText: string): RadiomicsParams {
  let raw: unknown;
  try {
    raw = yamlText.trim() === '' ? {} : parseYaml(yamlText);
  } catch (e) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_SYNTAX, `the parameter file is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return paramsFromObject(raw);
}

/** Settings for one image type: global settings overridden by that type's custom settings. */
export function settingsForImageType(params: RadiomicsParams, type: ImageTypeName): RadiomicsSettings {
  return { ...params.setting, ...(params.imageType[type] ?? {}) } as RadiomicsSettings;
}
