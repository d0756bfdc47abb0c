/**
 * Neighbourhood matrices at Chebyshev distance 1, neighbours restricted to the ROI intensity mask
 * (8 in-plane neighbours in 2D, 26 in 3D).
 *
 * NGTDM (IBSI 3.10): for voxels with at least one ROI neighbour, s_i = Σ |i − Ā| (Ā = mean
 * neighbour level), n_i their count; N_v,c = Σ n_i, p_i = n_i/N_v,c, N_g,p = #{i: p_i > 0}.
 * NGLDM (IBSI 3.11): dependence j = 1 + #neighbours with the same level (coarseness α = 0).
 */
import type { LevelGrid } from './levelGrid.ts';
import { neighbourOffsets } from './levelGrid.ts';
import { newCountMatrix } from './matrixFeatures.ts';
import type { CountMatrix } from './matrixFeatures.ts';

export const NGLDM_NAMES = [
  ['short', 'lde'],
  ['long', 'hde'],
  ['low', 'lgce'],
  ['high', 'hgce'],
  ['short_low', 'ldlge'],
  ['short_high', 'ldhge'],
  ['long_low', 'hdlge'],
  ['long_high', 'hdhge'],
  ['glnu', 'glnu'],
  ['glnu_norm', 'glnu_norm'],
  ['jnu', 'dcnu'],
  ['jnu_norm', 'dcnu_norm'],
  ['perc', 'dc_perc'],
  ['gl_var', 'gl_var'],
  ['j_var', 'dc_var'],
  ['j_entr', 'dc_entr'],
  ['energy', 'dc_energy'],
] as const;

export interface Ngtdm {
  s: Float64Array;
  n: Float64Array;
}

export function neighbourhoodMatrices(
  g: LevelGrid,
  zLo: number,
  zHi: number,
  twoD: boolean,
): { ngtdm: Ngtdm; ngldm: CountMatrix } {
  const { nx, ny, levels, ng } = g;
  const offs = neighbourOffsets(twoD);
  const nOff = offs.length;
  const ox = Int32Array.from(offs, (d) => d[0]);
  const oy = Int32Array.from(offs, (d) => d[1]);
  const oz = Int32Array.from(offs, (d) => d[2]);
  const s = new Float64Array(ng + 1);
  const n = new Float64Array(ng + 1);
  const dep = newCountMatrix(ng, offs.length + 1);
  const w = dep.nj + 1;
  for (let z = zLo; z <= zHi; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const lv = levels[x + nx * (y + ny * z)] ?? 0;
        if (lv === 0) continue;
        let sum = 0;
        let cnt = 0;
        let same = 0;
        for (let o = 0; o < nOff; o++) {
          const ux = x + ox[o]!;
          const uy = y + oy[o]!;
          const uz = z + oz[o]!;
          if (ux < 0 || uy < 0 || ux >= nx || uy >= ny || uz < zLo || uz > zHi) continue;
          const u = levels[ux + nx * (uy + ny * uz)] ?? 0;
          if (u === 0) continue;
          sum += u;
          cnt++;
          if (u === lv) same++;
        }
        dep.data[lv * w + same + 1] = (dep.data[lv * w + same + 1] ?? 0) + 1;
        if (cnt > 0) {
          s[lv] = (s[lv] ?? 0) + Math.abs(lv - sum / cnt);
          n[lv] = (n[lv] ?? 0) + 1;
        }
      }
  return { ngtdm: { s, n }, ngldm: dep };
}

export function mergeNgtdm(list: readonly Ngtdm[]): Ngtdm {
  const len = list[0]?.s.length ?? 0;
  const s = new Float64Array(len);
  const n = new Float64Array(len);
  for (const m of list)
    for (let i = 0; i < len; i++) {
      s[i] = (s[i] ?? 0) + (m.s[i] ?? 0);
      n[i] = (n[i] ?? 0) + (m.n[i] ?? 0);
    }
  return { s, n };
}

/** NGTDM features (IBSI 3.10); undefined when no voxel has a neighbour. */
export function ngtdmFeatures(m: Ngtdm): Record<string, number> | undefined {
  const ng = m.s.length - 1;
  let nvc = 0;
  for (let i = 1; i <= ng; i++) nvc += m.n[i] ?? 0;
  if (nvc === 0) return undefined;
  const p = new Float64Array(ng + 1);
  const present: number[] = [];
  for (let i = 1; i <= ng; i++) {
    p[i] = (m.n[i] ?? 0) / nvc;
    if ((p[i] ?? 0) > 0) present.push(i);
  }
  const ngp = present.length;
  let ps = 0;
  let sSum = 0;
  for (const i of present) {
    ps += (p[i] ?? 0) * (m.s[i] ?? 0);
    sSum += m.s[i] ?? 0;
  }
  let c1 = 0;
  let busyDen = 0;
  let complexity = 0;
  let strengthNum = 0;
  for (const i of present)
    for (const j of present) {
      const pi = p[i] ?? 0;
      const pj = p[j] ?? 0;
      c1 += pi * pj * (i - j) * (i - j);
      busyDen += Math.abs(i * pi - j * pj);
      complexity += (Math.abs(i - j) * (pi * (m.s[i] ?? 0) + pj * (m.s[j] ?? 0))) / (pi + pj);
      strengthNum += (pi + pj) * (i - j) * (i - j);
    }
  return {
    coarseness: ps > 0 ? 1 / ps : 1e6,
    contrast: ngp > 1 ? (c1 / (ngp * (ngp - 1))) * (sSum / nvc) : 0,
    busyness: busyDen > 0 ? ps / busyDen : 0,
    complexity: complexity / nvc,
    strength: sSum > 0 ? strengthNum / sSum : 0,
  };
}
