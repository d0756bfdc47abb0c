/**
 * Gray-level discretization, exactly as PyRadiomics `imageoperations.getBinEdges` + `binImage`
 * (numpy.arange / numpy.histogram edges, then numpy.digitize).
 *
 * Fixed bin width W (IBSI "FBS" variant of PyRadiomics, not IBSI's):
 *   edges = arange(min − (min mod W), max + 2W, W)   (Python floor-mod, numpy arange fill rule)
 *   X_b = floor(X/W) − floor(min/W) + 1
 *   A flat region whose min is a multiple of W gives one edge e → edges [e − 0.5, e + 0.5].
 * Fixed bin count N (IBSI "FBN"):
 *   edges = linspace(min, max, N + 1) (min−0.5, max+0.5 if flat); last edge += 1 so the maximum
 *   lands in bin N under digitize.
 * Digitize: bin i such that edges[i−1] ≤ x < edges[i] (numpy.digitize, right=False).
 *
 * Note: PyRadiomics' Ng for texture classes is NOT edges.length − 1; texture classes use the
 * max bin present (see texture.ts). `nBins` here is edges.length − 1 as numpy sees it.
 */
import { RADIOMICS_ERRORS, radiomicsError } from './errors.ts';

export interface DiscretizeSettings {
  binWidth?: number;
  binCount?: number;
}

export interface Discretized {
  /** Bin index 1..nBins inside the mask, 0 outside; same layout as the input. */
  binned: Int32Array;
  /** Number of bins defined by the edges (edges.length − 1). */
  nBins: number;
  /** Bin edges as numpy computes them (after PyRadiomics' +1 on the top edge for binCount). */
  edges: Float64Array;
}

/** Python / numpy floor modulo: result carries the sign of the divisor. */
export function pyMod(a: number, b: number): number {
  let m = a % b; // C fmod
  if (m !== 0 && (b < 0) !== (m < 0)) m += b;
  return m;
}

/** numpy.arange(start, stop, step) for float64: length ceil((stop−start)/step), v_i = start + i·delta. */
export function npArange(start: number, stop: number, step: number): Float64Array {
  const len = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(len);
  if (len === 0) return out;
  out[0] = start;
  if (len === 1) return out;
  // numpy computes the first two values, then fills start + i*(second - first).
  const delta = start + step - start;
  out[1] = start + step;
  for (let i = 2; i < len; i++) out[i] = start + i * delta;
  return out;
}

/** numpy.linspace(start, stop, num, endpoint=True): v_i = i·((stop−start)/(num−1)) + start, last = stop. */
export function npLinspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** numpy.digitize(x, edges) for increasing edges: number of edges ≤ x (searchsorted side='right'). */
export function digitize(x: number, edges: Float64Array): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * numpy.digitize(x, edges) in O(1) for near-uniform edges (numpy arange / linspace): guess the bin from
 * `e0` = edges[0] and `step` = (last − first)/(n − 1), then step to the exact answer (the number of
 * edges ≤ x). Equal to digitize() for any increasing edges; only the speed depends on uniformity.
 */
export function digitizeUniform(x: number, edges: Float64Array, e0: number, step: number): number {
  const ne = edges.length;
  let b = Math.floor((x - e0) / step) + 1;
  if (!(b >= 0)) b = 0; // also NaN
  else if (b > ne) b = ne;
  while (b < ne && edges[b]! <= x) b++;
  while (b > 0 && edges[b - 1]! > x) b--;
  return b;
}

/** The `step` argument of digitizeUniform for these edges. */
export function edgeStep(edges: Float64Array): number {
  const ne = edges.length;
  return ne > 1 ? (edges[ne - 1]! - edges[0]!) / (ne - 1) : 1;
}

/** PyRadiomics getBinEdges over the ROI values. */
export function getBinEdges(roiMin: number, roiMax: number, settings: DiscretizeSettings): Float64Array {
  if (settings.binCount !== undefined && settings.binCount !== null) {
    const n = settings.binCount;
    if (!Number.isInteger(n) || n < 1) {
      throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `binCount must be a positive integer, got ${n}`);
    }
    let first = roiMin;
    let last = roiMax;
    if (first === last) {
      first -= 0.5;
      last += 0.5;
    }
    const edges = npLinspace(first, last, n + 1);
    edges[n] = edges[n]! + 1;
    return edges;
  }
  const w = settings.binWidth ?? 25;
  if (!(w > 0) || !Number.isFinite(w)) {
    throw radiomicsError(RADIOMICS_ERRORS.PARAM_INVALID, `binWidth must be a positive number, got ${w}`);
  }
  const lowBound = roiMin - pyMod(roiMin, w);
  const highBound = roiMax + 2 * w;
  let edges = npArange(lowBound, highBound, w);
  if (edges.length === 1) edges = Float64Array.of(edges[0]! - 0.5, edges[0]! + 0.5);
  return edges;
}

/**
 * Discretize the voxels inside `mask` (non-zero) of `values`. Throws RADIOMICS_EMPTY_MASK if the mask is
 * empty and RADIOMICS_NAN_VOXELS if an ROI voxel is not finite.
 */
export function discretize(values: Float64Array, mask: Uint8Array, settings: DiscretizeSettings): Discretized {
  if (values.length !== mask.length) {
    throw radiomicsError(RADIOMICS_ERRORS.GEOMETRY_MISMATCH, `image has ${values.length} voxels but mask has ${mask.length}`);
  }
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask[i] === 0) continue;
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw radiomicsError(RADIOMICS_ERRORS.NAN_VOXELS, 'the ROI contains a non-finite (NaN or infinite) voxel value');
    }
    if (v < min) min = v;
    if (v > max) max = v;
    count++;
  }
  if (count === 0) throw radiomicsError(RADIOMICS_ERRORS.EMPTY_MASK, 'the mask contains no voxel to discretize');
  const edges = getBinEdges(min, max, settings);
  const binned = new Int32Array(values.length);
  // digitize() by arithmetic (O(1) per voxel instead of a binary search; same result).
  const e0 = edges[0]!;
  const step = edgeStep(edges);
  for (let i = 0; i < values.length; i++) {
    if (mask[i] !== 0) binned[i] = digitizeUniform(values[i]!, edges, e0, step);
  }
  return { binned, nBins: edges.length - 1, edges };
}
