/**
 * Gray Level Run Length Matrix features, following PyRadiomics radiomics/glrlm.py.
 *
 * Matrix: run counts P(i,j|θ) per mono-directional angle (13 in 3-D), run-length axis 1..max(bounding-box
 * size) → rows of gray levels absent from the ROI deleted → with weightingNorm, angles merged as
 * Σ_a d_a P_a (d = distance of the angle under the norm, spacing-scaled; 1 for 'no_weighting') → empty
 * angles deleted → run-length columns empty over all angles deleted. Features per angle, nanmean.
 *
 * Notation (per angle θ): N_r(θ) = Σ P (number of runs); p_g(i) = Σ_j P(i,j), p_r(j) = Σ_i P(i,j);
 * i = gray-level values present, j = run lengths present; N_p(θ) = Σ_j j p_r(j).
 */
import type { TextureInput } from './textureCommon.ts';
import { angleDistance, force2Ddim, marginalVariance, matrixEntropy, nanmean, sumMarginal, sumMatrix } from './textureCommon.ts';
import { generateAngles } from './kernels/angles.ts';
import { prepareRoi } from './kernels/roi.ts';
import { glrlmCounts } from './kernels/glrlmKernel.ts';

export interface GlrlmMatrices {
  /** Run counts, layout a·n·m + i·m + j. */
  P: Float64Array;
  nAngles: number;
  /** Number of gray levels present (rows). */
  n: number;
  /** Number of run lengths present (columns). */
  m: number;
  ivector: Float64Array;
  jvector: Float64Array;
  angles: Int32Array;
}

/** Raw per-angle counts (Ng × Nr per angle, Nr = max bounding-box size) for IBSI aggregation. */
export function glrlmRaw(input: TextureInput): { counts: Float64Array; angles: Int32Array; Ng: number; Nr: number; grayLevels: Int32Array; nVoxels: number } {
  const grid = prepareRoi(input.binned, input.size, 1);
  const angles = generateAngles(grid.bboxSizeZYX, [1], false, force2Ddim(input.settings));
  const Nr = Math.max(...grid.bboxSizeZYX);
  return { counts: glrlmCounts(grid, angles, grid.Ng, Nr), angles, Ng: grid.Ng, Nr, grayLevels: grid.grayLevels, nVoxels: grid.roi.length };
}

/** The GLRLM exactly as PyRadiomics' P_glrlm after _calculateMatrix + _calculateCoefficients. */
export function computeGlrlm(input: TextureInput): GlrlmMatrices {
  const { counts, angles, Ng, Nr, grayLevels } = glrlmRaw(input);
  const na = angles.length / 3;
  const n = grayLevels.length;
  let P = new Float64Array(na * n * Nr);
  for (let a = 0; a < na; a++) {
    for (let i = 0; i < n; i++) {
      P.set(counts.subarray(a * Ng * Nr + (grayLevels[i]! - 1) * Nr, a * Ng * Nr + grayLevels[i]! * Nr), (a * n + i) * Nr);
    }
  }
  let nAngles = na;
  let kept = angles;
  const norm = input.settings.weightingNorm;
  if (norm !== undefined && norm !== null) {
    const spacingZYX = [input.spacingMm[2], input.spacingMm[1], input.spacingMm[0]];
    const merged = new Float64Array(n * Nr);
    for (let a = 0; a < na; a++) {
      const w = angleDistance([angles[3 * a]!, angles[3 * a + 1]!, angles[3 * a + 2]!], spacingZYX, norm);
      for (let k = 0; k < n * Nr; k++) merged[k]! += P[a * n * Nr + k]! * w;
    }
    P = merged;
    nAngles = 1;
    kept = new Int32Array(0);
  }
  if (nAngles > 1) {
    const keep: number[] = [];
    for (let a = 0; a < nAngles; a++) {
      let s = 0;
      for (let k = 0; k < n * Nr; k++) s += P[a * n * Nr + k]!;
      if (s !== 0) keep.push(a);
    }
    if (keep.length < nAngles) {
      const Q = new Float64Array(keep.length * n * Nr);
      const keptAngles = new Int32Array(keep.length * 3);
      keep.forEach((a, k) => {
        Q.set(P.subarray(a * n * Nr, (a + 1) * n * Nr), k * n * Nr);
        keptAngles.set(kept.subarray(a * 3, a * 3 + 3), k * 3);
      });
      P = Q;
      kept = keptAngles;
      nAngles = keep.length;
    }
  }
  // Delete run lengths absent over all angles.
  const cols: number[] = [];
  for (let j = 0; j < Nr; j++) {
    let s = 0;
    for (let a = 0; a < nAngles; a++) for (let i = 0; i < n; i++) s += P[(a * n + i) * Nr + j]!;
    if (s !== 0) cols.push(j);
  }
  const m = cols.length;
  const out = new Float64Array(nAngles * n * m);
  for (let a = 0; a < nAngles; a++) {
    for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) out[(a * n + i) * m + c] = P[(a * n + i) * Nr + cols[c]!]!;
  }
  return {
    P: out,
    nAngles,
    n,
    m,
    ivector: Float64Array.from(grayLevels),
    jvector: Float64Array.from(cols, (j) => j + 1),
    angles: kept,
  };
}

/** Per-angle coefficients. */
export interface GlrlmAngle {
  P: Float64Array;
  n: number;
  m: number;
  ivector: Float64Array;
  jvector: Float64Array;
  /** Number of runs N_r(θ) (NaN when 0). */
  Nr: number;
  pg: Float64Array;
  pr: Float64Array;
}

export function glrlmCoefficients(P: Float64Array, n: number, m: number, ivector: Float64Array, jvector: Float64Array): GlrlmAngle {
  const pg = new Float64Array(n);
  const pr = new Float64Array(m);
  let Nr = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = P[i * m + j]!;
      pg[i]! += v;
      pr[j]! += v;
      Nr += v;
    }
  }
  return { P, n, m, ivector, jvector, Nr: Nr === 0 ? NaN : Nr, pg, pr };
}

const sumIJ = (c: GlrlmAngle, f: (i: number, j: number) => number): number => sumMatrix(c.P, c.n, c.m, c.ivector, c.jvector, f);
const sumJ = (c: GlrlmAngle, f: (j: number) => number): number => sumMarginal(c.pr, c.jvector, c.m, f);
const sumI = (c: GlrlmAngle, f: (i: number) => number): number => sumMarginal(c.pg, c.ivector, c.n, f);

/** SRE = Σ P(i,j)/j² / N_r. IBSI 22OV */
export function ShortRunEmphasis(c: GlrlmAngle): number {
  return sumJ(c, (j) => 1 / (j * j)) / c.Nr;
}
/** LRE = Σ P(i,j) j² / N_r. IBSI W4KF */
export function LongRunEmphasis(c: GlrlmAngle): number {
  return sumJ(c, (j) => j * j) / c.Nr;
}
/** GLN = Σ_i p_g(i)² / N_r. IBSI R5YN */
export function GrayLevelNonUniformity(c: GlrlmAngle): number {
  return c.pg.reduce((s, v) => s + v * v, 0) / c.Nr;
}
/** GLNN = Σ_i p_g(i)² / N_r². IBSI OVBL */
export function GrayLevelNonUniformityNormalized(c: GlrlmAngle): number {
  return c.pg.reduce((s, v) => s + v * v, 0) / (c.Nr * c.Nr);
}
/** RLN = Σ_j p_r(j)² / N_r. IBSI W92Y */
export function RunLengthNonUniformity(c: GlrlmAngle): number {
  return c.pr.reduce((s, v) => s + v * v, 0) / c.Nr;
}
/** RLNN = Σ_j p_r(j)² / N_r². IBSI IC23 */
export function RunLengthNonUniformityNormalized(c: GlrlmAngle): number {
  return c.pr.reduce((s, v) => s + v * v, 0) / (c.Nr * c.Nr);
}
/** RP = N_r / N_p, N_p = Σ_j j p_r(j) (scaled by the merged matrix count when weighted). IBSI 9ZK5 */
export function RunPercentage(c: GlrlmAngle): number {
  return c.Nr / sumJ(c, (j) => j);
}
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j) i, p = P/N_r. IBSI 8CE5 */
export function GrayLevelVariance(c: GlrlmAngle): number {
  return marginalVariance(c.pg, c.ivector, c.n, c.Nr);
}
/** RV = Σ p(i,j)(j − μ)², μ = Σ p(i,j) j. IBSI SXLW */
export function RunVariance(c: GlrlmAngle): number {
  return marginalVariance(c.pr, c.jvector, c.m, c.Nr);
}
/** RE = −Σ p(i,j) log₂(p(i,j) + ε). IBSI HJ9O */
export function RunEntropy(c: GlrlmAngle): number {
  return matrixEntropy(c.P, c.n * c.m, c.Nr);
}
/** LGLRE = Σ P(i,j)/i² / N_r. IBSI V3SW */
export function LowGrayLevelRunEmphasis(c: GlrlmAngle): number {
  return sumI(c, (i) => 1 / (i * i)) / c.Nr;
}
/** HGLRE = Σ P(i,j) i² / N_r. IBSI G3QZ */
export function HighGrayLevelRunEmphasis(c: GlrlmAngle): number {
  return sumI(c, (i) => i * i) / c.Nr;
}
/** SRLGLE = Σ P(i,j)/(i² j²) / N_r. IBSI HTZT */
export function ShortRunLowGrayLevelEmphasis(c: GlrlmAngle): number {
  return sumIJ(c, (i, j) => 1 / (i * i * j * j)) / c.Nr;
}
/** SRHGLE = Σ P(i,j) i²/j² / N_r. IBSI GD3A */
export function ShortRunHighGrayLevelEmphasis(c: GlrlmAngle): number {
  return sumIJ(c, (i, j) => (i * i) / (j * j)) / c.Nr;
}
/** LRLGLE = Σ P(i,j) j²/i² / N_r. IBSI IVPO */
export function LongRunLowGrayLevelEmphasis(c: GlrlmAngle): number {
  return sumIJ(c, (i, j) => (j * j) / (i * i)) / c.Nr;
}
/** LRHGLE = Σ P(i,j) i² j² / N_r. IBSI 3KUM */
export function LongRunHighGrayLevelEmphasis(c: GlrlmAngle): number {
  return sumIJ(c, (i, j) => i * i * j * j) / c.Nr;
}

export const GLRLM_FEATURES: Record<string, (c: GlrlmAngle) => number> = {
  ShortRunEmphasis, LongRunEmphasis, GrayLevelNonUniformity, GrayLevelNonUniformityNormalized,
  RunLengthNonUniformity, RunLengthNonUniformityNormalized, RunPercentage, GrayLevelVariance, RunVariance,
  RunEntropy, LowGrayLevelRunEmphasis, HighGrayLevelRunEmphasis, ShortRunLowGrayLevelEmphasis,
  ShortRunHighGrayLevelEmphasis, LongRunLowGrayLevelEmphasis, LongRunHighGrayLevelEmphasis,
};

export function glrlmFeaturesFromMatrices(mat: GlrlmMatrices): Record<string, number> {
  const nm = mat.n * mat.m;
  const per: GlrlmAngle[] = [];
  for (let a = 0; a < mat.nAngles; a++) per.push(glrlmCoefficients(mat.P.subarray(a * nm, (a + 1) * nm), mat.n, mat.m, mat.ivector, mat.jvector));
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(GLRLM_FEATURES)) out[name] = nanmean(per.map(f));
  return out;
}

export function glrlmFeatures(input: TextureInput): Record<string, number> {
  return glrlmFeaturesFromMatrices(computeGlrlm(input));
}
