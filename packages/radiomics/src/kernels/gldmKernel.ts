/**
 * Gray-level dependence counts, as PyRadiomics calculate_gldm: for each ROI voxel of gray level i, the
 * number d of neighbours (bi-directional angles for the requested distances) inside the ROI with
 * |i − j| ≤ alpha; P[i][d] += 1. Layout (i−1)·(Na+1) + d. Linear in ROI voxels × neighbours.
 */
import type { RoiGrid } from './roi.ts';
import { angleOffsets } from './roi.ts';

export function gldmCounts(grid: RoiGrid, angles: Int32Array, Ng: number, alpha: number): { P: Float64Array; nDep: number } {
  const offs = angleOffsets(grid, angles);
  const na = offs.length;
  const nDep = na + 1;
  const P = new Float64Array(Ng * nDep);
  const { data, roi } = grid;
  if (alpha >= 0 && alpha < 1) {
    // Integer gray levels: |i − j| ≤ alpha < 1 means j = i (and i > 0 keeps background out).
    for (let r = 0; r < roi.length; r++) {
      const p = roi[r]!;
      const g = data[p]!;
      let dep = 0;
      for (let a = 0; a < na; a++) if (data[p + offs[a]!] === g) dep++;
      P[(g - 1) * nDep + dep]!++;
    }
    return { P, nDep };
  }
  for (let r = 0; r < roi.length; r++) {
    const p = roi[r]!;
    const g = data[p]!;
    let dep = 0;
    for (let a = 0; a < na; a++) {
      const gj = data[p + offs[a]!]!;
      if (gj > 0 && Math.abs(g - gj) <= alpha) dep++;
    }
    P[(g - 1) * nDep + dep]!++;
  }
  return { P, nDep };
}
