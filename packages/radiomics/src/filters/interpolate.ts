/**
 * Point interpolators over an x-fastest 3-D grid, reproducing ITK's image functions bit for bit
 * where the arithmetic order allows: callers pass continuous indices that are already inside
 * ITK's buffer test (−0.5 ≤ c ≤ size − 0.5, see `insideBuffer`).
 */

/** ITK ImageFunction::IsInsideBuffer(ContinuousIndex): start − 0.5 ≤ c ≤ end + 0.5 on every axis. */
export function insideBuffer(cx: number, cy: number, cz: number, nx: number, ny: number, nz: number): boolean {
  return cx >= -0.5 && cx <= nx - 0.5 && cy >= -0.5 && cy <= ny - 0.5 && cz >= -0.5 && cz <= nz - 0.5;
}

/**
 * ITK NearestNeighborInterpolateImageFunction: index = round-half-up(c) = floor(c + 0.5), clamped
 * to the buffer (ITK's ConvertContinuousIndexToNearestIndex keeps it inside after IsInsideBuffer).
 */
export function nearestAt(data: ArrayLike<number>, nx: number, ny: number, nz: number, cx: number, cy: number, cz: number): number {
  let x = Math.floor(cx + 0.5);
  let y = Math.floor(cy + 0.5);
  let z = Math.floor(cz + 0.5);
  if (x > nx - 1) x = nx - 1;
  if (y > ny - 1) y = ny - 1;
  if (z > nz - 1) z = nz - 1;
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  if (z < 0) z = 0;
  return data[x + nx * (y + ny * z)];
}

/**
 * ITK LinearInterpolateImageFunction (3-D): base = floor(c) clamped up to 0, d = c − base; an axis
 * whose d ≤ 0 or whose upper neighbour is past the end does not interpolate. Lerps run x, then y,
 * then z as in ITK's EvaluateOptimized (v0 + (v1 − v0)·d), so results agree to the last bit.
 */
export function linearAt(data: ArrayLike<number>, nx: number, ny: number, nz: number, cx: number, cy: number, cz: number): number {
  let x0 = Math.floor(cx);
  if (x0 < 0) x0 = 0;
  let y0 = Math.floor(cy);
  if (y0 < 0) y0 = 0;
  let z0 = Math.floor(cz);
  if (z0 < 0) z0 = 0;
  const d0 = cx - x0;
  const d1 = cy - y0;
  const d2 = cz - z0;
  // Upper neighbour offsets (0 when the axis does not interpolate: then v1 = v0 and the lerp is exact).
  const sx = d0 > 0 && x0 + 1 <= nx - 1 ? 1 : 0;
  const sy = d1 > 0 && y0 + 1 <= ny - 1 ? nx : 0;
  const sz = d2 > 0 && z0 + 1 <= nz - 1 ? nx * ny : 0;
  const p = x0 + nx * (y0 + ny * z0);
  const v000 = data[p];
  if (sx === 0 && sy === 0 && sz === 0) return v000;
  const v100 = data[p + sx];
  const v010 = data[p + sy];
  const v110 = data[p + sx + sy];
  const vx00 = v000 + (v100 - v000) * d0;
  const vx10 = v010 + (v110 - v010) * d0;
  const vxy0 = sy === 0 ? vx00 : vx00 + (vx10 - vx00) * d1;
  if (sz === 0) return vxy0;
  const v001 = data[p + sz];
  const v101 = data[p + sx + sz];
  const v011 = data[p + sy + sz];
  const v111 = data[p + sx + sy + sz];
  const vx01 = v001 + (v101 - v001) * d0;
  const vx11 = v011 + (v111 - v011) * d0;
  const vxy1 = sy === 0 ? vx01 : vx01 + (vx11 - vx01) * d1;
  return vxy0 + (vxy1 - vxy0) * d2;
}

const POLE3 = Math.sqrt(3.0) - 2.0;
/** ITK BSplineDecompositionImageFilter m_Tolerance default. */
const TOLERANCE = 1e-10;

/**
 * In-place cubic B-spline prefilter of one line (ITK BSplineDecompositionImageFilter::DataToCoefficients1D,
 * Unser 1999 Box 2, mirror boundaries, causal init truncated at the 1e-10 horizon when the line is longer).
 */
function toCoefficients1D(c: Float64Array, n: number, exactInit: boolean): void {
  if (n === 1) return;
  const z = POLE3;
  const gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (let i = 0; i < n; i++) c[i] *= gain;
  // causal initialisation (ITK truncates the mirror sum at a 1e-10 horizon; scipy.ndimage sums it all)
  const horizon = exactInit ? Infinity : Math.ceil(Math.log(TOLERANCE) / Math.log(Math.abs(z)));
  let zn = z;
  if (horizon < n) {
    let sum = c[0];
    for (let i = 1; i < horizon; i++) {
      sum += zn * c[i];
      zn *= z;
    }
    c[0] = sum;
  } else {
    const iz = 1.0 / z;
    let z2n = Math.pow(z, n - 1);
    let sum = c[0] + z2n * c[n - 1];
    z2n *= z2n * iz;
    for (let i = 1; i <= n - 2; i++) {
      sum += (zn + z2n) * c[i];
      zn *= z;
      z2n *= iz;
    }
    c[0] = sum / (1.0 - zn * zn);
  }
  for (let i = 1; i < n; i++) c[i] += z * c[i - 1];
  // anti-causal initialisation and recursion
  c[n - 1] = (z / (z * z - 1.0)) * (z * c[n - 2] + c[n - 1]);
  for (let i = n - 2; i >= 0; i--) c[i] = z * (c[i + 1] - c[i]);
}

/**
 * Cubic B-spline coefficients of a whole volume, axis x then y then z (ITK DataToCoefficientsND).
 * `exactInit` sums the whole mirror series for the causal initial value, as scipy.ndimage's
 * spline_filter does (ITK stops at |z|^k < 1e-10; the two differ by ~1e-10 relative).
 */
export function bsplineCoefficients(data: ArrayLike<number>, nx: number, ny: number, nz: number, exactInit = false): Float64Array {
  const out = Float64Array.from(data);
  const sizes = [nx, ny, nz];
  const strides = [1, nx, nx * ny];
  const scratch = new Float64Array(Math.max(nx, ny, nz));
  for (let axis = 0; axis < 3; axis++) {
    const n = sizes[axis];
    const st = strides[axis];
    const [oa, ob] = axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1];
    for (let b = 0; b < sizes[ob]; b++) {
      for (let a = 0; a < sizes[oa]; a++) {
        const base = a * strides[oa] + b * strides[ob];
        for (let i = 0; i < n; i++) scratch[i] = out[base + i * st];
        toCoefficients1D(scratch, n, exactInit);
        for (let i = 0; i < n; i++) out[base + i * st] = scratch[i];
      }
    }
  }
  return out;
}

/** Mirror an index into [0, n−1] as ITK ApplyMirrorBoundaryConditions does (single reflection). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) i = -i;
  const end = n - 1;
  if (i >= end) i = end - (i - end);
  return i;
}

const wx = new Float64Array(4);
const wy = new Float64Array(4);
const wz = new Float64Array(4);
const ix = new Int32Array(4);
const iy = new Int32Array(4);
const iz = new Int32Array(4);

function weights3(x: number, n: number, w: Float64Array, idx: Int32Array): void {
  // ITK casts the continuous index to float before flooring (DetermineRegionOfSupport).
  const start = Math.floor(Math.fround(x)) - 1;
  const t = x - (start + 1);
  w[3] = (1.0 / 6.0) * t * t * t;
  w[0] = 1.0 / 6.0 + 0.5 * t * (t - 1.0) - w[3];
  w[2] = t + w[0] - 2.0 * w[3];
  w[1] = 1.0 - w[0] - w[2] - w[3];
  for (let k = 0; k < 4; k++) idx[k] = mirror(start + k, n);
}

/** ITK BSplineInterpolateImageFunction order 3 at a continuous index, over precomputed coefficients. */
export function bsplineAt(coef: Float64Array, nx: number, ny: number, nz: number, cx: number, cy: number, cz: number): number {
  weights3(cx, nx, wx, ix);
  weights3(cy, ny, wy, iy);
  weights3(cz, nz, wz, iz);
  const sxy = nx * ny;
  let v = 0.0;
  // Same summation order as ITK: x fastest, weight product w = wx·wy·wz.
  for (let k = 0; k < 4; k++) {
    const oz = iz[k] * sxy;
    for (let j = 0; j < 4; j++) {
      const oy = oz + iy[j] * nx;
      for (let i = 0; i < 4; i++) {
        v += wx[i] * wy[j] * wz[k] * coef[oy + ix[i]];
      }
    }
  }
  return v;
}
