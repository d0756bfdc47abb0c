/**
 * First-order statistics (PyRadiomics `firstorder`, radiomics/firstorder.py), over the ROI voxel
 * values X (N_p voxels). `c` = voxelArrayShift (default 0). IBSI codes in comments where defined.
 * Histogram features (Entropy, Uniformity) use PyRadiomics' bin edges (getBinEdges: binWidth from 0
 * or binCount) and numpy.histogram counting (last bin closed), including the empty bins with ε.
 */
import { digitizeUniform, edgeStep, getBinEdges } from './discretize.ts';
import { EPS } from './texture.ts';

export interface FirstOrderSettings {
  binWidth?: number;
  binCount?: number | null;
  voxelArrayShift?: number;
}

/** numpy.percentile(a, q) with the default 'linear' method on a sorted array (numpy's _lerp). */
export function percentileSorted(a: Float64Array, q: number): number {
  const n = a.length;
  const rank = (q / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, n - 1);
  const t = rank - lo;
  const x = a[lo]!, y = a[hi]!;
  const diff = y - x;
  // numpy: a + diff·t, but b − diff·(1 − t) when t ≥ 0.5 (monotone, exact at the ends).
  return t >= 0.5 ? y - diff * (1 - t) : x + diff * t;
}

/** numpy.median on a sorted array. */
export function medianSorted(a: Float64Array): number {
  const n = a.length;
  const m = n >> 1;
  return n % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

/** numpy.histogram(values, edges)[0]: bins [e_i, e_{i+1}), the last one closed. */
export function histogramCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  const last = edges[nb]!;
  const e0 = edges[0]!;
  const step = edgeStep(edges);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x < e0 || x > last) continue;
    const b = x === last ? nb : digitizeUniform(x, edges, e0, step);
    counts[b - 1]++;
  }
  return counts;
}

/**
 * A sorted copy, as Float64Array.prototype.sort gives it. Integer-valued data over a range up to 4·n + 65536
 * (CT, MR and most original images) is counting-sorted in O(n + range) instead of O(n log n): the same
 * array, value for value. Anything else (fractions, −0, ±∞, NaN, wide ranges) goes to the native sort.
 */
export function sortedCopy(values: Float64Array): Float64Array {
  const n = values.length;
  let min = Infinity, max = -Infinity;
  let integral = n > 0;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    if (x !== Math.floor(x) || (x === 0 && 1 / x < 0)) { integral = false; break; }
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const range = max - min + 1;
  if (!integral || !(range <= 4 * n + 65536)) return Float64Array.from(values).sort();
  const counts = new Int32Array(range);
  for (let i = 0; i < n; i++) counts[values[i]! - min]++;
  const out = new Float64Array(n);
  for (let v = 0, k = 0; v < range; v++) for (let c = counts[v]!; c > 0; c--) out[k++] = v + min;
  return out;
}

/**
 * All PyRadiomics first-order features of the ROI values (StandardDeviation included).
 * `voxelVolumeMm3` is the product of the voxel spacing (TotalEnergy).
 */
export function firstOrderFeatures(values: Float64Array, voxelVolumeMm3: number, settings: FirstOrderSettings): Record<string, number> {
  const n = values.length;
  const c = settings.voxelArrayShift ?? 0;
  const sorted = sortedCopy(values);
  const min = sorted[0]!;
  const max = sorted[n - 1]!;
  let sum = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    sum += x;
    const s = x + c;
    energy += s * s;
  }
  const mean = sum / n;
  let m2 = 0, m3 = 0, m4 = 0, mad = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    mad += Math.abs(d);
  }
  m2 /= n; m3 /= n; m4 /= n; mad /= n;

  const p10 = percentileSorted(sorted, 10);
  const p90 = percentileSorted(sorted, 90);
  // Robust MAD: the subset with P10 ≤ x ≤ P90, about its own mean.
  let rs = 0, rn = 0;
  for (let i = 0; i < n; i++) { const x = values[i]!; if (x >= p10 && x <= p90) { rs += x; rn++; } }
  const rmean = rs / rn;
  let rmad = 0;
  for (let i = 0; i < n; i++) { const x = values[i]!; if (x >= p10 && x <= p90) rmad += Math.abs(x - rmean); }
  rmad /= rn;

  const edges = getBinEdges(min, max, { binWidth: settings.binWidth, binCount: settings.binCount ?? undefined });
  const counts = histogramCounts(values, edges);
  let total = 0;
  for (const k of counts) total += k;
  let entropy = 0, uniformity = 0;
  for (const k of counts) {
    const p = (k + EPS) / total;
    entropy -= p * Math.log2(p);
    const u = k / (total + EPS);
    uniformity += u * u;
  }
  const std = Math.sqrt(m2);
  return {
    Energy: energy, // IBSI N8CA
    TotalEnergy: voxelVolumeMm3 * energy,
    Entropy: entropy, // IBSI TLU2
    Minimum: min, // IBSI 1GSF
    '10Percentile': p10, // IBSI QG58
    '90Percentile': p90, // IBSI 8DWT
    Maximum: max, // IBSI 84IY
    Mean: mean, // IBSI Q4LE
    Median: medianSorted(sorted), // IBSI Y12H
    InterquartileRange: percentileSorted(sorted, 75) - percentileSorted(sorted, 25), // IBSI SALO
    Range: max - min, // IBSI 2OJQ
    MeanAbsoluteDeviation: mad, // IBSI 4FUA
    RobustMeanAbsoluteDeviation: rmad, // IBSI 1128
    RootMeanSquared: Math.sqrt(energy / n), // IBSI 5ZWQ
    StandardDeviation: std,
    Skewness: m2 === 0 ? 0 : m3 / Math.pow(m2, 1.5), // IBSI KE2A
    Kurtosis: m2 === 0 ? 0 : m4 / (m2 * m2), // IBSI IPH6 (+3: not excess kurtosis)
    Variance: std * std, // IBSI ECT3
    Uniformity: uniformity, // IBSI BJ5W
  };
}
