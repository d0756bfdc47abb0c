/**
 * Gray Level Dependence Matrix features, following PyRadiomics radiomics/gldm.py.
 *
 * Matrix: P(i,j) = number of ROI voxels of gray level i with j − 1 dependent neighbours (neighbours within
 * `distances`, bi-directional, inside the ROI, |i − k| ≤ gldm_a). Rows of absent gray levels and
 * dependence columns that never occur are deleted.
 *
 * Notation: N_z = N_p = ROI voxel count (every voxel has a dependence zone); p_g(i) = Σ_j P(i,j);
 * p_d(j) = Σ_i P(i,j); i = gray-level values, j = dependence sizes present (1 = no dependent neighbour).
 * Deprecated, not computed: GrayLevelNonUniformityNormalized (= firstorder Uniformity),
 * DependencePercentage (always 1).
 */
import type { TextureInput } from './textureCommon.ts';
import { distancesOf, force2Ddim, marginalVariance, matrixEntropy, sumMarginal, sumMatrix } from './textureCommon.ts';
import { generateAngles } from './kernels/angles.ts';
import { prepareRoi } from './kernels/roi.ts';
import { gldmCounts } from './kernels/gldmKernel.ts';

export interface GldmMatrix {
  /** Counts, layout i·m + j. */
  P: Float64Array;
  n: number;
  m: number;
  ivector: Float64Array;
  jvector: Float64Array;
  Np: number;
}

/** The GLDM exactly as PyRadiomics' P_gldm after _calculateMatrix. */
export function computeGldm(input: TextureInput): GldmMatrix {
  const distances = distancesOf(input.settings);
  const grid = prepareRoi(input.binned, input.size, Math.max(...distances));
  const angles = generateAngles(grid.bboxSizeZYX, distances, true, force2Ddim(input.settings));
  const { P: raw, nDep } = gldmCounts(grid, angles, grid.Ng, input.settings.gldm_a ?? 0);
  const gl = grid.grayLevels;
  const n = gl.length;
  const cols: number[] = [];
  for (let j = 0; j < nDep; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += raw[(gl[i]! - 1) * nDep + j]!;
    if (s !== 0) cols.push(j);
  }
  const m = cols.length;
  const P = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) P[i * m + c] = raw[(gl[i]! - 1) * nDep + cols[c]!]!;
  return { P, n, m, ivector: Float64Array.from(gl), jvector: Float64Array.from(cols, (j) => j + 1), Np: grid.roi.length };
}

export interface GldmCoefficients extends GldmMatrix {
  Nz: number;
  pg: Float64Array;
  pd: Float64Array;
}

export function gldmCoefficients(mat: GldmMatrix): GldmCoefficients {
  const pg = new Float64Array(mat.n);
  const pd = new Float64Array(mat.m);
  for (let i = 0; i < mat.n; i++) {
    for (let j = 0; j < mat.m; j++) {
      pg[i]! += mat.P[i * mat.m + j]!;
      pd[j]! += mat.P[i * mat.m + j]!;
    }
  }
  return { ...mat, Nz: mat.Np, pg, pd };
}

const sumIJ = (c: GldmCoefficients, f: (i: number, j: number) => number): number => sumMatrix(c.P, c.n, c.m, c.ivector, c.jvector, f);
const sumJ = (c: GldmCoefficients, f: (j: number) => number): number => sumMarginal(c.pd, c.jvector, c.m, f);
const sumI = (c: GldmCoefficients, f: (i: number) => number): number => sumMarginal(c.pg, c.ivector, c.n, f);

/** SDE = Σ P(i,j)/j² / N_z. IBSI SODN */
export function SmallDependenceEmphasis(c: GldmCoefficients): number {
  return sumJ(c, (j) => 1 / (j * j)) / c.Nz;
}
/** LDE = Σ P(i,j) j² / N_z. IBSI IMOQ */
export function LargeDependenceEmphasis(c: GldmCoefficients): number {
  return sumJ(c, (j) => j * j) / c.Nz;
}
/** GLN = Σ_i p_g(i)² / N_z. IBSI FP8K */
export function GrayLevelNonUniformity(c: GldmCoefficients): number {
  return c.pg.reduce((s, v) => s + v * v, 0) / c.Nz;
}
/** DN = Σ_j p_d(j)² / N_z. IBSI Z87G */
export function DependenceNonUniformity(c: GldmCoefficients): number {
  return c.pd.reduce((s, v) => s + v * v, 0) / c.Nz;
}
/** DNN = Σ_j p_d(j)² / N_z². IBSI OKJI */
export function DependenceNonUniformityNormalized(c: GldmCoefficients): number {
  return c.pd.reduce((s, v) => s + v * v, 0) / (c.Nz * c.Nz);
}
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j) i, p = P/N_z. IBSI 1PFV */
export function GrayLevelVariance(c: GldmCoefficients): number {
  return marginalVariance(c.pg, c.ivector, c.n, c.Nz);
}
/** DV = Σ p(i,j)(j − μ)², μ = Σ p(i,j) j. IBSI DNX2 */
export function DependenceVariance(c: GldmCoefficients): number {
  return marginalVariance(c.pd, c.jvector, c.m, c.Nz);
}
/** DE = −Σ p(i,j) log₂(p(i,j) + ε). IBSI FCBV */
export function DependenceEntropy(c: GldmCoefficients): number {
  return matrixEntropy(c.P, c.n * c.m, c.Nz);
}
/** LGLE = Σ P(i,j)/i² / N_z. IBSI TL9H */
export function LowGrayLevelEmphasis(c: GldmCoefficients): number {
  return sumI(c, (i) => 1 / (i * i)) / c.Nz;
}
/** HGLE = Σ P(i,j) i² / N_z. IBSI OAE7 */
export function HighGrayLevelEmphasis(c: GldmCoefficients): number {
  return sumI(c, (i) => i * i) / c.Nz;
}
/** SDLGLE = Σ P(i,j)/(i² j²) / N_z. IBSI EQ3F */
export function SmallDependenceLowGrayLevelEmphasis(c: GldmCoefficients): number {
  return sumIJ(c, (i, j) => 1 / (i * i * j * j)) / c.Nz;
}
/** SDHGLE = Σ P(i,j) i²/j² / N_z. IBSI JA6D */
export function SmallDependenceHighGrayLevelEmphasis(c: GldmCoefficients): number {
  return sumIJ(c, (i, j) => (i * i) / (j * j)) / c.Nz;
}
/** LDLGLE = Σ P(i,j) j²/i² / N_z. IBSI NBZI */
export function LargeDependenceLowGrayLevelEmphasis(c: GldmCoefficients): number {
  return sumIJ(c, (i, j) => (j * j) / (i * i)) / c.Nz;
}
/** LDHGLE = Σ P(i,j) i² j² / N_z. IBSI 9QMG */
export function LargeDependenceHighGrayLevelEmphasis(c: GldmCoefficients): number {
  return sumIJ(c, (i, j) => i * i * j * j) / c.Nz;
}

export const GLDM_FEATURES: Record<string, (c: GldmCoefficients) => number> = {
  SmallDependenceEmphasis, LargeDependenceEmphasis, GrayLevelNonUniformity, DependenceNonUniformity,
  DependenceNonUniformityNormalized, GrayLevelVariance, DependenceVariance, DependenceEntropy,
  LowGrayLevelEmphasis, HighGrayLevelEmphasis, SmallDependenceLowGrayLevelEmphasis,
  SmallDependenceHighGrayLevelEmphasis, LargeDependenceLowGrayLevelEmphasis, LargeDependenceHighGrayLevelEmphasis,
};

export function gldmFeaturesFromMatrix(mat: GldmMatrix): Record<string, number> {
  const c = gldmCoefficients(mat);
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(GLDM_FEATURES)) out[name] = f(c);
  return out;
}

export function gldmFeatures(input: TextureInput): Record<string, number> {
  return gldmFeaturesFromMatrix(computeGldm(input));
}
