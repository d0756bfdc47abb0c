/**
 * Neighbouring Gray Tone Difference Matrix features, following PyRadiomics radiomics/ngtdm.py.
 *
 * Matrix rows (gray levels present only): [n_i, s_i, i], n_i = number of ROI voxels of gray level i,
 * s_i = Σ |i − Ā| over them, Ā = mean gray level of the voxel's ROI neighbours within `distances`
 * (0 difference for a voxel without ROI neighbours, which PyRadiomics still counts in n_i).
 *
 * Notation: N_vp = Σ n_i; p_i = n_i / N_vp; N_gp = number of gray levels with p_i ≠ 0.
 */
import type { TextureInput } from './textureCommon.ts';
import { distancesOf, force2Ddim } from './textureCommon.ts';
import { generateAngles } from './kernels/angles.ts';
import { prepareRoi } from './kernels/roi.ts';
import { ngtdmCounts } from './kernels/ngtdmKernel.ts';

export interface NgtdmMatrix {
  /** Rows [n_i, s_i, i], layout r·3 + col. */
  P: Float64Array;
  n: number;
  Np: number;
}

/** The NGTDM exactly as PyRadiomics' P_ngtdm after _calculateMatrix. */
export function computeNgtdm(input: TextureInput): NgtdmMatrix {
  const distances = distancesOf(input.settings);
  const grid = prepareRoi(input.binned, input.size, Math.max(...distances));
  const angles = generateAngles(grid.bboxSizeZYX, distances, true, force2Ddim(input.settings));
  const raw = ngtdmCounts(grid, angles, grid.Ng);
  const rows: number[] = [];
  for (let g = 0; g < grid.Ng; g++) if (raw[g * 3] !== 0) rows.push(g);
  const P = new Float64Array(rows.length * 3);
  rows.forEach((g, r) => P.set(raw.subarray(g * 3, g * 3 + 3), r * 3));
  return { P, n: rows.length, Np: grid.roi.length };
}

export interface NgtdmCoefficients {
  Nvp: number;
  p: Float64Array;
  s: Float64Array;
  i: Float64Array;
  Ngp: number;
}

export function ngtdmCoefficients(mat: NgtdmMatrix): NgtdmCoefficients {
  const n = mat.n;
  let Nvp = 0;
  for (let r = 0; r < n; r++) Nvp += mat.P[r * 3]!;
  const p = new Float64Array(n), s = new Float64Array(n), i = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    p[r] = mat.P[r * 3]! / Nvp;
    s[r] = mat.P[r * 3 + 1]!;
    i[r] = mat.P[r * 3 + 2]!;
  }
  return { Nvp, p, s, i, Ngp: n };
}

/** Coarseness = 1 / Σ p_i s_i; 10⁶ when Σ p_i s_i = 0. IBSI QCDE */
export function Coarseness(c: NgtdmCoefficients): number {
  let sum = 0;
  for (let r = 0; r < c.Ngp; r++) sum += c.p[r]! * c.s[r]!;
  return sum === 0 ? 1000000 : 1 / sum;
}
/**
 * Contrast = (Σ_i Σ_j p_i p_j (i − j)² / (N_gp (N_gp − 1))) · (Σ_i s_i / N_vp); 0 when N_gp ≤ 1. IBSI 65HE
 */
export function Contrast(c: NgtdmCoefficients): number {
  if (c.Ngp <= 1) return 0;
  let a = 0;
  for (let x = 0; x < c.Ngp; x++) for (let y = 0; y < c.Ngp; y++) a += c.p[x]! * c.p[y]! * (c.i[x]! - c.i[y]!) ** 2;
  let ss = 0;
  for (let x = 0; x < c.Ngp; x++) ss += c.s[x]!;
  return (a / (c.Ngp * (c.Ngp - 1))) * (ss / c.Nvp);
}
/** Busyness = Σ p_i s_i / Σ_i Σ_j |i p_i − j p_j|; 0 when the denominator is 0. IBSI NQ30 */
export function Busyness(c: NgtdmCoefficients): number {
  let absdiff = 0;
  for (let x = 0; x < c.Ngp; x++) for (let y = 0; y < c.Ngp; y++) absdiff += Math.abs(c.i[x]! * c.p[x]! - c.i[y]! * c.p[y]!);
  if (absdiff === 0) return 0;
  let num = 0;
  for (let x = 0; x < c.Ngp; x++) num += c.p[x]! * c.s[x]!;
  return num / absdiff;
}
/** Complexity = Σ_i Σ_j |i − j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vp. IBSI HDEZ */
export function Complexity(c: NgtdmCoefficients): number {
  let sum = 0;
  for (let x = 0; x < c.Ngp; x++) {
    for (let y = 0; y < c.Ngp; y++) {
      sum += Math.abs(c.i[x]! - c.i[y]!) * ((c.p[x]! * c.s[x]! + c.p[y]! * c.s[y]!) / (c.p[x]! + c.p[y]!));
    }
  }
  return sum / c.Nvp;
}
/** Strength = Σ_i Σ_j (p_i + p_j)(i − j)² / Σ_i s_i; 0 when Σ s_i = 0. IBSI 1X9X */
export function Strength(c: NgtdmCoefficients): number {
  let ss = 0;
  for (let x = 0; x < c.Ngp; x++) ss += c.s[x]!;
  if (ss === 0) return 0;
  let sum = 0;
  for (let x = 0; x < c.Ngp; x++) for (let y = 0; y < c.Ngp; y++) sum += (c.p[x]! + c.p[y]!) * (c.i[x]! - c.i[y]!) ** 2;
  return sum / ss;
}

export const NGTDM_FEATURES: Record<string, (c: NgtdmCoefficients) => number> = {
  Coarseness, Contrast, Busyness, Complexity, Strength,
};

export function ngtdmFeaturesFromMatrix(mat: NgtdmMatrix): Record<string, number> {
  const c = ngtdmCoefficients(mat);
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(NGTDM_FEATURES)) out[name] = f(c);
  return out;
}

export function ngtdmFeatures(input: TextureInput): Record<string, number> {
  return ngtdmFeaturesFromMatrix(computeNgtdm(input));
}
