/**
 * One level of PyWavelets' stationary (undecimated) wavelet transform along one axis, as
 * `pywt.swtn(data, wavelet, level=1, start_level=0)` computes it (C `downsampling_convolution_
 * periodization` with step 1): for a line x of even length N and a filter f of length F,
 *   y[o] = Σ_j f[j] · x[(o + ⌊F/2⌋ − j) mod N],   o = 0 … N−1.
 * The terms are summed in PyWavelets' order (for o + ⌊F/2⌋ ≥ N the wrapped-around terms first,
 * filter index descending), so results agree with PyWavelets to the last bit, not only to rounding.
 */

/**
 * Filter one line `x` (length n) into `lo` and `hi` (same length) with decomposition filters.
 * `single` reproduces PyWavelets' float32 kernels (used for float32 input arrays): every product
 * and partial sum is rounded to single precision.
 */
export function swtLine(x: Float64Array, n: number, decLo: Float64Array, decHi: Float64Array, lo: Float64Array, hi: Float64Array, ext: Float64Array, single = false): void {
  if (single) return swtLineSingle(x, n, decLo, decHi, lo, hi, ext);
  const F = decLo.length;
  const half = F >> 1;
  // periodic extension: ext[t + pad] = x[t mod n] for t in [−pad, n + half)
  const pad = Math.ceil(F / n) * n;
  for (let t = -pad; t < n + half; t++) ext[t + pad] = x[((t % n) + n) % n];
  for (let o = 0; o < n; o++) {
    const i = o + half;
    let sl = 0;
    let sh = 0;
    if (i < n) {
      for (let j = 0; j < F; j++) {
        const v = ext[i - j + pad];
        sl += decLo[j] * v;
        sh += decHi[j] * v;
      }
    } else {
      for (let m = i - n; m >= 0; m--) {
        const v = ext[i - m + pad];
        sl += decLo[m] * v;
        sh += decHi[m] * v;
      }
      for (let j = i - n + 1; j < F; j++) {
        const v = ext[i - j + pad];
        sl += decLo[j] * v;
        sh += decHi[j] * v;
      }
    }
    lo[o] = sl;
    hi[o] = sh;
  }
}

function swtLineSingle(x: Float64Array, n: number, decLo: Float64Array, decHi: Float64Array, lo: Float64Array, hi: Float64Array, ext: Float64Array): void {
  const f = Math.fround;
  const F = decLo.length;
  const half = F >> 1;
  const pad = Math.ceil(F / n) * n;
  for (let t = -pad; t < n + half; t++) ext[t + pad] = f(x[((t % n) + n) % n]);
  for (let o = 0; o < n; o++) {
    const i = o + half;
    let sl = 0;
    let sh = 0;
    const order: number[] = [];
    if (i < n) for (let j = 0; j < F; j++) order.push(j);
    else {
      for (let m = i - n; m >= 0; m--) order.push(m);
      for (let j = i - n + 1; j < F; j++) order.push(j);
    }
    for (const j of order) {
      const v = ext[i - j + pad];
      sl = f(sl + f(decLo[j] * v));
      sh = f(sh + f(decHi[j] * v));
    }
    lo[o] = sl;
    hi[o] = sh;
  }
}

/** Size of the scratch buffer `swtLine` needs for lines of length n and filters of length F. */
export function swtScratchLength(n: number, F: number): number {
  return Math.ceil(F / n) * n + n + (F >> 1) + 1;
}

/** The taps of output o in PyWavelets' summation order (wrapped terms first when o + ⌊F/2⌋ ≥ n). */
function tapOrder(o: number, n: number, F: number): number[] {
  const i = o + (F >> 1);
  const order: number[] = [];
  if (i < n) for (let j = 0; j < F; j++) order.push(j);
  else {
    for (let m = i - n; m >= 0; m--) order.push(m);
    for (let j = i - n + 1; j < F; j++) order.push(j);
  }
  return order;
}

/**
 * Apply the level-1 SWT along `axis` (0 = x, 1 = y, 2 = z) of an x-fastest volume of `size`:
 * returns [approximation, detail] volumes of the same size. Along y and z whole x-rows are
 * processed at once (same per-voxel operations and order as `swtLine`, contiguous memory).
 */
export function swtAxis(data: Float64Array, size: readonly number[], axis: number, decLo: Float64Array, decHi: Float64Array, single = false): [Float64Array, Float64Array] {
  const [nx, ny, nz] = size;
  const n = size[axis];
  const lo = new Float64Array(data.length);
  const hi = new Float64Array(data.length);
  if (axis === 0) {
    const line = new Float64Array(n);
    const lineLo = new Float64Array(n);
    const lineHi = new Float64Array(n);
    const ext = new Float64Array(swtScratchLength(n, decLo.length));
    for (let r = 0; r < ny * nz; r++) {
      const base = r * nx;
      for (let k = 0; k < n; k++) line[k] = data[base + k];
      swtLine(line, n, decLo, decHi, lineLo, lineHi, ext, single);
      lo.set(lineLo, base);
      hi.set(lineHi, base);
    }
    return [lo, hi];
  }
  const F = decLo.length;
  const half = F >> 1;
  const stride = axis === 1 ? nx : nx * ny;
  const outerCount = axis === 1 ? nz : ny;
  const outerStride = axis === 1 ? nx * ny : nx;
  const f = Math.fround;
  for (let b = 0; b < outerCount; b++) {
    const base = b * outerStride;
    for (let o = 0; o < n; o++) {
      const dst = base + o * stride;
      for (const j of tapOrder(o, n, F)) {
        const k = (((o + half - j) % n) + n) % n;
        const src = base + k * stride;
        const fl = decLo[j];
        const fh = decHi[j];
        if (single) {
          for (let x = 0; x < nx; x++) {
            const v = f(data[src + x]);
            lo[dst + x] = f(lo[dst + x] + f(fl * v));
            hi[dst + x] = f(hi[dst + x] + f(fh * v));
          }
        } else {
          for (let x = 0; x < nx; x++) {
            const v = data[src + x];
            lo[dst + x] += fl * v;
            hi[dst + x] += fh * v;
          }
        }
      }
    }
  }
  return [lo, hi];
}
