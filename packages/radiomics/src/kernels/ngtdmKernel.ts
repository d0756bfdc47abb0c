/**
 * Neighbouring gray tone difference matrix, as PyRadiomics calculate_ngtdm: for each ROI voxel of gray
 * level i, Ā = mean gray level of its ROI neighbours (bi-directional angles for the requested distances),
 * n_i += 1 and s_i += |i − Ā| (0 when it has no ROI neighbour — PyRadiomics still counts the voxel in
 * n_i). Rows (i−1)·3 + {0: n_i, 1: s_i, 2: i}. Voxels are visited in memory order, as the C code does,
 * so s_i is summed in the same order.
 */
import type { RoiGrid } from './roi.ts';
import { angleOffsets } from './roi.ts';

export function ngtdmCounts(grid: RoiGrid, angles: Int32Array, Ng: number): Float64Array {
  const offs = angleOffsets(grid, angles);
  const na = offs.length;
  const P = new Float64Array(Ng * 3);
  for (let g = 0; g < Ng; g++) P[g * 3 + 2] = g + 1;
  const { data, roi } = grid;
  for (let r = 0; r < roi.length; r++) {
    const p = roi[r]!;
    const g = data[p]!;
    let count = 0;
    let sum = 0;
    for (let a = 0; a < na; a++) {
      const gj = data[p + offs[a]!]!;
      // Background is 0: adding it is harmless, so only the count needs the test (branch-free).
      sum += gj;
      count += gj > 0 ? 1 : 0;
    }
    let diff = count === 0 ? 0 : g - sum / count;
    if (diff < 0) diff = -diff;
    P[(g - 1) * 3]!++;
    P[(g - 1) * 3 + 1]! += diff;
  }
  return P;
}
