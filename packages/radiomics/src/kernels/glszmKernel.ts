/**
 * Gray-level size zones, as PyRadiomics calculate_glszm: zones are connected sets of ROI voxels of one
 * gray level, connectivity given by the bi-directional distance-1 angles (26-connectivity in 3-D,
 * 8 in 2-D / force2D). Flood fill with an explicit stack over the ROI: linear in ROI voxels × neighbours.
 * glszmZones returns the zones (gray level, size); glszmCounts the Ng × maxZoneSize count matrix
 * (row-major, (g−1)·maxSize + (size−1)), maxSize ≥ 1, which is mostly empty columns on large ROIs
 * (computeGlszm builds the matrix of the sizes present from the zones instead).
 */
import type { RoiGrid } from './roi.ts';
import { angleOffsets } from './roi.ts';

export interface GlszmCounts {
  P: Float64Array;
  maxSize: number;
}

export interface GlszmZones {
  /** gray level (1…Ng) and size of zone z, for z < nZones */
  zoneGray: Int32Array;
  zoneSize: Int32Array;
  nZones: number;
  /** largest zone size, ≥ 1 */
  maxSize: number;
}

export function glszmCounts(grid: RoiGrid, angles: Int32Array, Ng: number): GlszmCounts {
  const { zoneGray, zoneSize, nZones, maxSize } = glszmZones(grid, angles);
  const P = new Float64Array(Ng * maxSize);
  for (let z = 0; z < nZones; z++) P[(zoneGray[z]! - 1) * maxSize + zoneSize[z]! - 1]!++;
  return { P, maxSize };
}

export function glszmZones(grid: RoiGrid, angles: Int32Array): GlszmZones {
  const offs = angleOffsets(grid, angles);
  const na = offs.length;
  const { roi } = grid;
  // Working copy: a visited voxel is marked by negating its gray level, so each neighbour test reads
  // one array (the flood fill is memory-bound).
  const work = Int32Array.from(grid.data);
  const stack = new Int32Array(roi.length);
  const zoneGray = new Int32Array(roi.length);
  const zoneSize = new Int32Array(roi.length);
  let nZones = 0;
  let maxSize = 0;
  for (let r = 0; r < roi.length; r++) {
    const start = roi[r]!;
    const g = work[start]!;
    if (g < 0) continue;
    let top = 0;
    stack[top++] = start;
    work[start] = -g;
    let size = 0;
    while (top > 0) {
      const k = stack[--top]!;
      size++;
      for (let a = 0; a < na; a++) {
        const j = k + offs[a]!;
        if (work[j] === g) {
          work[j] = -g;
          stack[top++] = j;
        }
      }
    }
    zoneGray[nZones] = g;
    zoneSize[nZones++] = size;
    if (size > maxSize) maxSize = size;
  }
  if (maxSize === 0) maxSize = 1;
  return { zoneGray, zoneSize, nZones, maxSize };
}
