/**
 * Gray Level Size Zone Matrix features, following PyRadiomics radiomics/glszm.py.
 *
 * Matrix: P(i,j) = number of zones (connected voxels of one gray level; 26-connected in 3-D, 8-connected
 * with force2D — PyRadiomics' bi-directional distance-1 angles) of gray level i and size j. Rows of gray
 * levels absent from the ROI and columns of zone sizes that never occur are deleted.
 *
 * Notation: N_z = Σ P (number of zones, 1 if 0); N_p = ROI voxel count; p_g(i) = Σ_j P(i,j);
 * p_s(j) = Σ_i P(i,j); i = gray-level values, j = zone sizes present.
 */
import type { TextureInput } from './textureCommon.ts';
import { force2Ddim, marginalVariance, matrixEntropy, sumMarginal, sumMatrix } from './textureCommon.ts';
import { generateAngles } from './kernels/angles.ts';
import { prepareRoi } from './kernels/roi.ts';
import { glszmZones } from './kernels/glszmKernel.ts';

export interface GlszmMatrix {
  /** Zone counts, layout i·m + j. */
  P: Float64Array;
  n: number;
  m: number;
  ivector: Float64Array;
  jvector: Float64Array;
  /** ROI voxel count. */
  Np: number;
}

/** The GLSZM exactly as PyRadiomics' P_glszm after _calculateMatrix + _calculateCoefficients. */
export function computeGlszm(input: TextureInput): GlszmMatrix {
  const grid = prepareRoi(input.binned, input.size, 1);
  const angles = generateAngles(grid.bboxSizeZYX, [1], true, force2Ddim(input.settings));
  const { zoneGray, zoneSize, nZones, maxSize } = glszmZones(grid, angles);
  const gl = grid.grayLevels;
  const n = gl.length;
  // The columns: the zone sizes that occur, ascending (PyRadiomics deletes the empty ones). Built from
  // the zones, not from the Ng × maxSize matrix: one large zone makes that mostly empty columns (a 10⁶-
  // voxel ROI: tens of MB to fill and scan).
  const col = new Int32Array(maxSize + 1).fill(-1);
  for (let z = 0; z < nZones; z++) col[zoneSize[z]!] = 0;
  const sizes: number[] = [];
  for (let s = 1; s <= maxSize; s++) if (col[s] === 0) { col[s] = sizes.length; sizes.push(s); }
  const row = new Int32Array(grid.Ng + 1);
  for (let i = 0; i < n; i++) row[gl[i]!] = i;
  const m = sizes.length;
  const P = new Float64Array(n * m);
  for (let z = 0; z < nZones; z++) P[row[zoneGray[z]!]! * m + col[zoneSize[z]!]!]!++;
  return { P, n, m, ivector: Float64Array.from(gl), jvector: Float64Array.from(sizes), Np: grid.roi.length };
}

export interface GlszmCoefficients extends GlszmMatrix {
  Nz: number;
  pg: Float64Array;
  ps: Float64Array;
}

export function glszmCoefficients(mat: GlszmMatrix): GlszmCoefficients {
  const pg = new Float64Array(mat.n);
  const ps = new Float64Array(mat.m);
  let Nz = 0;
  for (let i = 0; i < mat.n; i++) {
    for (let j = 0; j < mat.m; j++) {
      const v = mat.P[i * mat.m + j]!;
      pg[i]! += v;
      ps[j]! += v;
      Nz += v;
    }
  }
  return { ...mat, Nz: Nz === 0 ? 1 : Nz, pg, ps };
}

const sumIJ = (c: GlszmCoefficients, f: (i: number, j: number) => number): number => sumMatrix(c.P, c.n, c.m, c.ivector, c.jvector, f);
const sumJ = (c: GlszmCoefficients, f: (j: number) => number): number => sumMarginal(c.ps, c.jvector, c.m, f);
const sumI = (c: GlszmCoefficients, f: (i: number) => number): number => sumMarginal(c.pg, c.ivector, c.n, f);

/** SAE = Σ P(i,j)/j² / N_z. IBSI 5QRC */
export function SmallAreaEmphasis(c: GlszmCoefficients): number {
  return sumJ(c, (j) => 1 / (j * j)) / c.Nz;
}
/** LAE = Σ P(i,j) j² / N_z. IBSI 48P8 */
export function LargeAreaEmphasis(c: GlszmCoefficients): number {
  return sumJ(c, (j) => j * j) / c.Nz;
}
/** GLN = Σ_i p_g(i)² / N_z. IBSI JNSA */
export function GrayLevelNonUniformity(c: GlszmCoefficients): number {
  return c.pg.reduce((s, v) => s + v * v, 0) / c.Nz;
}
/** GLNN = Σ_i p_g(i)² / N_z². IBSI Y1RO */
export function GrayLevelNonUniformityNormalized(c: GlszmCoefficients): number {
  return c.pg.reduce((s, v) => s + v * v, 0) / (c.Nz * c.Nz);
}
/** SZN = Σ_j p_s(j)² / N_z. IBSI 4JP3 */
export function SizeZoneNonUniformity(c: GlszmCoefficients): number {
  return c.ps.reduce((s, v) => s + v * v, 0) / c.Nz;
}
/** SZNN = Σ_j p_s(j)² / N_z². IBSI VB3A */
export function SizeZoneNonUniformityNormalized(c: GlszmCoefficients): number {
  return c.ps.reduce((s, v) => s + v * v, 0) / (c.Nz * c.Nz);
}
/** ZP = N_z / N_p. IBSI P30P */
export function ZonePercentage(c: GlszmCoefficients): number {
  return c.Nz / c.Np;
}
/** GLV = Σ p(i,j)(i − μ)², μ = Σ p(i,j) i, p = P/N_z. IBSI BYLV */
export function GrayLevelVariance(c: GlszmCoefficients): number {
  return marginalVariance(c.pg, c.ivector, c.n, c.Nz);
}
/** ZV = Σ p(i,j)(j − μ)², μ = Σ p(i,j) j. IBSI 3NSA */
export function ZoneVariance(c: GlszmCoefficients): number {
  return marginalVariance(c.ps, c.jvector, c.m, c.Nz);
}
/** ZE = −Σ p(i,j) log₂(p(i,j) + ε). IBSI GU8N */
export function ZoneEntropy(c: GlszmCoefficients): number {
  return matrixEntropy(c.P, c.n * c.m, c.Nz);
}
/** LGLZE = Σ P(i,j)/i² / N_z. IBSI XMSY */
export function LowGrayLevelZoneEmphasis(c: GlszmCoefficients): number {
  return sumI(c, (i) => 1 / (i * i)) / c.Nz;
}
/** HGLZE = Σ P(i,j) i² / N_z. IBSI 5GN9 */
export function HighGrayLevelZoneEmphasis(c: GlszmCoefficients): number {
  return sumI(c, (i) => i * i) / c.Nz;
}
/** SALGLE = Σ P(i,j)/(i² j²) / N_z. IBSI 5RAI */
export function SmallAreaLowGrayLevelEmphasis(c: GlszmCoefficients): number {
  return sumIJ(c, (i, j) => 1 / (i * i * j * j)) / c.Nz;
}
/** SAHGLE = Σ P(i,j) i²/j² / N_z. IBSI HW1V */
export function SmallAreaHighGrayLevelEmphasis(c: GlszmCoefficients): number {
  return sumIJ(c, (i, j) => (i * i) / (j * j)) / c.Nz;
}
/** LALGLE = Σ P(i,j) j²/i² / N_z. IBSI YH51 */
export function LargeAreaLowGrayLevelEmphasis(c: GlszmCoefficients): number {
  return sumIJ(c, (i, j) => (j * j) / (i * i)) / c.Nz;
}
/** LAHGLE = Σ P(i,j) i² j² / N_z. IBSI J17V */
export function LargeAreaHighGrayLevelEmphasis(c: GlszmCoefficients): number {
  return sumIJ(c, (i, j) => i * i * j * j) / c.Nz;
}

export const GLSZM_FEATURES: Record<string, (c: GlszmCoefficients) => number> = {
  SmallAreaEmphasis, LargeAreaEmphasis, GrayLevelNonUniformity, GrayLevelNonUniformityNormalized,
  SizeZoneNonUniformity, SizeZoneNonUniformityNormalized, ZonePercentage, GrayLevelVariance, ZoneVariance,
  ZoneEntropy, LowGrayLevelZoneEmphasis, HighGrayLevelZoneEmphasis, SmallAreaLowGrayLevelEmphasis,
  SmallAreaHighGrayLevelEmphasis, LargeAreaLowGrayLevelEmphasis, LargeAreaHighGrayLevelEmphasis,
};

export function glszmFeaturesFromMatrix(mat: GlszmMatrix): Record<string, number> {
  const c = glszmCoefficients(mat);
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(GLSZM_FEATURES)) out[name] = f(c);
  return out;
}

export function glszmFeatures(input: TextureInput): Record<string, number> {
  return glszmFeaturesFromMatrix(computeGlszm(input));
}
