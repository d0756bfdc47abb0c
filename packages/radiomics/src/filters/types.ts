import type { LabelMap, Volume } from '@tace/common';
import type { IndexRange } from './volume-util.ts';

/** One derived image: its PyRadiomics image-type name (`original`, `log-sigma-3-0-mm-3D`, `wavelet-LLH`, …). */
export interface DerivedImage {
  name: string;
  image: Volume<Float64Array>;
}

/**
 * An image type (PyRadiomics `imageoperations.get<Type>Image`): image and mask in, derived images out.
 * `opts` carries the merged settings (global `setting` + the image type's own, e.g. `sigma`, `wavelet`,
 * `level`, `start_level`, `force2D`, `force2Ddimension`, `gradientUseSpacing`, `lbp2DRadius`, `label`).
 *
 * `roi`, when given: the caller reads the derived images only inside these index ranges (the ROI's
 * box), so a filter may leave other voxels 0 if that saves work (LoG does); inside, the values must be
 * exactly those of the whole image.
 */
export type ImageTypeFn = (image: Volume<Float64Array>, mask: LabelMap, opts: Record<string, unknown>, roi?: IndexRange) => DerivedImage[];
