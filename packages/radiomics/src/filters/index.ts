/**
 * Image types (PyRadiomics `imageType` keys) → derived images with PyRadiomics' names.
 * The extractor calls `IMAGE_TYPES[key](image, mask, { ...settings, ...imageTypeSettings })`.
 */
import type { ImageTypeFn } from './types.ts';
import { boolOpt } from './options.ts';
import { exponentialImage, logarithmImage, squareImage, squareRootImage } from './intensity.ts';
import { gradientMagnitudeImage } from './gradient.ts';
import { logImages } from './log.ts';
import { waveletImages, waveletMargin } from './wavelet.ts';
import { lbp2DImages } from './lbp2d.ts';
import { lbp3DImages } from './lbp3d.ts';

export type { DerivedImage, ImageTypeFn } from './types.ts';
export { squareImage, squareRootImage, logarithmImage, exponentialImage } from './intensity.ts';
export { gradientMagnitudeImage } from './gradient.ts';
export { logImages } from './log.ts';
export { waveletImages } from './wavelet.ts';
export { lbp2DImages } from './lbp2d.ts';
export { lbp3DImages } from './lbp3d.ts';

export const IMAGE_TYPES: Record<string, ImageTypeFn> = {
  Original: (image) => [{ name: 'original', image }],
  LoG: logImages,
  Wavelet: waveletImages,
  Square: (image, _mask, _opts, roi) => [{ name: 'square', image: squareImage(image, roi) }],
  SquareRoot: (image, _mask, _opts, roi) => [{ name: 'squareroot', image: squareRootImage(image, roi) }],
  Logarithm: (image, _mask, _opts, roi) => [{ name: 'logarithm', image: logarithmImage(image, roi) }],
  Exponential: (image, _mask, _opts, roi) => [{ name: 'exponential', image: exponentialImage(image, roi) }],
  Gradient: (image, _mask, opts, roi) => [{ name: 'gradient', image: gradientMagnitudeImage(image, boolOpt(opts, 'gradientUseSpacing', true), roi) }],
  LBP2D: lbp2DImages,
  LBP3D: lbp3DImages,
};

/**
 * Image types whose derived voxels depend only on a bounded neighbourhood: the margin (voxels per axis,
 * x y z) beyond which nothing changes them, bit for bit. The extractor filters such an image type on
 * the ROI's box plus this margin instead of the whole image (an axis where the margin does not fit
 * inside the image is kept whole). Wavelet only: LoG's recursive Gaussian (IIR) reaches every voxel of a
 * line; Square… scale by whole-image extremes.
 */
export const IMAGE_TYPE_MARGINS: Partial<Record<string, (opts: Record<string, unknown>) => [number, number, number]>> = {
  Wavelet: waveletMargin,
};

/** The PyRadiomics image-type keys accepted in a parameter file's `imageType` section. */
export const IMAGE_TYPE_NAMES: readonly string[] = Object.keys(IMAGE_TYPES);

export { computeImageTypesParallel } from './parallel.ts';
export type { ImageTypeJob } from './parallel.ts';
