/**
 * Intensity statistics (IBSI 3.3), intensity histogram (3.4) and intensity-volume histogram (3.5).
 * Percentiles use linear interpolation between order statistics (position p·(N−1)), as numpy.
 */
import type { IbsiFeature } from './types.ts';

function percentileSorted(s: Float64Array, p: number): number {
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  const f = pos - lo;
  return (s[lo] ?? 0) * (1 - f) + (s[hi] ?? 0) * f;
}

/** The features common to the intensity-statistics and intensity-histogram families. */
function descriptive(values: Float64Array): Record<string, number> {
  const n = values.length;
  const s = Float64Array.from(values).sort();
  let sum = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const v = s[i] ?? 0;
    sum += v;
    energy += v * v;
  }
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let mad = 0;
  for (let i = 0; i < n; i++) {
    const d = (s[i] ?? 0) - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
    mad += Math.abs(d);
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const median = percentileSorted(s, 0.5);
  const p10 = percentileSorted(s, 0.1);
  const p90 = percentileSorted(s, 0.9);
  const p25 = percentileSorted(s, 0.25);
  const p75 = percentileSorted(s, 0.75);
  // Robust MAD: mean absolute deviation of the values within [p10, p90] about their own mean.
  let rs = 0;
  let rn = 0;
  for (let i = 0; i < n; i++) {
    const v = s[i] ?? 0;
    if (v >= p10 && v <= p90) {
      rs += v;
      rn++;
    }
  }
  const rmean = rs / rn;
  let rmad = 0;
  let medad = 0;
  for (let i = 0; i < n; i++) {
    const v = s[i] ?? 0;
    if (v >= p10 && v <= p90) rmad += Math.abs(v - rmean);
    medad += Math.abs(v - median);
  }
  return {
    mean,
    var: m2,
    skew: m2 === 0 ? 0 : m3 / Math.pow(m2, 1.5),
    kurt: m2 === 0 ? 0 : m4 / (m2 * m2) - 3,
    median,
    min: s[0] ?? 0,
    p10,
    p90,
    max: s[n - 1] ?? 0,
    iqr: p75 - p25,
    range: (s[n - 1] ?? 0) - (s[0] ?? 0),
    mad: mad / n,
    rmad: rmad / rn,
    medad: medad / n,
    cov: Math.sqrt(m2) / mean,
    qcod: (p75 - p25) / (p75 + p25),
    energy,
    rms: Math.sqrt(energy / n),
  };
}

const row = (tag: string, family: IbsiFeature['family'], value: number): IbsiFeature => ({
  tag,
  family,
  aggregation: 'n/a',
  value,
});

export function intensityStatistics(values: Float64Array): IbsiFeature[] {
  const d = descriptive(values);
  return Object.entries(d).map(([k, v]) => row(`stat_${k}`, 'intensity_statistics', v));
}

/** Intensity-histogram features over discretised grey levels 1..ng. */
export function intensityHistogram(levels: Float64Array, ng: number): IbsiFeature[] {
  const d = descriptive(levels);
  delete d.energy;
  delete d.rms;
  const n = levels.length;
  const h = new Float64Array(ng + 1);
  for (let i = 0; i < n; i++) h[levels[i] ?? 0]++;
  let mode = 1;
  let entropy = 0;
  let uniformity = 0;
  for (let k = 1; k <= ng; k++) {
    const c = h[k] ?? 0;
    if (c > (h[mode] ?? 0)) mode = k;
    if (c > 0) {
      const p = c / n;
      entropy -= p * Math.log2(p);
      uniformity += p * p;
    }
  }
  // Histogram gradient: central differences inside, one-sided at the ends (IBSI 3.4.20).
  let maxG = -Infinity;
  let maxGi = 1;
  let minG = Infinity;
  let minGi = 1;
  for (let k = 1; k <= ng; k++) {
    let g: number;
    if (ng === 1) g = 0;
    else if (k === 1) g = (h[2] ?? 0) - (h[1] ?? 0);
    else if (k === ng) g = (h[ng] ?? 0) - (h[ng - 1] ?? 0);
    else g = ((h[k + 1] ?? 0) - (h[k - 1] ?? 0)) / 2;
    if (g > maxG) {
      maxG = g;
      maxGi = k;
    }
    if (g < minG) {
      minG = g;
      minGi = k;
    }
  }
  const out = Object.entries(d).map(([k, v]) => row(`ih_${k}`, 'intensity_histogram', v));
  const insertAt = out.findIndex((f) => f.tag === 'ih_iqr');
  out.splice(insertAt, 0, row('ih_mode', 'intensity_histogram', mode));
  out.push(row('ih_entropy', 'intensity_histogram', entropy));
  out.push(row('ih_uniformity', 'intensity_histogram', uniformity));
  out.push(row('ih_max_grad', 'intensity_histogram', maxG));
  out.push(row('ih_max_grad_g', 'intensity_histogram', maxGi));
  out.push(row('ih_min_grad', 'intensity_histogram', minG));
  out.push(row('ih_min_grad_g', 'intensity_histogram', minGi));
  return out;
}

/**
 * Intensity-volume histogram (IBSI 3.5). `values` are the (possibly re-discretised) intensities,
 * on the grid of grey levels X_i = first + i·step, i = 0..count−1 (every level of the range, also
 * absent ones). ν_i = fraction of voxels with X ≥ X_i; γ_i = (X_i − X_first)/(X_last − X_first).
 *  V_x = ν at the first level with γ ≥ x;  I_x = the lowest level with ν ≤ x.
 */
export function intensityVolumeHistogram(values: Float64Array, first: number, step: number, count: number): IbsiFeature[] {
  const n = values.length;
  const h = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const k = Math.round(((values[i] ?? 0) - first) / step);
    h[Math.max(0, Math.min(count - 1, k))]++;
  }
  // nu[i] = fraction with level ≥ i
  const nu = new Float64Array(count);
  let acc = 0;
  for (let k = count - 1; k >= 0; k--) {
    acc += h[k] ?? 0;
    nu[k] = acc / n;
  }
  const span = (count - 1) * step;
  const vAt = (x: number): number => {
    for (let k = 0; k < count; k++) if ((k * step) / span >= x - 1e-12) return nu[k] ?? 0;
    return 0;
  };
  const iAt = (x: number): number => {
    for (let k = 0; k < count; k++) if ((nu[k] ?? 0) <= x + 1e-12) return first + k * step;
    return first + (count - 1) * step + step;
  };
  // Area under the IVH curve ν(γ) by the trapezoidal rule (not standardised by the IBSI).
  let auc = 0;
  for (let k = 0; k + 1 < count; k++) auc += (((nu[k] ?? 0) + (nu[k + 1] ?? 0)) / 2) * (step / span);
  const v10 = vAt(0.1);
  const v90 = vAt(0.9);
  const i10 = iAt(0.1);
  const i90 = iAt(0.9);
  return [
    row('ivh_v10', 'ivh', v10),
    row('ivh_v90', 'ivh', v90),
    row('ivh_i10', 'ivh', i10),
    row('ivh_i90', 'ivh', i90),
    row('ivh_diff_v10_v90', 'ivh', v10 - v90),
    row('ivh_diff_i10_i90', 'ivh', i10 - i90),
    row('ivh_auc', 'ivh', count > 1 ? auc : 0),
  ];
}
