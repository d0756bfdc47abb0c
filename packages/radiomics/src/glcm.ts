/**
 * Gray Level Co-occurrence Matrix features, following PyRadiomics radiomics/glcm.py.
 *
 * Matrix (PyRadiomics _calculateMatrix): raw counts per mono-directional angle (13 in 3-D for distance 1)
 * → rows/columns of gray levels absent from the ROI deleted → P + Pᵀ per angle if symmetricalGLCM →
 * with weightingNorm, angles merged as Σ_a w_a P_a, w = exp(−‖d‖²) (1 for 'no_weighting') → empty angles
 * deleted → each angle normalized to p = P / ΣP. Features are computed per angle and averaged with nanmean.
 *
 * Notation (per angle): p(i,j) normalized matrix over the gray levels present (i, j are gray-level
 * values); p_x, p_y marginals; μ_x = Σ i p(i,j), μ_y = Σ j p(i,j); p_{x+y}(k) = Σ_{i+j=k} p for k = 2..2N_g;
 * p_{x−y}(k) = Σ_{|i−j|=k} p for k = 0..N_g−1; N_g = largest gray level in the ROI; ε = numpy.spacing(1);
 * HX, HY, HXY = −Σ p log₂(p + ε) of p_x, p_y, p.
 */
import type { TextureInput } from './textureCommon.ts';
import { EPS, distancesOf, force2Ddim, nanmean } from './textureCommon.ts';
import { generateAngles } from './kernels/angles.ts';
import { prepareRoi } from './kernels/roi.ts';
import { glcmCounts } from './kernels/glcmKernel.ts';
import { MCC, mccEigenvalues, mccFromEigenvalues, mccSymmetric } from './glcmMcc.ts';

export { MCC, mccEigenvalues, mccFromEigenvalues, mccSymmetric } from './glcmMcc.ts';

export interface GlcmMatrices {
  /** Normalized matrices, layout a·n² + i·n + j over the n gray levels present. */
  P: Float64Array;
  nAngles: number;
  n: number;
  /** Gray levels present in the ROI (ascending): the i/j values of rows/columns. */
  grayLevels: Int32Array;
  /** Largest gray level in the ROI (PyRadiomics Ng). */
  Ng: number;
  /** Kept angles as (dz, dy, dx) triples (one all-zero-free entry per matrix; empty when weighted). */
  angles: Int32Array;
}

/** GLCM distance weight, PyRadiomics: exp(−‖|a| ⊙ spacing‖²) under the norm; 1 for 'no_weighting'. */
export function glcmWeight(dzyx: readonly number[], spacingZYX: readonly number[], norm: string): number {
  const v = dzyx.map((a, k) => Math.abs(a) * spacingZYX[k]!);
  if (norm === 'infinity') return Math.exp(-(Math.max(...v) ** 2));
  if (norm === 'euclidean') return Math.exp(-v.reduce((s, x) => s + x * x, 0));
  if (norm === 'manhattan') return Math.exp(-(v.reduce((s, x) => s + x, 0) ** 2));
  return 1; // 'no_weighting' (PyRadiomics also falls back to 1 for unknown norms, with a warning)
}

/** Raw per-angle counts before any PyRadiomics post-processing (for IBSI aggregation). */
export function glcmRaw(input: TextureInput): { counts: Float64Array; angles: Int32Array; Ng: number; grayLevels: Int32Array } {
  const distances = distancesOf(input.settings);
  const grid = prepareRoi(input.binned, input.size, Math.max(...distances));
  const angles = generateAngles(grid.bboxSizeZYX, distances, false, force2Ddim(input.settings));
  return { counts: glcmCounts(grid, angles, grid.Ng), angles, Ng: grid.Ng, grayLevels: grid.grayLevels };
}

/** The GLCM exactly as PyRadiomics' P_glcm after _calculateMatrix (squeezed of the voxel axis). */
export function computeGlcm(input: TextureInput): GlcmMatrices {
  const { counts, angles, Ng, grayLevels } = glcmRaw(input);
  const s = input.settings;
  const na = angles.length / 3;
  const n = grayLevels.length;
  const n2 = n * n;
  let P = new Float64Array(na * n2);
  // Keep only present gray levels; symmetrize per angle.
  for (let a = 0; a < na; a++) {
    for (let i = 0; i < n; i++) {
      const gi = grayLevels[i]! - 1;
      for (let j = 0; j < n; j++) {
        const gj = grayLevels[j]! - 1;
        let v = counts[a * Ng * Ng + gi * Ng + gj]!;
        if (s.symmetricalGLCM ?? true) v += counts[a * Ng * Ng + gj * Ng + gi]!;
        P[a * n2 + i * n + j] = v;
      }
    }
  }
  let nAngles = na;
  let kept = angles;
  if (s.weightingNorm !== undefined && s.weightingNorm !== null) {
    const spacingZYX = [input.spacingMm[2], input.spacingMm[1], input.spacingMm[0]];
    const merged = new Float64Array(n2);
    for (let a = 0; a < na; a++) {
      const w = glcmWeight([angles[3 * a]!, angles[3 * a + 1]!, angles[3 * a + 2]!], spacingZYX, s.weightingNorm);
      for (let k = 0; k < n2; k++) merged[k]! += P[a * n2 + k]! * w;
    }
    P = merged;
    nAngles = 1;
    kept = new Int32Array(0);
  }
  const sums = new Float64Array(nAngles);
  for (let a = 0; a < nAngles; a++) for (let k = 0; k < n2; k++) sums[a]! += P[a * n2 + k]!;
  if (nAngles > 1) {
    const keep: number[] = [];
    for (let a = 0; a < nAngles; a++) if (sums[a] !== 0) keep.push(a);
    if (keep.length < nAngles) {
      const Q = new Float64Array(keep.length * n2);
      const keptAngles = new Int32Array(keep.length * 3);
      keep.forEach((a, k) => {
        Q.set(P.subarray(a * n2, (a + 1) * n2), k * n2);
        keptAngles.set(kept.subarray(a * 3, a * 3 + 3), k * 3);
        sums[k] = sums[a]!;
      });
      P = Q;
      kept = keptAngles;
      nAngles = keep.length;
    }
  }
  for (let a = 0; a < nAngles; a++) {
    const sum = sums[a] === 0 ? NaN : sums[a]!;
    for (let k = 0; k < n2; k++) P[a * n2 + k] = P[a * n2 + k]! / sum;
  }
  return { P, nAngles, n, grayLevels, Ng, angles: kept };
}

/** Per-angle coefficients (PyRadiomics _calculateCoefficients) plus the moment sums the features read. */
export interface GlcmAngle {
  p: Float64Array;
  n: number;
  /** Gray-level values of rows/columns. */
  iv: Float64Array;
  Ng: number;
  px: Float64Array;
  py: Float64Array;
  ux: number;
  uy: number;
  /** p_{x+y}(k), index k − 2, length 2Ng − 1. */
  pxAddy: Float64Array;
  /** p_{x−y}(k), index k, length Ng. */
  pxSuby: Float64Array;
  HXY: number;
  /** Σ p·i·j */
  sumIJ: number;
  /** Σ p (i + j − μ_x − μ_y)^k for k = 2, 3, 4 */
  clusterM2: number;
  clusterM3: number;
  clusterM4: number;
  /** Σ p (i − j)² */
  diffM2: number;
  /** Σ p (i − μ_x)², Σ p (j − μ_y)², Σ p (i − μ_x)(j − μ_y) */
  varX: number;
  varY: number;
  covXY: number;
  /** Σ p², max p */
  energy: number;
  maxP: number;
}

/** One angle's coefficients: two passes over the n×n matrix (means first, then central moments). */
export function glcmCoefficients(p: Float64Array, n: number, grayLevels: Int32Array, Ng: number): GlcmAngle {
  const iv = Float64Array.from(grayLevels);
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  const pxAddy = new Float64Array(2 * Ng - 1);
  const pxSuby = new Float64Array(Ng);
  let ux = 0, uy = 0, HXY = 0, sumIJ = 0, energy = 0, maxP = -Infinity;
  for (let i = 0; i < n; i++) {
    const gi = iv[i]!;
    for (let j = 0; j < n; j++) {
      const v = p[i * n + j]!;
      const gj = iv[j]!;
      px[i]! += v;
      py[j]! += v;
      ux += gi * v;
      uy += gj * v;
      pxAddy[gi + gj - 2]! += v;
      pxSuby[Math.abs(gi - gj)]! += v;
      // An empty cell adds 0·log₂ε = −0 (no change): skip its logarithm (GLCMs are often half empty).
      if (v !== 0) HXY -= v * Math.log2(v + EPS);
      sumIJ += v * gi * gj;
      energy += v * v;
      if (v > maxP) maxP = v;
    }
  }
  let clusterM2 = 0, clusterM3 = 0, clusterM4 = 0, diffM2 = 0, varX = 0, varY = 0, covXY = 0;
  for (let i = 0; i < n; i++) {
    const gi = iv[i]!;
    const di = gi - ux;
    for (let j = 0; j < n; j++) {
      const v = p[i * n + j]!;
      const dj = iv[j]! - uy;
      const t = di + dj;
      const t2 = t * t;
      clusterM2 += v * t2;
      clusterM3 += v * t2 * t;
      clusterM4 += v * t2 * t2;
      const gd = gi - iv[j]!; // integer gray levels: gd·gd is exact, as (i − j)² is (and is no pow call)
      diffM2 += v * (gd * gd);
      varX += v * di * di;
      varY += v * dj * dj;
      covXY += v * di * dj;
    }
  }
  return { p, n, iv, Ng, px, py, ux, uy, pxAddy, pxSuby, HXY, sumIJ, clusterM2, clusterM3, clusterM4, diffM2, varX, varY, covXY, energy, maxP };
}

/** Autocorrelation = Σ p(i,j)·i·j. IBSI QWT3 */
export function Autocorrelation(c: GlcmAngle): number {
  return c.sumIJ;
}
/** Joint Average = μ_x = Σ p(i,j)·i (assumes a symmetrical GLCM). IBSI 60VM */
export function JointAverage(c: GlcmAngle): number {
  return c.ux;
}
/** Cluster Prominence = Σ (i + j − μ_x − μ_y)⁴ p(i,j). IBSI AE86 */
export function ClusterProminence(c: GlcmAngle): number {
  return c.clusterM4;
}
/** Cluster Shade = Σ (i + j − μ_x − μ_y)³ p(i,j). IBSI 7NFM */
export function ClusterShade(c: GlcmAngle): number {
  return c.clusterM3;
}
/** Cluster Tendency = Σ (i + j − μ_x − μ_y)² p(i,j). IBSI DG8W */
export function ClusterTendency(c: GlcmAngle): number {
  return c.clusterM2;
}
/** Contrast = Σ (i − j)² p(i,j). IBSI ACUI */
export function Contrast(c: GlcmAngle): number {
  return c.diffM2;
}
/**
 * Correlation = (Σ p(i,j)(i − μ_x)(j − μ_y)) / (σ_x σ_y + ε), σ_x = √(Σ p (i − μ_x)²);
 * 1 when σ_x σ_y = 0 (flat region). IBSI NI2N
 */
export function Correlation(c: GlcmAngle): number {
  const sig = Math.sqrt(c.varX) * Math.sqrt(c.varY);
  if (sig === 0) return 1;
  return c.covXY / (sig + EPS);
}
/** Difference Average = Σ_k k p_{x−y}(k). IBSI TF7R */
export function DifferenceAverage(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s += k * c.pxSuby[k]!;
  return s;
}
/** Difference Entropy = −Σ_k p_{x−y}(k) log₂(p_{x−y}(k) + ε). IBSI NTRS */
export function DifferenceEntropy(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s -= c.pxSuby[k]! * Math.log2(c.pxSuby[k]! + EPS);
  return s;
}
/** Difference Variance = Σ_k (k − DA)² p_{x−y}(k). IBSI D3YU */
export function DifferenceVariance(c: GlcmAngle): number {
  const da = DifferenceAverage(c);
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s += c.pxSuby[k]! * (k - da) ** 2;
  return s;
}
/** Joint Energy = Σ p(i,j)² (IBSI angular second moment). IBSI 8ZQL */
export function JointEnergy(c: GlcmAngle): number {
  return c.energy;
}
/** Joint Entropy = HXY = −Σ p(i,j) log₂(p(i,j) + ε). IBSI TU9B */
export function JointEntropy(c: GlcmAngle): number {
  return c.HXY;
}
/**
 * IMC1 = (HXY − HXY1) / max(HX, HY), HXY1 = −Σ p(i,j) log₂(p_x(i) p_y(j) + ε); 0 when HX = HY = 0.
 * IBSI R8DG
 */
export function Imc1(c: GlcmAngle): number {
  let HX = 0, HY = 0, HXY1 = 0;
  for (let i = 0; i < c.n; i++) HX -= c.px[i]! * Math.log2(c.px[i]! + EPS);
  for (let j = 0; j < c.n; j++) HY -= c.py[j]! * Math.log2(c.py[j]! + EPS);
  const { n, p, px, py } = c;
  for (let i = 0; i < n; i++) {
    const pxi = px[i]!;
    for (let j = 0, k = i * n; j < n; j++, k++) {
      const v = p[k]!;
      if (v !== 0) HXY1 -= v * Math.log2(pxi * py[j]! + EPS); // 0·finite adds nothing
    }
  }
  const div = Math.max(HX, HY);
  return div === 0 ? 0 : (c.HXY - HXY1) / div;
}
/**
 * IMC2 = √(1 − e^{−2(HXY2 − HXY)}), HXY2 = −Σ p_x(i)p_y(j) log₂(p_x(i)p_y(j) + ε); 0 when HXY2 = HXY;
 * NaN (ignored by the angle mean) when HXY2 < HXY, as numpy's real power gives. IBSI JN9H
 */
export function Imc2(c: GlcmAngle): number {
  let HXY2 = 0;
  const { n, px, py } = c;
  for (let i = 0; i < n; i++) {
    const pxi = px[i]!;
    if (pxi === 0) continue; // the row's q are all 0: each term is 0·log₂ε = −0 (no change)
    for (let j = 0; j < n; j++) {
      const q = pxi * py[j]!;
      HXY2 -= q * Math.log2(q + EPS);
    }
  }
  if (HXY2 === c.HXY) return 0;
  return Math.sqrt(1 - Math.exp(-2 * (HXY2 - c.HXY)));
}
/** IDM = Σ_k p_{x−y}(k) / (1 + k²). IBSI WF0Z */
export function Idm(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s += c.pxSuby[k]! / (1 + k * k);
  return s;
}
/** IDMN = Σ_k p_{x−y}(k) / (1 + k²/N_g²). IBSI 1QCO */
export function Idmn(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s += c.pxSuby[k]! / (1 + (k * k) / (c.Ng * c.Ng));
  return s;
}
/** ID = Σ_k p_{x−y}(k) / (1 + k). IBSI IB1Z */
export function Id(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s += c.pxSuby[k]! / (1 + k);
  return s;
}
/** IDN = Σ_k p_{x−y}(k) / (1 + k/N_g). IBSI NDRX */
export function Idn(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.Ng; k++) s += c.pxSuby[k]! / (1 + k / c.Ng);
  return s;
}
/** Inverse Variance = Σ_{k≥1} p_{x−y}(k) / k². IBSI E8JP */
export function InverseVariance(c: GlcmAngle): number {
  let s = 0;
  for (let k = 1; k < c.Ng; k++) s += c.pxSuby[k]! / (k * k);
  return s;
}
/** Maximum Probability = max p(i,j) (IBSI joint maximum). IBSI GYBY */
export function MaximumProbability(c: GlcmAngle): number {
  return c.maxP;
}
/** Sum Average = Σ_k k p_{x+y}(k) (= 2 · Joint Average for a symmetrical GLCM). IBSI ZGXS */
export function SumAverage(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.pxAddy.length; k++) s += (k + 2) * c.pxAddy[k]!;
  return s;
}
/** Sum Entropy = −Σ_k p_{x+y}(k) log₂(p_{x+y}(k) + ε). IBSI P6QZ */
export function SumEntropy(c: GlcmAngle): number {
  let s = 0;
  for (let k = 0; k < c.pxAddy.length; k++) s -= c.pxAddy[k]! * Math.log2(c.pxAddy[k]! + EPS);
  return s;
}
/** Sum of Squares = Σ (i − μ_x)² p(i,j) (IBSI joint variance). IBSI UR99 */
export function SumSquares(c: GlcmAngle): number {
  return c.varX;
}
/** Feature functions in PyRadiomics' default set, keyed by PyRadiomics name (none deprecated). */
export const GLCM_FEATURES: Record<string, (c: GlcmAngle) => number> = {
  Autocorrelation, JointAverage, ClusterProminence, ClusterShade, ClusterTendency, Contrast, Correlation,
  DifferenceAverage, DifferenceEntropy, DifferenceVariance, JointEnergy, JointEntropy, Imc1, Imc2, Idm,
  Idmn, Id, Idn, InverseVariance, MaximumProbability, SumAverage, SumEntropy, SumSquares, MCC,
};

/** Features averaged over the kept angles with nanmean, as PyRadiomics. */
export function glcmFeaturesFromMatrices(m: GlcmMatrices): Record<string, number> {
  const n2 = m.n * m.n;
  const perAngle: GlcmAngle[] = [];
  for (let a = 0; a < m.nAngles; a++) perAngle.push(glcmCoefficients(m.P.subarray(a * n2, (a + 1) * n2), m.n, m.grayLevels, m.Ng));
  const out: Record<string, number> = {};
  for (const [name, f] of Object.entries(GLCM_FEATURES)) {
    if (name !== 'MCC') out[name] = nanmean(perAngle.map(f));
  }
  if (m.n < 2) {
    out.MCC = 1; // flat region: PyRadiomics returns 1 (a 1×1 Q has a single eigenvalue)
  } else {
    // Symmetric fast path per angle; the general solver for the rest (whose complex-ness, as one numpy
    // stack, decides the root semantics of every general-path angle; fast-path angles have λ₂ > 0).
    const fast = perAngle.map(mccSymmetric);
    const evs = perAngle.map((c, a) => (fast[a] === undefined ? mccEigenvalues(c) : undefined));
    const complexStack = evs.some((ev) => ev !== undefined && Array.from(ev.im).some((v) => v !== 0));
    out.MCC = nanmean(fast.map((f, a) => f ?? mccFromEigenvalues(evs[a]!, complexStack)));
  }
  return out;
}

export function glcmFeatures(input: TextureInput): Record<string, number> {
  return glcmFeaturesFromMatrices(computeGlcm(input));
}
