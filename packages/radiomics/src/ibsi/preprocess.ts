/**
 * The IBSI image-processing chain up to (not including) discretisation, with the diagnostic
 * descriptors the IBSI CT-phantom tables list after each step (manual 5, "Diagnostic features").
 */
import { TaceError } from '@tace/common';
import type { LabelMap, Volume } from '@tace/common';
import { boundingBox } from './grid.ts';
import type { IbsiGrid } from './grid.ts';
import { resampleImageAndMask } from './resample.ts';
import type { IbsiConfig, IbsiFeature } from './types.ts';

function diag(tag: string, aggregation: string, value: number): IbsiFeature {
  return { tag, family: 'diagnostics', aggregation, value };
}

function imageDiagnostics(
  suffix: string,
  aggregation: string,
  size: [number, number, number],
  spacingMm: [number, number, number],
  image: ArrayLike<number>,
): IbsiFeature[] {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < image.length; i++) {
    const v = image[i] ?? 0;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out: IbsiFeature[] = [];
  (['x', 'y', 'z'] as const).forEach((a, k) => out.push(diag(`img_dim_${a}_${suffix}`, aggregation, size[k] ?? 0)));
  (['x', 'y', 'z'] as const).forEach((a, k) => out.push(diag(`vox_dim_${a}_${suffix}`, aggregation, spacingMm[k] ?? 0)));
  out.push(diag(`mean_int_${suffix}`, aggregation, sum / image.length));
  out.push(diag(`min_int_${suffix}`, aggregation, min));
  out.push(diag(`max_int_${suffix}`, aggregation, max));
  return out;
}

function roiDiagnostics(
  suffix: string,
  aggregation: string,
  size: [number, number, number],
  image: ArrayLike<number>,
  intensityMask: Uint8Array,
  morphMask: Uint8Array,
): IbsiFeature[] {
  const out: IbsiFeature[] = [];
  const axes = ['x', 'y', 'z'] as const;
  axes.forEach((a, k) => out.push(diag(`int_mask_dim_${a}_${suffix}`, aggregation, size[k] ?? 0)));
  const bbI = boundingBox(intensityMask, size[0], size[1], size[2]);
  const bbM = boundingBox(morphMask, size[0], size[1], size[2]);
  axes.forEach((a, k) =>
    out.push(diag(`int_mask_bb_dim_${a}_${suffix}`, aggregation, bbI ? (bbI.hi[k] ?? 0) - (bbI.lo[k] ?? 0) + 1 : 0)),
  );
  axes.forEach((a, k) =>
    out.push(diag(`morph_mask_bb_dim_${a}_${suffix}`, aggregation, bbM ? (bbM.hi[k] ?? 0) - (bbM.lo[k] ?? 0) + 1 : 0)),
  );
  let nI = 0;
  let nM = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < intensityMask.length; i++) {
    if (morphMask[i]) nM++;
    if (!intensityMask[i]) continue;
    const v = image[i] ?? 0;
    nI++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  out.push(diag(`int_mask_vox_count_${suffix}`, aggregation, nI));
  out.push(diag(`morph_mask_vox_count_${suffix}`, aggregation, nM));
  out.push(diag(`int_mask_mean_int_${suffix}`, aggregation, sum / nI));
  out.push(diag(`int_mask_min_int_${suffix}`, aggregation, min));
  out.push(diag(`int_mask_max_int_${suffix}`, aggregation, max));
  return out;
}

export interface Preprocessed {
  grid: IbsiGrid;
  diagnostics: IbsiFeature[];
}

/** Interpolation → re-segmentation (range, then outlier filter) on the full image grid. */
export function preprocess(image: Volume, mask: LabelMap, config: IbsiConfig): Preprocessed {
  const size: [number, number, number] = [image.size[0], image.size[1], image.size[2]];
  const n = size[0] * size[1] * size[2];
  if (mask.size[0] !== size[0] || mask.size[1] !== size[1] || mask.size[2] !== size[2])
    throw new TaceError('IBSI_GEOMETRY_MISMATCH', 'image and mask sizes differ');
  for (let k = 0; k < 3; k++) {
    const tol = 1e-3 * Math.max(1, Math.abs(image.spacingMm[k] ?? 1));
    if (Math.abs((image.spacingMm[k] ?? 0) - (mask.spacingMm[k] ?? 0)) > tol || Math.abs((image.originMm[k] ?? 0) - (mask.originMm[k] ?? 0)) > tol)
      throw new TaceError('IBSI_GEOMETRY_MISMATCH', 'image and mask spacing or origin differ', {
        detail: { axis: k, imageSpacingMm: image.spacingMm[k], maskSpacingMm: mask.spacingMm[k] },
      });
  }
  const roi = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const m = mask.data[i] ?? 0;
    const v = image.data[i] ?? 0;
    if (Number.isNaN(v)) throw new TaceError('IBSI_IMAGE_NAN', 'image contains NaN voxels');
    if (config.label === undefined ? m !== 0 : m === config.label) {
      roi[i] = 1;
      count++;
    }
  }
  if (count === 0) throw new TaceError('IBSI_EMPTY_MASK', 'the ROI mask has no voxel with the requested label');
  const spacing: [number, number, number] = [image.spacingMm[0], image.spacingMm[1], image.spacingMm[2]];
  const diagnostics: IbsiFeature[] = [];
  diagnostics.push(...imageDiagnostics('init_img', 'initial image', size, spacing, image.data));
  diagnostics.push(...roiDiagnostics('init_roi', 'initial ROI', size, image.data, roi, roi));

  let g: IbsiGrid;
  if (config.resampling) {
    const r = resampleImageAndMask(image.data, roi, size, spacing, config.resampling, config.mode === '2D');
    g = {
      nx: r.size[0], ny: r.size[1], nz: r.size[2], spacingMm: r.spacingMm,
      image: r.image, morphMask: r.mask, intensityMask: r.mask.slice(),
    };
  } else {
    g = {
      nx: size[0], ny: size[1], nz: size[2], spacingMm: spacing,
      image: Float64Array.from(image.data), morphMask: roi, intensityMask: roi.slice(),
    };
  }
  const gsize: [number, number, number] = [g.nx, g.ny, g.nz];
  diagnostics.push(...imageDiagnostics('interp_img', 'interpolated image', gsize, g.spacingMm, g.image));
  diagnostics.push(...roiDiagnostics('interp_roi', 'interpolated ROI', gsize, g.image, g.intensityMask, g.morphMask));

  const [lo, hi] = config.resegmentationRange ?? [-Infinity, Infinity];
  for (let i = 0; i < g.image.length; i++) {
    const v = g.image[i] ?? 0;
    if (g.intensityMask[i] && (v < lo || v > hi)) g.intensityMask[i] = 0;
  }
  if (config.outlierSigma !== undefined) {
    let s = 0;
    let s2 = 0;
    let k = 0;
    for (let i = 0; i < g.image.length; i++)
      if (g.intensityMask[i]) {
        const v = g.image[i] ?? 0;
        s += v;
        s2 += v * v;
        k++;
      }
    const mean = s / k;
    const sd = Math.sqrt(Math.max(0, s2 / k - mean * mean));
    const a = mean - config.outlierSigma * sd;
    const b = mean + config.outlierSigma * sd;
    for (let i = 0; i < g.image.length; i++) {
      const v = g.image[i] ?? 0;
      if (g.intensityMask[i] && (v < a || v > b)) g.intensityMask[i] = 0;
    }
  }
  diagnostics.push(...roiDiagnostics('reseg_roi', 'resegmented ROI', gsize, g.image, g.intensityMask, g.morphMask));
  let left = 0;
  for (let i = 0; i < g.intensityMask.length; i++) left += g.intensityMask[i] ?? 0;
  if (left === 0) throw new TaceError('IBSI_EMPTY_AFTER_RESEGMENTATION', 'no ROI voxel is left after re-segmentation');
  return { grid: g, diagnostics };
}
