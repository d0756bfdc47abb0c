import { TaceError, type LabelMap, type Vec3, type Volume, type VoxelArray } from '@tace/common';
import { indexToPhysical } from './geometry.ts';

export interface CropResult<T extends VoxelArray> {
  volume: Volume<T>;
  mask: LabelMap;
  /** Index of the crop's first voxel in the input grid. */
  offset: Vec3;
}

function sameGrid(a: Volume, b: Volume): boolean {
  const close = (x: readonly number[], y: readonly number[]): boolean => x.every((v, i) => Math.abs(v - y[i]) < 1e-4);
  return close(a.size, b.size) && close(a.spacingMm, b.spacingMm) && close(a.originMm, b.originMm) && close(a.direction, b.direction);
}

function cropArray<T extends VoxelArray>(v: Volume<T>, lo: Vec3, size: Vec3): T {
  const [nx, ny] = v.size;
  const Ctor = v.data.constructor as new (n: number) => T;
  const out = new Ctor(size[0] * size[1] * size[2]);
  for (let k = 0; k < size[2]; k++) {
    for (let j = 0; j < size[1]; j++) {
      const src = lo[0] + nx * (lo[1] + j + ny * (lo[2] + k));
      out.set(v.data.subarray(src, src + size[0]) as unknown as ArrayLike<number>, size[0] * (j + size[1] * k));
    }
  }
  return out;
}

/**
 * Crop a volume and its mask to the bounding box of the mask's non-zero voxels grown by
 * `marginMm` on each side (ceil(marginMm / spacing) voxels per axis), clipped to the grid.
 * The new origin is the physical position of the first kept voxel:
 * origin' = origin + D · (offset ⊙ spacing).
 */
export function cropToRoi<T extends VoxelArray>(volume: Volume<T>, mask: LabelMap, marginMm: number): CropResult<T> {
  if (!sameGrid(volume, mask)) throw new TaceError('DICOM_SEG_GEOMETRY_MISMATCH', 'Mask and volume are on different grids');
  const [nx, ny, nz] = mask.size;
  const lo: Vec3 = [nx, ny, nz], hi: Vec3 = [-1, -1, -1];
  for (let k = 0, p = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, p++) {
        if (mask.data[p] === 0) continue;
        if (i < lo[0]) lo[0] = i; if (i > hi[0]) hi[0] = i;
        if (j < lo[1]) lo[1] = j; if (j > hi[1]) hi[1] = j;
        if (k < lo[2]) lo[2] = k; if (k > hi[2]) hi[2] = k;
      }
    }
  }
  if (hi[0] < 0) throw new TaceError('DICOM_EMPTY_SEGMENTATION', 'The segmentation mask has no foreground voxels');
  const offset: Vec3 = [0, 0, 0], size: Vec3 = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    const m = Math.ceil(marginMm / volume.spacingMm[a] - 1e-9);
    offset[a] = Math.max(0, lo[a] - m);
    size[a] = Math.min(volume.size[a] - 1, hi[a] + m) - offset[a] + 1;
  }
  const geo = { size, spacingMm: [...volume.spacingMm] as Vec3, originMm: indexToPhysical(volume, offset), direction: [...volume.direction] as Volume['direction'] };
  return {
    volume: { ...geo, data: cropArray(volume, offset, size) },
    mask: { ...geo, data: cropArray(mask, offset, size) },
    offset,
  };
}
