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

/**
 * Apply `swtLine` along `axis` (0 = x, 1 = y, 2 = z) of an x-fastest volume of `size`:
 * returns [approximation, detail] volumes of the same size.
 */
export function swtAxis(data: Float64Array, size: readonly number[], axis: number, decLo: Float64Array, decHi: Float64Array, single = false): [Float64Array, Float64Array] {
  const [nx, ny, nz] = size;
  const n = size[axis];
  const stride = axis === 0 ? 1 : axis === 1 ? nx : nx * ny;
  const lo = new Float64Array(data.length);
  const hi = new Float64Array(data.length);
  const line = new Float64Array(n);
  const lineLo = new Float64Array(n);
  const lineHi = new Float64Array(n);
  const ext = new Float64Array(swtScratchLength(n, decLo.length));
  // iterate over every line along `axis`
  const outer = axis === 2 ? [nx, ny] : axis === 1 ? [nx, nz] : [ny, nz];
  for (let b = 0; b < outer[1]; b++) {
    for (let a = 0; a < outer[0]; a++) {
      const base = axis === 0 ? nx * (a + ny * b) : axis === 1 ? a + nx * ny * b : a + nx * b;
      for (let k = 0; k < n; k++) line[k] = data[base + k * stride];
      swtLine(line, n, decLo, decHi, lineLo, lineHi, ext, single);
      for (let k = 0; k < n; k++) {
        lo[base + k * stride] = lineLo[k];
        hi[base + k * stride] = lineHi[k];
      }
    }
  }
  return [lo, hi];
}
