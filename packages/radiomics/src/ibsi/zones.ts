/**
 * Zones for the size-zone (IBSI 3.8) and distance-zone (IBSI 3.9) matrices: connected groups of
 * voxels with the same grey level, 8-connected in 2D, 26-connected in 3D. A zone's distance is the
 * smallest city-block distance of its voxels to the ROI edge (4-connected in 2D, 6 in 3D), where
 * a voxel next to a non-ROI voxel or the image edge has distance 1.
 */
import type { LevelGrid } from './levelGrid.ts';
import { neighbourOffsets } from './levelGrid.ts';
import { newCountMatrix } from './matrixFeatures.ts';
import type { CountMatrix } from './matrixFeatures.ts';

export const GLSZM_NAMES = [
  ['short', 'sze'],
  ['long', 'lze'],
  ['low', 'lgze'],
  ['high', 'hgze'],
  ['short_low', 'szlge'],
  ['short_high', 'szhge'],
  ['long_low', 'lzlge'],
  ['long_high', 'lzhge'],
  ['glnu', 'glnu'],
  ['glnu_norm', 'glnu_norm'],
  ['jnu', 'zsnu'],
  ['jnu_norm', 'zsnu_norm'],
  ['perc', 'z_perc'],
  ['gl_var', 'gl_var'],
  ['j_var', 'zs_var'],
  ['j_entr', 'zs_entr'],
] as const;

export const GLDZM_NAMES = [
  ['short', 'sde'],
  ['long', 'lde'],
  ['low', 'lgze'],
  ['high', 'hgze'],
  ['short_low', 'sdlge'],
  ['short_high', 'sdhge'],
  ['long_low', 'ldlge'],
  ['long_high', 'ldhge'],
  ['glnu', 'glnu'],
  ['glnu_norm', 'glnu_norm'],
  ['jnu', 'zdnu'],
  ['jnu_norm', 'zdnu_norm'],
  ['perc', 'z_perc'],
  ['gl_var', 'gl_var'],
  ['j_var', 'zd_var'],
  ['j_entr', 'zd_entr'],
] as const;

/**
 * City-block distance to the nearest non-ROI voxel (outside the grid counts as non-ROI), by the
 * two-pass chamfer transform, which is exact for the L1 metric. In 2D the z axis is ignored.
 */
export function edgeDistanceMap(mask: Uint8Array, nx: number, ny: number, nz: number, twoD: boolean): Int32Array {
  const big = nx + ny + nz + 2;
  const d = new Int32Array(nx * ny * nz);
  const at = (x: number, y: number, z: number): number => {
    if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) return 0;
    return d[x + nx * (y + ny * z)] ?? 0;
  };
  for (let i = 0; i < d.length; i++) d[i] = mask[i] ? big : 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = x + nx * (y + ny * z);
        if (!d[i]) continue;
        let v = Math.min(d[i] ?? 0, at(x - 1, y, z) + 1, at(x, y - 1, z) + 1);
        if (!twoD) v = Math.min(v, at(x, y, z - 1) + 1);
        d[i] = v;
      }
  for (let z = nz - 1; z >= 0; z--)
    for (let y = ny - 1; y >= 0; y--)
      for (let x = nx - 1; x >= 0; x--) {
        const i = x + nx * (y + ny * z);
        if (!d[i]) continue;
        let v = Math.min(d[i] ?? 0, at(x + 1, y, z) + 1, at(x, y + 1, z) + 1);
        if (!twoD) v = Math.min(v, at(x, y, z + 1) + 1);
        d[i] = v;
      }
  return d;
}

/** Size-zone and distance-zone count matrices over slices zLo..zHi (one slice in 2D). */
export function zoneMatrices(
  g: LevelGrid,
  distance: Int32Array,
  zLo: number,
  zHi: number,
  twoD: boolean,
): { szm: CountMatrix; dzm: CountMatrix } {
  const { nx, ny, levels } = g;
  const offs = neighbourOffsets(twoD);
  const nOff = offs.length;
  const ox = Int32Array.from(offs, (d) => d[0]);
  const oy = Int32Array.from(offs, (d) => d[1]);
  const oz = Int32Array.from(offs, (d) => d[2]);
  let nVox = 0;
  let maxDist = 1;
  for (let z = zLo; z <= zHi; z++)
    for (let i = nx * ny * z; i < nx * ny * (z + 1); i++)
      if ((levels[i] ?? 0) > 0) {
        nVox++;
        if ((distance[i] ?? 0) > maxDist) maxDist = distance[i] ?? 0;
      }
  // Zones are collected first so the size-zone matrix is only as wide as the largest zone.
  const zLevel: number[] = [];
  const zSize: number[] = [];
  const zDist: number[] = [];
  const seen = new Uint8Array(nx * ny * (zHi - zLo + 1));
  const base = nx * ny * zLo;
  const stack = new Int32Array(Math.max(1, nVox));
  for (let z = zLo; z <= zHi; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const start = x + nx * (y + ny * z);
        const lv = levels[start] ?? 0;
        if (lv === 0 || seen[start - base]) continue;
        seen[start - base] = 1;
        let top = 0;
        stack[top++] = start;
        let size = 0;
        let dmin = Infinity;
        while (top > 0) {
          const v = stack[--top] ?? 0;
          size++;
          const dv = distance[v] ?? 0;
          if (dv < dmin) dmin = dv;
          const vx = v % nx;
          const vy = Math.floor(v / nx) % ny;
          const vz = Math.floor(v / (nx * ny));
          for (let o = 0; o < nOff; o++) {
            const ux = vx + ox[o]!;
            const uy = vy + oy[o]!;
            const uz = vz + oz[o]!;
            if (ux < 0 || uy < 0 || ux >= nx || uy >= ny || uz < zLo || uz > zHi) continue;
            const u = ux + nx * (uy + ny * uz);
            if (seen[u - base] || levels[u] !== lv) continue;
            seen[u - base] = 1;
            stack[top++] = u;
          }
        }
        zLevel.push(lv);
        zSize.push(size);
        zDist.push(Math.max(1, dmin));
      }
  let maxSize = 1;
  for (const sz of zSize) if (sz > maxSize) maxSize = sz;
  const szm = newCountMatrix(g.ng, maxSize);
  const dzm = newCountMatrix(g.ng, maxDist);
  for (let k = 0; k < zLevel.length; k++) {
    const lv = zLevel[k] ?? 0;
    const a = lv * (maxSize + 1) + (zSize[k] ?? 0);
    szm.data[a] = (szm.data[a] ?? 0) + 1;
    const b = lv * (maxDist + 1) + (zDist[k] ?? 0);
    dzm.data[b] = (dzm.data[b] ?? 0) + 1;
  }
  return { szm, dzm };
}
