/**
 * Texture feature classes (PyRadiomics glcm, glrlm, glszm, gldm, ngtdm) over a discretized ROI.
 *
 * Input: the discretized image as `discretize()` returns it (bins 1..Ng inside the ROI, 0 outside,
 * x fastest), its size and spacing in (x, y, z) order, and the class settings. The image may be the whole
 * volume or already cropped: every class crops to the ROI bounding box first, and generates its angles
 * from that box's size, as PyRadiomics does after cropToTumorMask.
 *
 * Output keys are PyRadiomics feature names without prefix (`Contrast`, `Idmn`, `ZoneEntropy`); the
 * extractor prefixes `<imageType>_<class>_`. Each class returns every feature PyRadiomics enables by
 * default (deprecated features, which PyRadiomics never computes, are listed in DEPRECATED_FEATURES).
 *
 * For IBSI aggregation (2D / 2.5D / 3D, averaged / merged), the per-class `compute*` functions return the
 * matrices per angle; call them on one slice (size [nx, ny, 1]) for per-slice matrices. See kernels/.
 */
import { glcmFeatures } from './glcm.ts';
import { glrlmFeatures } from './glrlm.ts';
import { glszmFeatures } from './glszm.ts';
import { gldmFeatures } from './gldm.ts';
import { ngtdmFeatures } from './ngtdm.ts';
import type { TextureClassName, TextureInput } from './textureCommon.ts';

export type { TextureClassName, TextureInput, TextureSettings, WeightingNorm } from './textureCommon.ts';
export { EPS, angleDistance, distancesOf, force2Ddim, nanmean } from './textureCommon.ts';

export const TEXTURE_CLASSES: Record<TextureClassName, (input: TextureInput) => Record<string, number>> = {
  glcm: glcmFeatures,
  glrlm: glrlmFeatures,
  glszm: glszmFeatures,
  gldm: gldmFeatures,
  ngtdm: ngtdmFeatures,
};

/**
 * Features PyRadiomics defines but marks deprecated: never enabled by default, and computing them only
 * raises a DeprecationWarning (no value). Requesting one by name should be reported, not computed.
 */
export const DEPRECATED_FEATURES: Record<TextureClassName, readonly string[]> = {
  glcm: ['Dissimilarity', 'Homogeneity1', 'Homogeneity2', 'SumVariance'],
  glrlm: [],
  glszm: [],
  gldm: ['GrayLevelNonUniformityNormalized', 'DependencePercentage'],
  ngtdm: [],
};

