/**
 * Shared types and helpers of the texture classes (kept apart from texture.ts so the class modules do
 * not import the registry that imports them).
 */
import type { Vec3 } from '@tace/common';
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';

export type WeightingNorm = 'manhattan' | 'euclidean' | 'infinity' | 'no_weighting';

export interface TextureSettings {
  /** Neighbour distances (infinity norm) for GLCM, GLDM, NGTDM. Default [1]. */
  distances?: number[];
  /** GLCM: add the transposed matrix per angle. Default true. */
  symmetricalGLCM?: boolean;
  /** GLCM/GLRLM: merge angles weighted by distance under this norm. Default null (average features over angles). */
  weightingNorm?: WeightingNorm | null;
  /** GLDM: dependence cut-off alpha. Default 0. */
  gldm_a?: number;
  /** Use in-plane angles only. Default false. */
  force2D?: boolean;
  /** Out-of-plane axis in numpy order (0 = z, 1 = y, 2 = x). Default 0. */
  force2Ddimension?: number;
}

export interface TextureInput {
  /** Discretized image: 1..Ng inside the ROI, 0 outside; x fastest. */
  binned: Int32Array;
  /** Size (x, y, z) of `binned`. */
  size: Vec3;
  /** Voxel spacing (x, y, z) in mm; used by weightingNorm. */
  spacingMm: Vec3;
  settings: TextureSettings;
}

export type TextureClassName = 'glcm' | 'glrlm' | 'glszm' | 'gldm' | 'ngtdm';

/** numpy machine epsilon, numpy.spacing(1): PyRadiomics adds it inside logs and divisions. */
export const EPS = 2.220446049250313e-16;

/**
 * Most gray levels the texture classes take, in PyRadiomics and IBSI mode alike: a dense GLCM is Ng² × 13
 * doubles (2048: 436 MB) and its MCC an Ng³ eigen-solve per angle; more is a discretisation mistake
 * (binWidth 1 on CT, or the default 25 on an MR range of 10⁵) that would otherwise exhaust memory or run
 * for hours.
 */
export const MAX_TEXTURE_GRAY_LEVELS = 2048;

/** Out-of-plane numpy axis for the angle generator, or −1 for 3-D. */
export function force2Ddim(settings: TextureSettings): number {
  if (!settings.force2D) return -1;
  const d = settings.force2Ddimension ?? 0;
  if (d !== 0 && d !== 1 && d !== 2) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `force2Ddimension must be 0, 1 or 2, got ${d}`);
  }
  return d;
}

export function distancesOf(settings: TextureSettings): number[] {
  const d = settings.distances ?? [1];
  if (d.length === 0 || d.some((x) => !Number.isInteger(x) || x < 1)) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `distances must be a non-empty list of positive integers, got [${d.join(', ')}]`);
  }
  // Duplicates would make PyRadiomics' angle generator loop forever; they add nothing.
  return [...new Set(d)];
}

/** Mean ignoring NaN (numpy.nanmean); NaN when every value is NaN. */
export function nanmean(values: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/**
 * Distance of an angle (dz, dy, dx) under a norm, with spacing (z, y, x) in mm, as PyRadiomics' GLCM and
 * GLRLM weighting compute it (|a| ⊙ spacing, then the norm).
 */
export function angleDistance(dzyx: readonly number[], spacingZYX: readonly number[], norm: WeightingNorm | string): number {
  const v = dzyx.map((a, k) => Math.abs(a) * spacingZYX[k]!);
  switch (norm) {
    case 'infinity':
      return Math.max(...v);
    case 'euclidean':
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    case 'manhattan':
      return v.reduce((s, x) => s + x, 0);
    case 'no_weighting':
      return 1;
    default:
      throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `unknown weightingNorm "${norm}"`);
  }
}

/*
 * Sums shared by the matrices that PyRadiomics reads the same way (GLRLM, GLSZM, GLDM): an n×m
 * row-major matrix P with gray-level values `iv` (rows) and run/zone/dependence values `jv`
 * (columns), its marginals, and its total. Each class keeps one function per published feature;
 * these hold the arithmetic, in PyRadiomics' order of operations.
 */

/** Σ_i Σ_j P(i,j) · f(iv[i], jv[j]). */
export function sumMatrix(P: ArrayLike<number>, n: number, m: number, iv: ArrayLike<number>, jv: ArrayLike<number>, f: (i: number, j: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) s += P[i * m + j]! * f(iv[i]!, jv[j]!);
  return s;
}

/** Σ_k w[k] · f(v[k]) over a marginal. */
export function sumMarginal(w: ArrayLike<number>, v: ArrayLike<number>, len: number, f: (x: number) => number): number {
  let s = 0;
  for (let k = 0; k < len; k++) s += w[k]! * f(v[k]!);
  return s;
}

/** Σ p(k)(v[k] − μ)², p = w/total, μ = Σ p(k) v[k]: GrayLevelVariance and Run/Zone/DependenceVariance. */
export function marginalVariance(w: ArrayLike<number>, v: ArrayLike<number>, len: number, total: number): number {
  let u = 0;
  for (let k = 0; k < len; k++) u += (w[k]! / total) * v[k]!;
  let s = 0;
  for (let k = 0; k < len; k++) s += (w[k]! / total) * (v[k]! - u) ** 2;
  return s;
}

/** −Σ p log₂(p + ε), p = P/total over every cell: Run/Zone/DependenceEntropy. */
export function matrixEntropy(P: ArrayLike<number>, cells: number, total: number): number {
  let s = 0;
  for (let k = 0; k < cells; k++) {
    const p = P[k]! / total;
    s -= p * Math.log2(p + EPS);
  }
  return s;
}
