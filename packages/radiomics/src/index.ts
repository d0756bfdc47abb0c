/**
 * @tace/radiomics — a PyRadiomics-compatible radiomics engine over typed arrays.
 *
 *   extractFeatures(image, mask, params | yamlText, { label }) → { diagnostics_…, original_shape_…, … }
 *   parseParams(yamlText) → RadiomicsParams
 *   readNrrd(buf) / readNifti(buf) / readImageFile(path) → Volume (LPS)
 */
export { extractFeatures, type ExtractOptions, type FeatureVector } from './extractor.ts';
export {
  parseParams, paramsFromObject, defaultSettings, validateSetting, registerSettingRule, settingsForImageType,
  type RadiomicsParams, type RadiomicsSettings, type ResegmentMode, type SettingRule,
} from './params.ts';
export { readNrrd, readNifti, readImageFile, readImageBuffer, readLabelMapFile, toLabelMap } from './io/index.ts';
export { RADIOMICS_ERRORS, type RadiomicsErrorCode } from './errors.ts';
export {
  FEATURE_CLASS_NAMES, FEATURE_NAMES, IMAGE_TYPE_NAMES, type FeatureClassName, type ImageTypeName,
} from './featureNames.ts';
export { firstOrderFeatures } from './firstorder.ts';
export { shapeFeatures, meshMetrics, type BinaryRoi } from './shape.ts';
export { shape2DFeatures, type BinaryRoi2D } from './shape2D.ts';
export { runRadiomicsCli } from './cli.ts';
