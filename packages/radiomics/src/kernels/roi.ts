/**
 * The discretized ROI laid out for the matrix kernels: cropped to the ROI bounding box and padded with
 * `pad` background voxels on every side, so neighbour look-ups at offsets up to `pad` never need a
 * bounds check (a background voxel has gray level 0, which no kernel counts).
 * Memory order is x fastest (the same as PyRadiomics' numpy (z, y, x) C-order arrays), so iterating
 * `roi` in increasing order visits voxels in the order PyRadiomics' C loops do.
 */
import { RADIOMICS_ERRORS, radiomicsError } from '../errors.ts';
import type { Vec3 } from '@tace/common';

export interface RoiGrid {
  /** Gray level 1..Ng inside the ROI, 0 outside; padded grid. */
  data: Int32Array;
  /** Padded grid size (x, y, z). */
  nx: number;
  ny: number;
  nz: number;
  pad: number;
  /** ROI bounding-box size in numpy order (z, y, x): what PyRadiomics generates angles from. */
  bboxSizeZYX: [number, number, number];
  /** Linear indices (in the padded grid) of the ROI voxels, increasing. */
  roi: Int32Array;
  /** Largest gray level in the ROI (PyRadiomics coefficients['Ng']). */
  Ng: number;
  /** Gray levels present in the ROI, ascending (PyRadiomics coefficients['grayLevels']). */
  grayLevels: Int32Array;
}

/** Linear offset in the padded grid of the numpy-order offset (dz, dy, dx). */
export function gridOffset(grid: RoiGrid, dz: number, dy: number, dx: number): number {
  return dz * grid.nx * grid.ny + dy * grid.nx + dx;
}

/** Linear offsets for a flat (dz, dy, dx) angle list. */
export function angleOffsets(grid: RoiGrid, angles: Int32Array): Int32Array {
  const n = angles.length / 3;
  const out = new Int32Array(n);
  for (let a = 0; a < n; a++) out[a] = gridOffset(grid, angles[3 * a]!, angles[3 * a + 1]!, angles[3 * a + 2]!);
  return out;
}

/**
 * Build the padded ROI grid from a discretized volume (x fastest; values > 0 are ROI voxels, as
 * `discretize` returns them). Throws RADIOMICS_EMPTY_MASK when no voxel is > 0.
 */
export function prepareRoi(binned: Int32Array, size: Vec3, pad: number): RoiGrid {
  const [sx, sy, sz] = size;
  if (binned.length !== sx * sy * sz) {
    throw radiomicsError(RADIOMICS_ERRORS.GEOMETRY_MISMATCH, `discretized image has ${binned.length} voxels, size ${size.join('x')} needs ${sx * sy * sz}`);
  }
  let x0 = sx, y0 = sy, z0 = sz, x1 = -1, y1 = -1, z1 = -1;
  let count = 0;
  let Ng = 0;
  for (let z = 0, i = 0; z < sz; z++) {
    for (let y = 0; y < sy; y++) {
      for (let x = 0; x < sx; x++, i++) {
        const g = binned[i]!;
        if (g <= 0) continue;
        count++;
        if (g > Ng) Ng = g;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
      }
    }
  }
  if (count === 0) throw radiomicsError(RADIOMICS_ERRORS.EMPTY_MASK, 'the discretized ROI contains no voxel');
  const bx = x1 - x0 + 1, by = y1 - y0 + 1, bz = z1 - z0 + 1;
  const nx = bx + 2 * pad, ny = by + 2 * pad, nz = bz + 2 * pad;
  const data = new Int32Array(nx * ny * nz);
  const roi = new Int32Array(count);
  const present = new Uint8Array(Ng + 1);
  let r = 0;
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const src = sx * (y + sy * z);
      const dst = nx * (y - y0 + pad + ny * (z - z0 + pad)) + pad - x0;
      for (let x = x0; x <= x1; x++) {
        const g = binned[src + x]!;
        if (g <= 0) continue;
        data[dst + x] = g;
        roi[r++] = dst + x;
        present[g] = 1;
      }
    }
  }
  let nLevels = 0;
  for (let g = 1; g <= Ng; g++) nLevels += present[g]!;
  const grayLevels = new Int32Array(nLevels);
  for (let g = 1, k = 0; g <= Ng; g++) if (present[g]) grayLevels[k++] = g;
  return { data, nx, ny, nz, pad, bboxSizeZYX: [bz, by, bx], roi, Ng, grayLevels };
}
