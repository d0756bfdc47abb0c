import type { LabelMap, Volume } from '@tace/common';

/** One derived image: its PyRadiomics image-type name (`original`, `log-sigma-3-0-mm-3D`, `wavelet-LLH`, …). */
export interface DerivedImage {
  name: string;
  image: Volume<Float64Array>;
}

/**
 * An image type (PyRadiomics `imageoperations.get<Type>Image`): image and mask in, derived images out.
 * `opts` carries the merged settings (global `setting` + the image type's own, e.g. `sigma`, `wavelet`,
 * `level`, `start_level`, `force2D`, `force2Ddimension`, `gradientUseSpacing`, `lbp2DRadius`, `label`).
 */
export type ImageTypeFn = (image: Volume<Float64Array>, mask: LabelMap, opts: Record<string, unknown>) => DerivedImage[];
