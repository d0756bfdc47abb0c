/**
 * Local intensity features (IBSI 3.2). The peak at a voxel is the mean image intensity over all
 * voxels whose centres lie within a sphere of volume 1 cm³ (radius (3/4π)^{1/3}·10 mm ≈ 6.2 mm)
 * around it, using the whole image (not only the ROI). Exact, via row prefix sums: each sphere is a
 * union of x-runs, one per (y, z) offset, so the cost is O(N_roi · rows in the sphere).
 *  local peak = the largest peak among the ROI voxels of maximum intensity;
 *  global peak = the largest peak over all ROI voxels.
 */
import type { IbsiGrid } from './grid.ts';
import type { IbsiFeature } from './types.ts';

export const PEAK_RADIUS_MM = Math.cbrt(3 / (4 * Math.PI)) * 10;

export function localIntensity(g: IbsiGrid): IbsiFeature[] {
  const { nx, ny, nz, image, intensityMask } = g;
  const [sx, sy, sz] = g.spacingMm;
  const r2 = PEAK_RADIUS_MM * PEAK_RADIUS_MM;
  const rows: [number, number, number][] = [];
  const ry = Math.floor(PEAK_RADIUS_MM / sy);
  const rz = Math.floor(PEAK_RADIUS_MM / sz);
  for (let dz = -rz; dz <= rz; dz++)
    for (let dy = -ry; dy <= ry; dy++) {
      const rest = r2 - dy * dy * sy * sy - dz * dz * sz * sz;
      if (rest < 0) continue;
      // Tiny tolerance so that centres exactly on the sphere surface are counted.
      rows.push([dy, dz, Math.floor(Math.sqrt(rest) / sx + 1e-9)]);
    }
  const w = nx + 1;
  const prefix = new Float64Array(w * ny * nz);
  for (let r = 0; r < ny * nz; r++) {
    let acc = 0;
    for (let x = 0; x < nx; x++) {
      acc += image[r * nx + x] ?? 0;
      prefix[r * w + x + 1] = acc;
    }
  }
  let maxInt = -Infinity;
  for (let i = 0; i < image.length; i++) if (intensityMask[i] && (image[i] ?? 0) > maxInt) maxInt = image[i] ?? 0;
  const nRows = rows.length;
  const rdy = Int32Array.from(rows, (r) => r[0]);
  const rdz = Int32Array.from(rows, (r) => r[1]);
  const rhx = Int32Array.from(rows, (r) => r[2]);
  let glob = -Infinity;
  let loc = -Infinity;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        if (!intensityMask[i]) continue;
        let sum = 0;
        let cnt = 0;
        for (let r = 0; r < nRows; r++) {
          const yy = y + rdy[r]!;
          const zz = z + rdz[r]!;
          if (yy < 0 || yy >= ny || zz < 0 || zz >= nz) continue;
          const hx = rhx[r]!;
          const a = x - hx > 0 ? x - hx : 0;
          const b = x + hx < nx - 1 ? x + hx : nx - 1;
          const base = (yy + ny * zz) * w;
          sum += prefix[base + b + 1]! - prefix[base + a]!;
          cnt += b - a + 1;
        }
        const peak = sum / cnt;
        if (peak > glob) glob = peak;
        if (image[i]! === maxInt && peak > loc) loc = peak;
      }
  return [
    { tag: 'loc_peak_loc', family: 'local_intensity', aggregation: 'n/a', value: loc },
    { tag: 'loc_peak_glob', family: 'local_intensity', aggregation: 'n/a', value: glob },
  ];
}
