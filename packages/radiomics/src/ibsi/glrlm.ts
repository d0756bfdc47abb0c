/**
 * Grey level run length matrix (IBSI 3.7): runs of equal grey level along a direction, broken
 * by voxels outside the ROI intensity mask. Linear in the number of voxels scanned.
 */
import type { Dir, LevelGrid } from './levelGrid.ts';
import { newCountMatrix } from './matrixFeatures.ts';
import type { CountMatrix } from './matrixFeatures.ts';

export const GLRLM_NAMES = [
  ['short', 'sre'],
  ['long', 'lre'],
  ['low', 'lgre'],
  ['high', 'hgre'],
  ['short_low', 'srlge'],
  ['short_high', 'srhge'],
  ['long_low', 'lrlge'],
  ['long_high', 'lrhge'],
  ['glnu', 'glnu'],
  ['glnu_norm', 'glnu_norm'],
  ['jnu', 'rlnu'],
  ['jnu_norm', 'rlnu_norm'],
  ['perc', 'r_perc'],
  ['gl_var', 'gl_var'],
  ['j_var', 'rl_var'],
  ['j_entr', 'rl_entr'],
] as const;

export function glrlmCounts(g: LevelGrid, d: Dir, zLo: number, zHi: number): CountMatrix {
  const { nx, ny, levels } = g;
  const maxRun = Math.max(nx, ny, zHi - zLo + 1);
  const M = newCountMatrix(g.ng, maxRun);
  const w = maxRun + 1;
  const [dx, dy, dz] = d;
  const inside = (x: number, y: number, z: number): boolean =>
    x >= 0 && x < nx && y >= 0 && y < ny && z >= zLo && z <= zHi;
  for (let z = zLo; z <= zHi; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const lv = levels[x + nx * (y + ny * z)] ?? 0;
        if (lv === 0) continue;
        // Start a run only where the previous voxel along the direction differs.
        const px = x - dx;
        const py = y - dy;
        const pz = z - dz;
        if (inside(px, py, pz) && levels[px + nx * (py + ny * pz)] === lv) continue;
        let len = 1;
        let cx = x + dx;
        let cy = y + dy;
        let cz = z + dz;
        while (inside(cx, cy, cz) && levels[cx + nx * (cy + ny * cz)] === lv) {
          len++;
          cx += dx;
          cy += dy;
          cz += dz;
        }
        M.data[lv * w + len] = (M.data[lv * w + len] ?? 0) + 1;
      }
  return M;
}
