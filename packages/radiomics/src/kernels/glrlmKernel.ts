/**
 * Run-length counts per angle, as PyRadiomics calculate_glrlm: a run is a maximal sequence of
 * consecutive ROI voxels of one gray level along the angle. Layout: a·Ng·Nr + (g−1)·Nr + (len−1).
 *
 * Instead of walking every line of the bounding box (C extension), each ROI voxel whose predecessor
 * along the angle is not the same gray level starts a run that is walked to its end: every ROI voxel is
 * visited at most twice per angle, so the cost is linear in ROI voxels.
 *
 * PyRadiomics zeroes an angle whose every line holds at most one ROI voxel ("segmentation is 2D for
 * this angle"); that is reproduced: such an angle has only runs of length 1 and no two ROI voxels on a
 * line, checked by walking lines only in that (sparse) case.
 */
import type { RoiGrid } from './roi.ts';
import { angleOffsets } from './roi.ts';

export function glrlmCounts(grid: RoiGrid, angles: Int32Array, Ng: number, Nr: number): Float64Array {
  const na = angles.length / 3;
  const offs = angleOffsets(grid, angles);
  const P = new Float64Array(na * Ng * Nr);
  const { data, roi } = grid;
  for (let a = 0; a < na; a++) {
    const off = offs[a]!;
    const base = a * Ng * Nr;
    let multiElement = false;
    for (let r = 0; r < roi.length; r++) {
      const p = roi[r]!;
      const g = data[p]!;
      if (data[p - off] === g) continue; // not the first voxel of its run
      let len = 1;
      let q = p + off;
      while (data[q] === g) {
        len++;
        q += off;
      }
      if (len > 1) multiElement = true;
      P[base + (g - 1) * Nr + len - 1]!++;
    }
    if (!multiElement && !lineHasTwoRoiVoxels(grid, angles, a)) {
      for (let g = 0; g < Ng; g++) P[base + g * Nr] = 0;
    }
  }
  return P;
}

/** Whether any line along angle `a` contains two (not necessarily adjacent) ROI voxels. */
function lineHasTwoRoiVoxels(grid: RoiGrid, angles: Int32Array, a: number): boolean {
  const { data, roi, nx, ny, nz } = grid;
  const dz = angles[3 * a]!, dy = angles[3 * a + 1]!, dx = angles[3 * a + 2]!;
  const off = dz * nx * ny + dy * nx + dx;
  for (let r = 0; r < roi.length; r++) {
    const p = roi[r]!;
    let x = p % nx;
    let y = Math.trunc(p / nx) % ny;
    let z = Math.trunc(p / (nx * ny));
    let q = p;
    for (;;) {
      x += dx; y += dy; z += dz; q += off;
      if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) break;
      if (data[q]! > 0) return true;
    }
  }
  return false;
}
