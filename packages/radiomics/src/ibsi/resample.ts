/**
 * IBSI interpolation (manual 2.4): the new grid has size ceil(n·s/s') per axis and is aligned on
 * the centre of the original grid, so the first new voxel centre sits at
 * x0 + (s·(n−1) − s'·(n'−1))/2 in world units. Samples outside the original grid take the value
 * of the nearest boundary voxel (edge padding). The ROI mask is interpolated as a real-valued
 * image and thresholded at the partial-volume fraction (0.5).
 */
import type { IbsiResampling } from './types.ts';
import { resampleFieldCubic } from './cubicSpline.ts';

export interface ResampledAxis {
  size: number;
  /** Position of new voxel 0 in original index units. */
  start: number;
  /** Step in original index units. */
  step: number;
}

export function centreAlignedAxis(n: number, spacingMm: number, newSpacingMm: number): ResampledAxis {
  // Guard against n·s/s' landing a hair above an integer through float error.
  const size = Math.max(1, Math.ceil((n * spacingMm) / newSpacingMm - 1e-9));
  const startMm = (spacingMm * (n - 1) - newSpacingMm * (size - 1)) / 2;
  return { size, start: startMm / spacingMm, step: newSpacingMm / spacingMm };
}

interface AxisWeights {
  i0: Int32Array;
  i1: Int32Array;
  w1: Float64Array;
}

/** Per-axis linear (or nearest) sample positions with edge clamping. */
function axisWeights(ax: ResampledAxis, n: number, nearest: boolean): AxisWeights {
  const i0 = new Int32Array(ax.size);
  const i1 = new Int32Array(ax.size);
  const w1 = new Float64Array(ax.size);
  for (let k = 0; k < ax.size; k++) {
    let p = ax.start + k * ax.step;
    if (p < 0) p = 0;
    if (p > n - 1) p = n - 1;
    if (nearest) {
      const r = Math.min(n - 1, Math.floor(p + 0.5));
      i0[k] = r;
      i1[k] = r;
      w1[k] = 0;
    } else {
      const f = Math.min(Math.floor(p), Math.max(0, n - 2));
      i0[k] = f;
      i1[k] = Math.min(f + 1, n - 1);
      w1[k] = p - f;
    }
  }
  return { i0, i1, w1 };
}

/** Separable trilinear (or nearest) resampling of a scalar field onto the axes given. */
export function resampleField(
  src: ArrayLike<number>,
  size: [number, number, number],
  axes: [ResampledAxis, ResampledAxis, ResampledAxis],
  nearest: boolean,
): Float64Array {
  const [nx, ny, nz] = size;
  const wx = axisWeights(axes[0], nx, nearest);
  const wy = axisWeights(axes[1], ny, nearest);
  const wz = axisWeights(axes[2], nz, nearest);
  const mx = axes[0].size;
  const my = axes[1].size;
  const mz = axes[2].size;
  // Pass 1: x. Pass 2: y. Pass 3: z. Linear interpolation is separable, so this equals trilinear.
  const a = new Float64Array(mx * ny * nz);
  for (let zy = 0; zy < ny * nz; zy++) {
    const base = zy * nx;
    const ob = zy * mx;
    for (let k = 0; k < mx; k++) {
      const w = wx.w1[k] ?? 0;
      a[ob + k] = (1 - w) * (src[base + (wx.i0[k] ?? 0)] ?? 0) + w * (src[base + (wx.i1[k] ?? 0)] ?? 0);
    }
  }
  const b = new Float64Array(mx * my * nz);
  for (let z = 0; z < nz; z++)
    for (let k = 0; k < my; k++) {
      const w = wy.w1[k] ?? 0;
      const r0 = mx * ((wy.i0[k] ?? 0) + ny * z);
      const r1 = mx * ((wy.i1[k] ?? 0) + ny * z);
      const o = mx * (k + my * z);
      for (let x = 0; x < mx; x++) b[o + x] = (1 - w) * (a[r0 + x] ?? 0) + w * (a[r1 + x] ?? 0);
    }
  const c = new Float64Array(mx * my * mz);
  const plane = mx * my;
  for (let k = 0; k < mz; k++) {
    const w = wz.w1[k] ?? 0;
    const p0 = plane * (wz.i0[k] ?? 0);
    const p1 = plane * (wz.i1[k] ?? 0);
    const o = plane * k;
    for (let i = 0; i < plane; i++) c[o + i] = (1 - w) * (b[p0 + i] ?? 0) + w * (b[p1 + i] ?? 0);
  }
  return c;
}

export interface ResampledImageAndMask {
  size: [number, number, number];
  spacingMm: [number, number, number];
  image: Float64Array;
  mask: Uint8Array;
}

/**
 * Resample image and ROI mask onto the centre-aligned grid. In 2D mode the slice axis (z) is kept.
 */
export function resampleImageAndMask(
  image: ArrayLike<number>,
  mask: Uint8Array,
  size: [number, number, number],
  spacingMm: [number, number, number],
  r: IbsiResampling,
  inPlaneOnly: boolean,
): ResampledImageAndMask {
  const target: [number, number, number] = [r.spacingMm[0], r.spacingMm[1], inPlaneOnly ? spacingMm[2] : r.spacingMm[2]];
  const axes: [ResampledAxis, ResampledAxis, ResampledAxis] = [
    centreAlignedAxis(size[0], spacingMm[0], target[0]),
    centreAlignedAxis(size[1], spacingMm[1], target[1]),
    centreAlignedAxis(size[2], spacingMm[2], target[2]),
  ];
  const img =
    r.interpolation === 'cubic' ? resampleFieldCubic(image, size, axes) : resampleField(image, size, axes, r.interpolation === 'nearest');
  if (r.roundIntensities) for (let i = 0; i < img.length; i++) img[i] = Math.round(img[i] ?? 0);
  const m = resampleField(mask, size, axes, r.maskInterpolation === 'nearest');
  // A hair below the threshold still counts: 0.5 can come out as 0.4999… in floating point.
  const thr = (r.maskThreshold ?? 0.5) - 1e-9;
  const outMask = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) outMask[i] = (m[i] ?? 0) >= thr ? 1 : 0;
  return { size: [axes[0].size, axes[1].size, axes[2].size], spacingMm: target, image: img, mask: outMask };
}
