/**
 * @tace/radiomics — a PyRadiomics-compatible radiomics engine over typed arrays.
 *
 *   extractFeatures(image, mask, params | yamlText, { label }) → { diagnostics_…, original_shape_…, … }
 *   parseParams(yamlText) → RadiomicsParams
 *   readNrrd(buf) / readNifti(buf) / readImageFile(path) → Volume (LPS)
 */
import { createRequire } from 'node:module';
import type * as Ibsi from './ibsi/index.ts';

export { extractFeatures, type ExtractOptions, type FeatureVector } from './extractor.ts';
export { extractFeaturesParallel, type ParallelOptions } from './parallel.ts';
export {
  parseParams, paramsFromObject, defaultSettings, validateSetting, registerSettingRule, settingsForImageType,
  type RadiomicsParams, type RadiomicsSettings, type ResegmentMode, type SettingRule,
} from './params.ts';
export { readNrrd, readNrrdAsync, readNifti, readImageFile, readImageBuffer, readImageBufferAsync, readLabelMapFile, toLabelMap } from './io/index.ts';
export {
  registerImageReader, unregisterImageReader, registeredImageReaders, loadReaderModule, readerModules,
  type ImageReader, type ImageReadOptions, type MaskReadOptions,
} from './io/registry.ts';
export { RADIOMICS_ERRORS, type RadiomicsErrorCode } from './errors.ts';
export {
  FEATURE_CLASS_NAMES, FEATURE_NAMES, IMAGE_TYPE_NAMES, type FeatureClassName, type ImageTypeName,
} from './featureNames.ts';
export { firstOrderFeatures } from './firstorder.ts';
export { shapeFeatures, meshMetrics, type BinaryRoi } from './shape.ts';
export { shape2DFeatures, type BinaryRoi2D } from './shape2D.ts';
export { runRadiomicsCli } from './cli.ts';
export { IBSI_CODES, ibsiCodeOf } from './ibsi/codes.ts';
export type {
  IbsiAggregation, IbsiConfig, IbsiDiscretisation, IbsiFamily, IbsiFeature, IbsiResampling,
} from './ibsi/index.ts';
// IBSI mode of extractFeatures (`setting: { standard: ibsi }`): names, codes, parameter errors, PyRadiomics equivalents (light modules).
export { ibsiFeatureRows, describeIbsiFeature, ibsiFeatureName, type IbsiFeatureRow, type IbsiFeatureInfo } from './ibsiNames.ts';
export { IBSI_PARAM_ERRORS, IBSI_AGGREGATION_NAMES, type IbsiModeConfig, type IbsiParamErrorCode, type IbsiAggregationName } from './ibsiParams.ts';
export { IBSI_PYRADIOMICS_SAME, IBSI_PYRADIOMICS_DIFFERENT, pyradiomicsEquivalent } from './ibsiEquivalents.ts';
export { TEXTURE_CLASSES, type TextureInput, type TextureSettings } from './texture.ts';
export { discretize, getBinEdges } from './discretize.ts';
export { resampleImageAndMask } from './resample.ts';
export { IMAGE_TYPES } from './filters/index.ts';

// The IBSI module (≈25 modules with the convex-hull package) loads on the first extractIbsi call, not
// with the package: a PyRadiomics-mode process never pays for it. require() of an ES module is
// synchronous in Node ≥ 22.12 and shares the ES module cache, so extractIbsi stays synchronous.
const requireLazy = createRequire(import.meta.url);
/** IBSI 1 extraction: see `ibsi/index.ts` (loaded on first call). */
export function extractIbsi(...args: Parameters<typeof Ibsi.extractIbsi>): ReturnType<typeof Ibsi.extractIbsi> {
  return (requireLazy('./ibsi/index.ts') as typeof Ibsi).extractIbsi(...args);
}
