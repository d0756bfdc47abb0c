/**
 * Raw (asymmetric, un-normalized) co-occurrence counts per angle, as PyRadiomics calculate_glcm:
 * P[a][i][j] += 1 for every ROI voxel of gray level i whose neighbour at angle a is an ROI voxel of
 * gray level j. Layout: a·Ng² + (i−1)·Ng + (j−1). Linear in ROI voxels × angles.
 */
import type { RoiGrid } from './roi.ts';
import { angleOffsets } from './roi.ts';

export function glcmCounts(grid: RoiGrid, angles: Int32Array, Ng: number): Float64Array {
  const na = angles.length / 3;
  const offs = angleOffsets(grid, angles);
  const ng2 = Ng * Ng;
  const P = new Float64Array(na * ng2);
  const { data, roi } = grid;
  for (let r = 0; r < roi.length; r++) {
    const p = roi[r]!;
    const row = (data[p]! - 1) * Ng - 1;
    for (let a = 0; a < na; a++) {
      const gj = data[p + offs[a]!]!;
      if (gj > 0) P[a * ng2 + row + gj]!++;
    }
  }
  return P;
}
