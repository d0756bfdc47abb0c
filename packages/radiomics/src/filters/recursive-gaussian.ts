/**
 * ITK RecursiveGaussianImageFilter (Deriche's 4th-order recursive approximation of the Gaussian and
 * its derivatives, with ITK's coefficients, edge-extension boundary terms and across-scale
 * normalisation), one axis at a time over x-fastest volumes.
 *
 * Reference: R. Deriche, "Recursively implementing the Gaussian and its derivatives", INRIA RR-1893
 * (1993); ITK itkRecursiveGaussianImageFilter / itkRecursiveSeparableImageFilter.
 */
import type { IndexRange } from './volume-util.ts';

export type GaussianOrder = 0 | 1 | 2;

export interface RecursiveCoefficients {
  n0: number; n1: number; n2: number; n3: number;
  d1: number; d2: number; d3: number; d4: number;
  m1: number; m2: number; m3: number; m4: number;
  bn1: number; bn2: number; bn3: number; bn4: number;
  bm1: number; bm2: number; bm3: number; bm4: number;
}

// Deriche's fitted parameters (a, b, ω, λ per exponential pair) for orders 0, 1, 2.
const A1 = [1.353, -0.6724, -1.3563];
const B1 = [1.8151, -3.4327, 5.2318];
const W1 = 0.6681;
const L1 = -1.3932;
const A2 = [-0.3531, 0.6724, 0.3446];
const B2 = [0.0902, 0.61, -2.2355];
const W2 = 2.0787;
const L2 = -1.3732;

function nCoefficients(sd: number, a1: number, b1: number, a2: number, b2: number) {
  const sin1 = Math.sin(W1 / sd);
  const sin2 = Math.sin(W2 / sd);
  const cos1 = Math.cos(W1 / sd);
  const cos2 = Math.cos(W2 / sd);
  const exp1 = Math.exp(L1 / sd);
  const exp2 = Math.exp(L2 / sd);
  const n0 = a1 + a2;
  let n1 = exp2 * (b2 * sin2 - (a2 + 2 * a1) * cos2);
  n1 += exp1 * (b1 * sin1 - (a1 + 2 * a2) * cos1);
  let n2 = (a1 + a2) * cos2 * cos1;
  n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2;
  n2 *= 2 * exp1 * exp2;
  n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2;
  let n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2);
  n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1);
  return { n0, n1, n2, n3, sn: n0 + n1 + n2 + n3, dn: n1 + 2 * n2 + 3 * n3, en: n1 + 4 * n2 + 9 * n3 };
}

/**
 * Coefficients for a Gaussian of `sigmaMm` along an axis of `spacingMm` (ITK SetUp): sigma in index
 * units σ_d = σ / spacing; derivatives are per index unit, scaled by σ^order (physical σ) when
 * `normalizeAcrossScale` (ITK only applies it to orders 1 and 2).
 */
export function recursiveGaussianCoefficients(sigmaMm: number, spacingMm: number, order: GaussianOrder, normalizeAcrossScale: boolean): RecursiveCoefficients {
  let direction = 1.0;
  let spacing = spacingMm;
  if (spacing < 0) {
    direction = -1.0;
    spacing = -spacing;
  }
  const sd = sigmaMm / spacing;
  const cos1 = Math.cos(W1 / sd);
  const cos2 = Math.cos(W2 / sd);
  const exp1 = Math.exp(L1 / sd);
  const exp2 = Math.exp(L2 / sd);
  const d4 = exp1 * exp1 * exp2 * exp2;
  let d3 = -2 * cos1 * exp1 * exp2 * exp2;
  d3 += -2 * cos2 * exp2 * exp1 * exp1;
  let d2 = 4 * cos2 * cos1 * exp1 * exp2;
  d2 += exp1 * exp1 + exp2 * exp2;
  const d1 = -2 * (exp2 * cos2 + exp1 * cos1);
  const SD = 1.0 + d1 + d2 + d3 + d4;
  const DD = d1 + 2 * d2 + 3 * d3 + 4 * d4;
  const ED = d1 + 4 * d2 + 9 * d3 + 16 * d4;
  let n0: number, n1: number, n2: number, n3: number;
  let symmetric = true;
  if (order === 0) {
    const c = nCoefficients(sd, A1[0], B1[0], A2[0], B2[0]);
    const alpha0 = 2 * c.sn / SD - c.n0;
    n0 = c.n0 * (1.0 / alpha0);
    n1 = c.n1 * (1.0 / alpha0);
    n2 = c.n2 * (1.0 / alpha0);
    n3 = c.n3 * (1.0 / alpha0);
  } else if (order === 1) {
    const scale = normalizeAcrossScale ? sigmaMm : 1.0;
    const c = nCoefficients(sd, A1[1], B1[1], A2[1], B2[1]);
    let alpha1 = 2 * (c.sn * DD - c.dn * SD) / (SD * SD);
    alpha1 *= direction;
    n0 = c.n0 * (scale / alpha1);
    n1 = c.n1 * (scale / alpha1);
    n2 = c.n2 * (scale / alpha1);
    n3 = c.n3 * (scale / alpha1);
    symmetric = false;
  } else {
    const scale = normalizeAcrossScale ? sigmaMm * sigmaMm : 1.0;
    const c0 = nCoefficients(sd, A1[0], B1[0], A2[0], B2[0]);
    const c2 = nCoefficients(sd, A1[2], B1[2], A2[2], B2[2]);
    const beta = -(2 * c2.sn - SD * c2.n0) / (2 * c0.sn - SD * c0.n0);
    n0 = c2.n0 + beta * c0.n0;
    n1 = c2.n1 + beta * c0.n1;
    n2 = c2.n2 + beta * c0.n2;
    n3 = c2.n3 + beta * c0.n3;
    const SN = c2.sn + beta * c0.sn;
    const DN = c2.dn + beta * c0.dn;
    const EN = c2.en + beta * c0.en;
    let alpha2 = EN * SD * SD - ED * SN * SD - 2 * DN * DD * SD + 2 * DD * DD * SN;
    alpha2 /= SD * SD * SD;
    n0 *= scale / alpha2;
    n1 *= scale / alpha2;
    n2 *= scale / alpha2;
    n3 *= scale / alpha2;
  }
  const m1 = symmetric ? n1 - d1 * n0 : -(n1 - d1 * n0);
  const m2 = symmetric ? n2 - d2 * n0 : -(n2 - d2 * n0);
  const m3 = symmetric ? n3 - d3 * n0 : -(n3 - d3 * n0);
  const m4 = symmetric ? -d4 * n0 : d4 * n0;
  // boundary coefficients simulating edge extension (value repeated to infinity)
  const SN = n0 + n1 + n2 + n3;
  const SM = m1 + m2 + m3 + m4;
  const SDb = 1.0 + d1 + d2 + d3 + d4;
  return {
    n0, n1, n2, n3, d1, d2, d3, d4, m1, m2, m3, m4,
    bn1: d1 * SN / SDb, bn2: d2 * SN / SDb, bn3: d3 * SN / SDb, bn4: d4 * SN / SDb,
    bm1: d1 * SM / SDb, bm2: d2 * SM / SDb, bm3: d3 * SM / SDb, bm4: d4 * SM / SDb,
  };
}

/**
 * ITK RecursiveSeparableImageFilter::FilterDataArray: causal + anti-causal 4th-order recursions
 * over one line of length ln ≥ 4, borders extended with the edge value. `outs` receives the sum.
 */
export function filterLine(outs: Float64Array, data: Float64Array, scratch: Float64Array, ln: number, c: RecursiveCoefficients): void {
  const { n0, n1, n2, n3, d1, d2, d3, d4, m1, m2, m3, m4, bn1, bn2, bn3, bn4, bm1, bm2, bm3, bm4 } = c;
  const v1 = data[0];
  outs[0] = v1 * n0 + v1 * n1 + v1 * n2 + v1 * n3;
  outs[1] = data[1] * n0 + v1 * n1 + v1 * n2 + v1 * n3;
  outs[2] = data[2] * n0 + data[1] * n1 + v1 * n2 + v1 * n3;
  outs[3] = data[3] * n0 + data[2] * n1 + data[1] * n2 + v1 * n3;
  outs[0] -= v1 * bn1 + v1 * bn2 + v1 * bn3 + v1 * bn4;
  outs[1] -= outs[0] * d1 + v1 * bn2 + v1 * bn3 + v1 * bn4;
  outs[2] -= outs[1] * d1 + outs[0] * d2 + v1 * bn3 + v1 * bn4;
  outs[3] -= outs[2] * d1 + outs[1] * d2 + outs[0] * d3 + v1 * bn4;
  for (let i = 4; i < ln; i++) {
    outs[i] = data[i] * n0 + data[i - 1] * n1 + data[i - 2] * n2 + data[i - 3] * n3;
    outs[i] -= outs[i - 1] * d1 + outs[i - 2] * d2 + outs[i - 3] * d3 + outs[i - 4] * d4;
  }
  const v2 = data[ln - 1];
  const s = scratch;
  s[ln - 1] = v2 * m1 + v2 * m2 + v2 * m3 + v2 * m4;
  s[ln - 2] = data[ln - 1] * m1 + v2 * m2 + v2 * m3 + v2 * m4;
  s[ln - 3] = data[ln - 2] * m1 + data[ln - 1] * m2 + v2 * m3 + v2 * m4;
  s[ln - 4] = data[ln - 3] * m1 + data[ln - 2] * m2 + data[ln - 1] * m3 + v2 * m4;
  s[ln - 1] -= v2 * bm1 + v2 * bm2 + v2 * bm3 + v2 * bm4;
  s[ln - 2] -= s[ln - 1] * d1 + v2 * bm2 + v2 * bm3 + v2 * bm4;
  s[ln - 3] -= s[ln - 2] * d1 + s[ln - 1] * d2 + v2 * bm3 + v2 * bm4;
  s[ln - 4] -= s[ln - 3] * d1 + s[ln - 2] * d2 + s[ln - 1] * d3 + v2 * bm4;
  for (let i = ln - 4; i > 0; i--) {
    s[i - 1] = data[i] * m1 + data[i + 1] * m2 + data[i + 2] * m3 + data[i + 3] * m4;
    s[i - 1] -= s[i] * d1 + s[i + 1] * d2 + s[i + 2] * d3 + s[i + 3] * d4;
  }
  for (let i = 0; i < ln; i++) outs[i] += s[i];
}

/**
 * `filterLine` applied to w interleaved lines at once: element (k, x) of line x is at k·w + x.
 * Same operations in the same order per element (bit-identical), with contiguous memory access.
 */
export function filterRows(outs: Float64Array, data: Float64Array, scratch: Float64Array, ln: number, w: number, c: RecursiveCoefficients): void {
  const { n0, n1, n2, n3, d1, d2, d3, d4, m1, m2, m3, m4, bn1, bn2, bn3, bn4, bm1, bm2, bm3, bm4 } = c;
  const s = scratch;
  for (let x = 0; x < w; x++) {
    const v1 = data[x];
    const a1 = data[w + x];
    const a2 = data[2 * w + x];
    const a3 = data[3 * w + x];
    let o0 = v1 * n0 + v1 * n1 + v1 * n2 + v1 * n3;
    let o1 = a1 * n0 + v1 * n1 + v1 * n2 + v1 * n3;
    let o2 = a2 * n0 + a1 * n1 + v1 * n2 + v1 * n3;
    let o3 = a3 * n0 + a2 * n1 + a1 * n2 + v1 * n3;
    o0 -= v1 * bn1 + v1 * bn2 + v1 * bn3 + v1 * bn4;
    o1 -= o0 * d1 + v1 * bn2 + v1 * bn3 + v1 * bn4;
    o2 -= o1 * d1 + o0 * d2 + v1 * bn3 + v1 * bn4;
    o3 -= o2 * d1 + o1 * d2 + o0 * d3 + v1 * bn4;
    outs[x] = o0;
    outs[w + x] = o1;
    outs[2 * w + x] = o2;
    outs[3 * w + x] = o3;
  }
  for (let i = 4; i < ln; i++) {
    const r = i * w;
    for (let x = 0; x < w; x++) {
      let o = data[r + x] * n0 + data[r - w + x] * n1 + data[r - 2 * w + x] * n2 + data[r - 3 * w + x] * n3;
      o -= outs[r - w + x] * d1 + outs[r - 2 * w + x] * d2 + outs[r - 3 * w + x] * d3 + outs[r - 4 * w + x] * d4;
      outs[r + x] = o;
    }
  }
  const L1 = (ln - 1) * w;
  const L2 = (ln - 2) * w;
  const L3 = (ln - 3) * w;
  const L4 = (ln - 4) * w;
  for (let x = 0; x < w; x++) {
    const v2 = data[L1 + x];
    const b1 = data[L1 + x];
    const b2 = data[L2 + x];
    const b3 = data[L3 + x];
    let s1 = v2 * m1 + v2 * m2 + v2 * m3 + v2 * m4;
    let s2 = b1 * m1 + v2 * m2 + v2 * m3 + v2 * m4;
    let s3 = b2 * m1 + b1 * m2 + v2 * m3 + v2 * m4;
    let s4 = b3 * m1 + b2 * m2 + b1 * m3 + v2 * m4;
    s1 -= v2 * bm1 + v2 * bm2 + v2 * bm3 + v2 * bm4;
    s2 -= s1 * d1 + v2 * bm2 + v2 * bm3 + v2 * bm4;
    s3 -= s2 * d1 + s1 * d2 + v2 * bm3 + v2 * bm4;
    s4 -= s3 * d1 + s2 * d2 + s1 * d3 + v2 * bm4;
    s[L1 + x] = s1;
    s[L2 + x] = s2;
    s[L3 + x] = s3;
    s[L4 + x] = s4;
  }
  for (let i = ln - 4; i > 0; i--) {
    const r = (i - 1) * w;
    for (let x = 0; x < w; x++) {
      let v = data[r + w + x] * m1 + data[r + 2 * w + x] * m2 + data[r + 3 * w + x] * m3 + data[r + 4 * w + x] * m4;
      v -= s[r + w + x] * d1 + s[r + 2 * w + x] * d2 + s[r + 3 * w + x] * d3 + s[r + 4 * w + x] * d4;
      s[r + x] = v;
    }
  }
  for (let i = 0; i < ln * w; i++) outs[i] += s[i];
}

/**
 * Filter every line of an x-fastest volume along `axis`, writing the result with ITK's output cast
 * (a Float32Array output rounds each value to single precision, as ITK's float images do).
 * Along y and z, the lines of one plane are filtered together (`filterRows`). With `lines`, only the
 * lines whose other two coordinates lie in its ranges are filtered (each whole along `axis`; its range
 * on `axis` is ignored) and only they are written: each line's values are the same as without it.
 */
export function recursiveGaussianAxis(
  data: ArrayLike<number>,
  size: readonly number[],
  axis: number,
  c: RecursiveCoefficients,
  out: Float32Array | Float64Array,
  lines?: IndexRange,
): void {
  const [nx, ny] = size;
  const ln = size[axis];
  const lo = [0, 1, 2].map((a) => (lines ? lines.lower[a]! : 0));
  const hi = [0, 1, 2].map((a) => (lines ? lines.upper[a]! : size[a]! - 1));
  if (axis === 0) {
    const inps = new Float64Array(ln);
    const outs = new Float64Array(ln);
    const scratch = new Float64Array(ln);
    for (let z = lo[2]!; z <= hi[2]!; z++) {
      for (let y = lo[1]!; y <= hi[1]!; y++) {
        const base = nx * (y + ny * z);
        for (let k = 0; k < ln; k++) inps[k] = data[base + k];
        filterLine(outs, inps, scratch, ln, c);
        for (let k = 0; k < ln; k++) out[base + k] = outs[k];
      }
    }
    return;
  }
  const stride = axis === 1 ? nx : nx * ny;
  // the planes: z (filtering along y) or y (along z), each with columns x0..x1
  const outerAxis = axis === 1 ? 2 : 1;
  const outerStride = axis === 1 ? nx * ny : nx;
  const x0 = lo[0]!;
  const w = hi[0]! - x0 + 1;
  const inps = new Float64Array(ln * w);
  const outs = new Float64Array(ln * w);
  const scratch = new Float64Array(ln * w);
  for (let b = lo[outerAxis]!; b <= hi[outerAxis]!; b++) {
    const base = b * outerStride + x0;
    for (let k = 0; k < ln; k++) for (let x = 0; x < w; x++) inps[k * w + x] = data[base + k * stride + x];
    filterRows(outs, inps, scratch, ln, w, c);
    for (let k = 0; k < ln; k++) for (let x = 0; x < w; x++) out[base + k * stride + x] = outs[k * w + x];
  }
}
