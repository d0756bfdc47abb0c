/**
 * Resampling of image and mask to a new voxel spacing, as PyRadiomics
 * `imageoperations.resampleImage` does it with SimpleITK's ResampleImageFilter
 * (identity transform, default pixel value 0 outside the input buffer), plus an IBSI
 * (centre-aligned grid, partial-volume mask threshold) variant.
 */
import { TaceError } from '@tace/common';
import type { LabelMap, Mat3, Vec3, Volume } from '@tace/common';
import { bsplineAt, bsplineCoefficients, insideBuffer, linearAt, nearestAt } from './filters/interpolate.ts';
import { indexToPhysical, labelBoundingBox, physicalToIndexMatrix } from './filters/volume-util.ts';

/** SimpleITK interpolator names, or their enum values (1 = NearestNeighbor, 2 = Linear, 3 = BSpline). */
export type Interpolator = 'sitkBSpline' | 'sitkLinear' | 'sitkNearestNeighbor' | number;

/**
 * Pixel type the resampled image is cast to, as SimpleITK does with `SetOutputPixelType(image.GetPixelID())`:
 * integer types are clamped to their range and truncated toward zero (ITK CastPixelWithBoundsChecking).
 * Pass the pixel type of the file the image was read from to reproduce PyRadiomics; default 'float64'.
 */
export type PixelType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export interface ResampleSettings {
  /** Target spacing (mm) per axis x, y, z; 0 keeps the mask's spacing on that axis. */
  resampledPixelSpacing: number[];
  interpolator: Interpolator;
  /** Voxels (in the new grid) added around the label's bounding box; PyRadiomics default 5. */
  padDistance?: number;
  /** Label value of the ROI; default 1. */
  label?: number;
  /**
   * 'pyradiomics' (default): grid aligned to the input origin, cropped to the bounding box + padDistance.
   * 'ibsi': IBSI 1 §2.4 grid whose centre coincides with the input grid centre, over the whole image;
   * the mask is interpolated as a 0/1 image with `maskInterpolator` and kept where ≥ `maskThreshold`.
   */
  alignment?: 'pyradiomics' | 'ibsi';
  /** Output pixel type of the image (see PixelType); default 'float64'. */
  imagePixelType?: PixelType;
  /** IBSI only: interpolator of the 0/1 mask (default 'sitkLinear') and its threshold (default 0.5). */
  maskInterpolator?: Interpolator;
  maskThreshold?: number;
  /** IBSI only: round resampled intensities to the nearest integer (IBSI CT configurations). */
  roundIntensities?: boolean;
}

export interface Resampled {
  image: Volume<Float64Array>;
  mask: LabelMap;
}

type Kind = 'nearest' | 'linear' | 'bspline';

function interpolatorKind(i: Interpolator): Kind {
  if (i === 'sitkNearestNeighbor' || i === 1) return 'nearest';
  if (i === 'sitkLinear' || i === 2) return 'linear';
  if (i === 'sitkBSpline' || i === 3) return 'bspline';
  throw new TaceError('RADIOMICS_INTERPOLATOR_UNSUPPORTED', `Interpolator ${String(i)} is not supported (use sitkBSpline, sitkLinear or sitkNearestNeighbor)`, {
    detail: { interpolator: i },
  });
}

const RANGES: Record<Exclude<PixelType, 'float32' | 'float64'>, [number, number]> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** The cast ITK applies when writing an interpolated value into an output pixel of type `t`. */
export function castPixel(t: PixelType): (v: number) => number {
  if (t === 'float64') return (v) => v;
  if (t === 'float32') return Math.fround;
  const [lo, hi] = RANGES[t];
  return (v) => (v < lo ? lo : v > hi ? hi : Math.trunc(v));
}

/** A sampler for one input volume: value at a continuous index inside the buffer. */
function sampler(v: Volume, kind: Kind): (cx: number, cy: number, cz: number) => number {
  const [nx, ny, nz] = v.size;
  if (kind === 'nearest') return (cx, cy, cz) => nearestAt(v.data, nx, ny, nz, cx, cy, cz);
  if (kind === 'linear') return (cx, cy, cz) => linearAt(v.data, nx, ny, nz, cx, cy, cz);
  const coef = bsplineCoefficients(v.data, nx, ny, nz);
  return (cx, cy, cz) => bsplineAt(coef, nx, ny, nz, cx, cy, cz);
}

interface Grid {
  size: Vec3;
  spacingMm: Vec3;
  originMm: Vec3;
  direction: Mat3;
}

/**
 * ITK ResampleImageFilter::LinearThreadedGenerateData with an identity transform: for each output
 * scanline the input continuous indices of x = 0 and x = size are computed once and each voxel's
 * index is interpolated between them (alpha = x / size). `write(p, value)` gets the interpolated
 * value for voxels inside the input buffer; outside ones keep the default 0.
 */
function resampleOnto(input: Volume, grid: Grid, kind: Kind, write: (p: number, v: number) => void): void {
  const [nx, ny, nz] = grid.size;
  const [inx, iny, inz] = input.size;
  const m = physicalToIndexMatrix(input);
  const o = input.originMm;
  const sample = sampler(input, kind);
  const toIndex = (pt: Vec3): Vec3 => {
    const a = pt[0] - o[0];
    const b = pt[1] - o[1];
    const c = pt[2] - o[2];
    return [m[0] * a + m[1] * b + m[2] * c, m[3] * a + m[4] * b + m[5] * c, m[6] * a + m[7] * b + m[8] * c];
  };
  let p = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const s = toIndex(indexToPhysical(grid as Volume, [0, y, z]));
      const e = toIndex(indexToPhysical(grid as Volume, [nx, y, z]));
      for (let x = 0; x < nx; x++, p++) {
        const alpha = x / nx;
        const beta = 1.0 - alpha;
        const cx = s[0] * beta + e[0] * alpha;
        const cy = s[1] * beta + e[1] * alpha;
        const cz = s[2] * beta + e[2] * alpha;
        if (insideBuffer(cx, cy, cz, inx, iny, inz)) write(p, sample(cx, cy, cz));
      }
    }
  }
}

/** numpy.allclose(a, b): |a − b| ≤ 1e-8 + 1e-5·|b| element-wise. */
function allClose(a: readonly number[], b: readonly number[]): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= 1e-8 + 1e-5 * Math.abs(b[i]));
}

function checkSpacing(s: ResampleSettings): void {
  if (!Array.isArray(s.resampledPixelSpacing) || s.resampledPixelSpacing.length !== 3 || s.resampledPixelSpacing.some((v) => !Number.isFinite(v) || v < 0)) {
    throw new TaceError('RADIOMICS_SETTING_INVALID', 'resampledPixelSpacing must be 3 non-negative numbers (x, y, z in mm; 0 keeps the original spacing)', {
      detail: { setting: 'resampledPixelSpacing', value: s.resampledPixelSpacing },
    });
  }
}

/**
 * PyRadiomics `_checkROI`: the label's bounding box (lower index, size) in the mask, after checking
 * that its corners (±0.5 voxel) lie inside the image's physical extent with a 1e-3 index tolerance.
 */
function checkRoi(image: Volume, mask: LabelMap, label: number): { lower: Vec3; size: Vec3 } {
  const bb = labelBoundingBox(mask, label);
  if (!bb) throw new TaceError('RADIOMICS_LABEL_ABSENT', `Label ${label} is not present in the mask`, { detail: { label } });
  const m = physicalToIndexMatrix(image);
  const corner = (idx: number[]): number[] => {
    const pt = indexToPhysical(mask, idx);
    const d = [pt[0] - image.originMm[0], pt[1] - image.originMm[1], pt[2] - image.originMm[2]];
    return [0, 1, 2].map((r) => m[3 * r] * d[0] + m[3 * r + 1] * d[1] + m[3 * r + 2] * d[2]);
  };
  const lo = corner(bb.lower.map((v) => v - 0.5));
  const hi = corner(bb.lower.map((v, i) => v + bb.size[i] - 0.5));
  const tol = 1e-3;
  for (let i = 0; i < 3; i++) {
    if (Math.min(lo[i], hi[i]) < -0.5 - tol || Math.max(lo[i], hi[i]) > image.size[i] - 0.5 + tol) {
      throw new TaceError('RADIOMICS_ROI_OUTSIDE_IMAGE', 'The bounding box of the ROI extends outside the physical space of the image', {
        detail: { axis: i, imageSize: image.size },
      });
    }
  }
  return bb;
}

/** PyRadiomics cropToTumorMask with padDistance: crop both volumes to the bounding box ± pad (clamped). */
export function cropToBoundingBox(image: Volume, mask: LabelMap, lower: Vec3, size: Vec3, padDistance: number): Resampled {
  const lo = [0, 1, 2].map((i) => Math.max(lower[i] - padDistance, 0));
  const hi = [0, 1, 2].map((i) => Math.min(lower[i] + size[i] - 1 + padDistance, image.size[i] - 1));
  const outSize: Vec3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const n = outSize[0] * outSize[1] * outSize[2];
  const img = new Float64Array(n);
  const msk = new Uint8Array(n);
  const [nx, ny] = image.size;
  let p = 0;
  for (let z = lo[2]; z <= hi[2]; z++) {
    for (let y = lo[1]; y <= hi[1]; y++) {
      const row = nx * (y + ny * z);
      for (let x = lo[0]; x <= hi[0]; x++, p++) {
        img[p] = image.data[row + x];
        msk[p] = mask.data[row + x];
      }
    }
  }
  const originMm = indexToPhysical(image, lo);
  const geo = { size: outSize, spacingMm: [...image.spacingMm] as Vec3, originMm, direction: [...image.direction] as Mat3 };
  return { image: { ...geo, data: img }, mask: { ...geo, size: [...outSize] as Vec3, originMm: [...originMm] as Vec3, data: msk } };
}

/**
 * Resample `image` and `mask` to `s.resampledPixelSpacing`.
 *
 * PyRadiomics alignment (imageoperations.resampleImage): spacing 0 → mask spacing; axes where the
 * ROI spans one voxel keep the mask spacing; with r = oldSpacing / newSpacing and the label's
 * bounding box (lower L, size S) in the mask,
 *   newLower = max(0, floor((L − 0.5)·r − pad)),  newUpper = min(ceil(size·r) − 1, ceil((L + S − 0.5)·r + pad)),
 *   newSize  = newUpper − newLower + 1,
 *   newOrigin = mask.indexToPhysical(0.5·(newSpacing − oldSpacing)/oldSpacing + newLower / r),
 * direction = mask direction; the image is interpolated with `interpolator`, the mask with nearest
 * neighbour. When the new spacing equals the image spacing (numpy.allclose) nothing is interpolated:
 * the mask is put on the image grid (nearest neighbour) and both are cropped to the box ± pad.
 */
export function resampleImageAndMask(image: Volume<Float64Array>, mask: LabelMap, s: ResampleSettings): Resampled {
  checkSpacing(s);
  if ((s.alignment ?? 'pyradiomics') === 'ibsi') return resampleIbsi(image, mask, s);
  const label = s.label ?? 1;
  const pad = s.padDistance ?? 5;
  const kind = interpolatorKind(s.interpolator);
  const maskSpacing = mask.spacingMm;
  let spacing = s.resampledPixelSpacing.map((v, i) => (v === 0 ? maskSpacing[i] : v));
  const bb = checkRoi(image, mask, label);
  spacing = spacing.map((v, i) => (bb.size[i] !== 1 ? v : maskSpacing[i]));

  if (allClose(image.spacingMm, spacing)) {
    const onImage = maskOnImageGrid(image, mask);
    const bb2 = labelBoundingBox(onImage, label);
    if (!bb2) throw new TaceError('RADIOMICS_LABEL_ABSENT', `Label ${label} is not present in the mask after matching the image grid`, { detail: { label } });
    return cropToBoundingBox(image, onImage, bb2.lower, bb2.size, pad);
  }

  const ratio = maskSpacing.map((v, i) => v / spacing[i]);
  const lower: number[] = [];
  const size: number[] = [];
  const originIndex: number[] = [];
  for (let i = 0; i < 3; i++) {
    let lo = Math.floor((bb.lower[i] - 0.5) * ratio[i] - pad);
    let up = Math.ceil((bb.lower[i] + bb.size[i] - 0.5) * ratio[i] + pad);
    const maxUp = Math.ceil(mask.size[i] * ratio[i]) - 1;
    if (lo < 0) lo = 0;
    if (up > maxUp) up = maxUp;
    lower.push(lo);
    size.push(Math.trunc(up - lo + 1));
    originIndex.push((0.5 * (spacing[i] - maskSpacing[i])) / maskSpacing[i] + lo / ratio[i]);
  }
  const grid: Grid = {
    size: size as Vec3,
    spacingMm: spacing as Vec3,
    originMm: indexToPhysical(mask, originIndex),
    direction: [...mask.direction] as Mat3,
  };
  return resampleBoth(image, mask, grid, kind, s.imagePixelType ?? 'float64');
}

function resampleBoth(image: Volume, mask: LabelMap, grid: Grid, kind: Kind, pixelType: PixelType): Resampled {
  const n = grid.size[0] * grid.size[1] * grid.size[2];
  const img = new Float64Array(n);
  const cast = castPixel(pixelType);
  resampleOnto(image, grid, kind, (p, v) => {
    img[p] = cast(v);
  });
  const msk = new Uint8Array(n);
  resampleOnto(mask, grid, 'nearest', (p, v) => {
    msk[p] = v;
  });
  return { image: { ...copyGrid(grid), data: img }, mask: { ...copyGrid(grid), data: msk } };
}

function copyGrid(g: Grid): Grid {
  return { size: [...g.size] as Vec3, spacingMm: [...g.spacingMm] as Vec3, originMm: [...g.originMm] as Vec3, direction: [...g.direction] as Mat3 };
}

/** The mask resampled (nearest neighbour) onto the image grid; returned as is when geometries already agree. */
function maskOnImageGrid(image: Volume, mask: LabelMap): LabelMap {
  const same =
    image.size.every((v, i) => v === mask.size[i]) &&
    image.spacingMm.every((v, i) => v === mask.spacingMm[i]) &&
    image.originMm.every((v, i) => v === mask.originMm[i]) &&
    image.direction.every((v, i) => v === mask.direction[i]);
  if (same) return mask;
  const grid: Grid = copyGrid(image);
  const msk = new Uint8Array(image.data.length);
  resampleOnto(mask, grid, 'nearest', (p, v) => {
    msk[p] = v;
  });
  return { ...grid, data: msk };
}

/**
 * IBSI 1 (§2.4, "align grid centers"): new size n_b = ceil(n_a·s_a / s_b), origin shifted so that the
 * grid centres coincide: first voxel at continuous index ((n_a − 1) − (s_b / s_a)(n_b − 1)) / 2 of the
 * input. The whole image is resampled (no cropping); the 0/1 mask of `label` is interpolated and
 * voxels ≥ maskThreshold (default 0.5) get `label`.
 */
function resampleIbsi(image: Volume<Float64Array>, mask: LabelMap, s: ResampleSettings): Resampled {
  const label = s.label ?? 1;
  const kind = interpolatorKind(s.interpolator);
  const maskKind = interpolatorKind(s.maskInterpolator ?? 'sitkLinear');
  const threshold = s.maskThreshold ?? 0.5;
  const spacing = s.resampledPixelSpacing.map((v, i) => (v === 0 ? image.spacingMm[i] : v));
  const size = image.size.map((n, i) => Math.ceil((n * image.spacingMm[i]) / spacing[i] - 1e-9)) as Vec3;
  const originIndex = image.size.map((n, i) => ((n - 1) - (spacing[i] / image.spacingMm[i]) * (size[i] - 1)) / 2);
  const grid: Grid = { size, spacingMm: spacing as Vec3, originMm: indexToPhysical(image, originIndex), direction: [...image.direction] as Mat3 };
  const n = size[0] * size[1] * size[2];
  const img = new Float64Array(n);
  const cast = castPixel(s.imagePixelType ?? 'float64');
  const round = s.roundIntensities === true;
  resampleOnto(image, grid, kind, (p, v) => {
    img[p] = round ? Math.round(cast(v)) : cast(v);
  });
  const binary: Volume<Float64Array> = { ...copyGrid(mask), data: new Float64Array(mask.data.length) };
  for (let i = 0; i < mask.data.length; i++) binary.data[i] = mask.data[i] === label ? 1 : 0;
  const msk = new Uint8Array(n);
  resampleOnto(binary, grid, maskKind, (p, v) => {
    if (v >= threshold) msk[p] = label;
  });
  return { image: { ...copyGrid(grid), data: img }, mask: { ...copyGrid(grid), data: msk } };
}
