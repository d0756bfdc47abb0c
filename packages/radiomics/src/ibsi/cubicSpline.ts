/**
 * Tricubic spline interpolation (IBSI 2.4): the interpolating cubic B-spline, evaluated exactly at
 * every new voxel centre. Separable: along each axis the samples are turned into B-spline
 * coefficients by the recursive prefilter of Unser et al. (pole z = √3 − 2, mirror boundaries),
 * then each output value is Σ c_i β³(p − i) over the four nearest coefficients. Positions outside
 * the original grid are clamped to its edge (nearest-boundary extrapolation, as for trilinear).
 */
import type { ResampledAxis } from './resample.ts';

const POLE = Math.sqrt(3) - 2;

/** In-place conversion of samples to cubic B-spline coefficients (mirror-symmetric extension). */
export function bsplinePrefilter(s: Float64Array): void {
  const n = s.length;
  if (n === 1) return;
  const z = POLE;
  for (let k = 0; k < n; k++) s[k] = (s[k] ?? 0) * 6; // gain (1 − z)(1 − 1/z)
  // Causal initialisation: Σ z^k s[k] over a horizon where z^k is negligible (mirror sum if short).
  const horizon = Math.min(n, Math.ceil(Math.log(1e-16) / Math.log(Math.abs(z))));
  let sum = 0;
  let zk = 1;
  if (horizon < n) {
    for (let k = 0; k < horizon; k++) {
      sum += zk * (s[k] ?? 0);
      zk *= z;
    }
  } else {
    // Exact mirror-symmetric initial value for short lines.
    const zn = Math.pow(z, n - 1);
    let z2n = zn * zn / z;
    sum = (s[0] ?? 0) + zn * (s[n - 1] ?? 0);
    zk = z;
    for (let k = 1; k < n - 1; k++) {
      sum += (zk + z2n) * (s[k] ?? 0);
      zk *= z;
      z2n /= z;
    }
    sum /= 1 - zn * zn;
  }
  s[0] = sum;
  for (let k = 1; k < n; k++) s[k] = (s[k] ?? 0) + z * (s[k - 1] ?? 0);
  s[n - 1] = (z / (z * z - 1)) * ((s[n - 1] ?? 0) + z * (s[n - 2] ?? 0));
  for (let k = n - 2; k >= 0; k--) s[k] = z * ((s[k + 1] ?? 0) - (s[k] ?? 0));
}

function bspline3(t: number): number {
  const a = Math.abs(t);
  if (a < 1) return 2 / 3 - a * a + (a * a * a) / 2;
  if (a < 2) return ((2 - a) * (2 - a) * (2 - a)) / 6;
  return 0;
}

/** Resample one axis of a 3-D field (x fastest) with the cubic spline. */
function resampleAxisCubic(src: Float64Array, dims: [number, number, number], axis: number, ax: ResampledAxis): Float64Array {
  const n = dims[axis] ?? 1;
  const outDims: [number, number, number] = [dims[0], dims[1], dims[2]];
  outDims[axis] = ax.size;
  const out = new Float64Array(outDims[0] * outDims[1] * outDims[2]);
  const strideIn = axis === 0 ? 1 : axis === 1 ? dims[0] : dims[0] * dims[1];
  const strideOut = axis === 0 ? 1 : axis === 1 ? outDims[0] : outDims[0] * outDims[1];
  const line = new Float64Array(n);
  // Precompute taps for every output position.
  const base = new Int32Array(ax.size);
  const w = new Float64Array(ax.size * 4);
  for (let k = 0; k < ax.size; k++) {
    const p = Math.min(n - 1, Math.max(0, ax.start + k * ax.step));
    const i0 = Math.floor(p) - 1;
    base[k] = i0;
    for (let t = 0; t < 4; t++) w[4 * k + t] = bspline3(p - (i0 + t));
  }
  const mirror = (i: number): number => {
    if (n === 1) return 0;
    const period = 2 * n - 2;
    let j = ((i % period) + period) % period;
    if (j >= n) j = period - j;
    return j;
  };
  const [d0, d1, d2] = dims;
  const lines: [number, number][] = [];
  for (let z = 0; z < (axis === 2 ? 1 : d2); z++)
    for (let y = 0; y < (axis === 1 ? 1 : d1); y++)
      for (let x = 0; x < (axis === 0 ? 1 : d0); x++)
        lines.push([x + d0 * (y + d1 * z), x + outDims[0] * (y + outDims[1] * z)]);
  for (const [bi, bo] of lines) {
    for (let k = 0; k < n; k++) line[k] = src[bi + k * strideIn] ?? 0;
    bsplinePrefilter(line);
    for (let k = 0; k < ax.size; k++) {
      let v = 0;
      const i0 = base[k] ?? 0;
      for (let t = 0; t < 4; t++) v += (w[4 * k + t] ?? 0) * (line[mirror(i0 + t)] ?? 0);
      out[bo + k * strideOut] = v;
    }
  }
  return out;
}

export function resampleFieldCubic(
  src: ArrayLike<number>,
  size: [number, number, number],
  axes: [ResampledAxis, ResampledAxis, ResampledAxis],
): Float64Array {
  let cur: Float64Array = Float64Array.from(src);
  const dims: [number, number, number] = [size[0], size[1], size[2]];
  for (let axis = 0; axis < 3; axis++) {
    const ax = axes[axis] as ResampledAxis;
    cur = resampleAxisCubic(cur, dims, axis, ax);
    dims[axis] = ax.size;
  }
  return cur;
}
