/**
 * In-place radix-2 complex FFT along each axis of a 3-D array (sizes powers of two), used for the
 * exact all-pairs sums of Moran's I and Geary's C as convolutions — O(M log M) instead of O(N²).
 */

function fft1d(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] ?? 0;
      re[i] = re[j] ?? 0;
      re[j] = tr;
      const ti = im[i] ?? 0;
      im[i] = im[j] ?? 0;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = (re[b] ?? 0) * cr - (im[b] ?? 0) * ci;
        const xi = (re[b] ?? 0) * ci + (im[b] ?? 0) * cr;
        re[b] = (re[a] ?? 0) - xr;
        im[b] = (im[a] ?? 0) - xi;
        re[a] = (re[a] ?? 0) + xr;
        im[a] = (im[a] ?? 0) + xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
  if (inverse)
    for (let i = 0; i < n; i++) {
      re[i] = (re[i] ?? 0) / n;
      im[i] = (im[i] ?? 0) / n;
    }
}

/** 3-D FFT of (re, im), layout x fastest, dims (nx, ny, nz) each a power of two. */
export function fft3d(re: Float64Array, im: Float64Array, nx: number, ny: number, nz: number, inverse: boolean): void {
  const dims = [nx, ny, nz];
  const strides = [1, nx, nx * ny];
  for (let axis = 0; axis < 3; axis++) {
    const n = dims[axis] ?? 1;
    if (n === 1) continue;
    const stride = strides[axis] ?? 1;
    const lr = new Float64Array(n);
    const li = new Float64Array(n);
    // Line starts: every index whose coordinate along this axis is 0.
    const starts: number[] = [];
    for (let z = 0; z < (axis === 2 ? 1 : nz); z++)
      for (let y = 0; y < (axis === 1 ? 1 : ny); y++)
        for (let x = 0; x < (axis === 0 ? 1 : nx); x++) starts.push(x + nx * (y + ny * z));
    for (const base of starts) {
      for (let k = 0; k < n; k++) {
        lr[k] = re[base + k * stride] ?? 0;
        li[k] = im[base + k * stride] ?? 0;
      }
      fft1d(lr, li, inverse);
      for (let k = 0; k < n; k++) {
        re[base + k * stride] = lr[k] ?? 0;
        im[base + k * stride] = li[k] ?? 0;
      }
    }
  }
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}
