/**
 * The discretised ROI as texture matrices see it: grey level per voxel (0 = outside the ROI
 * intensity mask), plus neighbourhood directions. x fastest.
 */
export interface LevelGrid {
  nx: number;
  ny: number;
  nz: number;
  levels: Int32Array;
  /** Number of grey levels N_g (matrix rows are levels 1..ng). */
  ng: number;
}

export type Dir = readonly [number, number, number];

/** The 4 in-plane directions (0°, 90°, 45°, 135°) — one of each opposite pair. */
export const DIRS_2D: readonly Dir[] = [
  [1, 0, 0],
  [0, 1, 0],
  [1, 1, 0],
  [1, -1, 0],
];

/** The 13 unique 3D directions (one of each opposite pair of the 26-neighbourhood). */
export const DIRS_3D: readonly Dir[] = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 0],
  [1, -1, 0],
  [1, 0, 1],
  [1, 0, -1],
  [0, 1, 1],
  [0, 1, -1],
  [1, 1, 1],
  [1, 1, -1],
  [1, -1, 1],
  [1, -1, -1],
];

/** All neighbour offsets at Chebyshev distance 1: 8 in-plane (2D) or 26 (3D). */
export function neighbourOffsets(twoD: boolean): Dir[] {
  const out: Dir[] = [];
  for (let dz = twoD ? 0 : -1; dz <= (twoD ? 0 : 1); dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) if (dx || dy || dz) out.push([dx, dy, dz]);
  return out;
}

/** Slices (z indices) that hold at least one ROI voxel, with their voxel counts. */
export function roiSlices(g: LevelGrid): { z: number; count: number }[] {
  const out: { z: number; count: number }[] = [];
  const plane = g.nx * g.ny;
  for (let z = 0; z < g.nz; z++) {
    let c = 0;
    for (let i = z * plane; i < (z + 1) * plane; i++) if ((g.levels[i] ?? 0) > 0) c++;
    if (c > 0) out.push({ z, count: c });
  }
  return out;
}

/** Mean of feature records (same keys), the IBSI "averaged" aggregation. */
export function meanOf(records: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  if (records.length === 0) return out;
  for (const k of Object.keys(records[0] ?? {})) {
    let s = 0;
    for (const r of records) s += r[k] ?? 0;
    out[k] = s / records.length;
  }
  return out;
}
