/**
 * Radix-2 complex FFT over 3-D arrays (sizes powers of two, x fastest), used for the exact
 * all-pairs sums of Moran's I and Geary's C as convolutions — O(M log M) instead of O(N²).
 * Along y and z the butterflies run over whole rows/planes at once (contiguous inner loops, cache
 * friendly); callers may restrict a pass to the lines that can be non-zero (zero-padding pruning).
 */

interface Twiddles {
  n: number;
  cos: Float64Array;
  sin: Float64Array;
  rev: Uint32Array;
}

const twCache = new Map<number, Twiddles>();

function twiddles(n: number): Twiddles {
  let t = twCache.get(n);
  if (t) return t;
  const cos = new Float64Array(n >> 1);
  const sin = new Float64Array(n >> 1);
  for (let k = 0; k < n >> 1; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const rev = new Uint32Array(n);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    rev[i] = j;
  }
  t = { n, cos, sin, rev };
  twCache.set(n, t);
  return t;
}

/**
 * FFT along the row index of a block of `n` rows × `w` columns starting at `off` (row r, column c
 * at off + r·w + c), for every column at once. Forward uses e^{−2πik/n}; inverse is unscaled.
 */
function fftRows(re: Float64Array, im: Float64Array, off: number, n: number, w: number, inverse: boolean): void {
  if (n === 1) return;
  const { cos, sin, rev } = twiddles(n);
  for (let i = 1; i < n; i++) {
    const j = rev[i]!;
    if (i < j) {
      const a = off + i * w;
      const b = off + j * w;
      for (let c = 0; c < w; c++) {
        const tr = re[a + c]!;
        re[a + c] = re[b + c]!;
        re[b + c] = tr;
        const ti = im[a + c]!;
        im[a + c] = im[b + c]!;
        im[b + c] = ti;
      }
    }
  }
  const sgn = inverse ? 1 : -1;
  if (w === 1) {
    // Contiguous single line: plain scalar butterflies.
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let i = 0; i < n; i += len)
        for (let k = 0; k < half; k++) {
          const cr = cos[k * step]!;
          const ci = sgn * sin[k * step]!;
          const a = off + i + k;
          const b = a + half;
          const br = re[b]!;
          const bi = im[b]!;
          const xr = br * cr - bi * ci;
          const xi = br * ci + bi * cr;
          const ar = re[a]!;
          const ai = im[a]!;
          re[b] = ar - xr;
          im[b] = ai - xi;
          re[a] = ar + xr;
          im[a] = ai + xi;
        }
    }
    return;
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let i = 0; i < n; i += len)
      for (let k = 0; k < half; k++) {
        const cr = cos[k * step]!;
        const ci = sgn * sin[k * step]!;
        const a = off + (i + k) * w;
        const b = a + half * w;
        for (let c = 0; c < w; c++) {
          const br = re[b + c]!;
          const bi = im[b + c]!;
          const xr = br * cr - bi * ci;
          const xi = br * ci + bi * cr;
          const ar = re[a + c]!;
          const ai = im[a + c]!;
          re[b + c] = ar - xr;
          im[b + c] = ai - xi;
          re[a + c] = ar + xr;
          im[a + c] = ai + xi;
        }
      }
  }
}

/**
 * 3-D FFT of (re, im) with dims (nx, ny, nz), each a power of two. `active` bounds (ax, ay, az):
 * on input for the forward transform, only x < ax, y < ay, z < az may be non-zero; for the inverse
 * transform only outputs with x < ax, y < ay, z < az are needed. Other lines are skipped.
 * The inverse includes the 1/(nx·ny·nz) scaling on the outputs it computes.
 */
export function fft3d(
  re: Float64Array,
  im: Float64Array,
  nx: number,
  ny: number,
  nz: number,
  inverse: boolean,
  active: [number, number, number] = [nx, ny, nz],
): void {
  const [ax, ay, az] = active;
  const plane = nx * ny;
  const xPass = (yLim: number, zLim: number): void => {
    for (let z = 0; z < zLim; z++) for (let y = 0; y < yLim; y++) fftRows(re, im, nx * (y + ny * z), nx, 1, inverse);
  };
  const yPass = (zLim: number): void => {
    for (let z = 0; z < zLim; z++) fftRows(re, im, plane * z, ny, nx, inverse);
  };
  const zPass = (): void => fftRows(re, im, 0, nz, plane, inverse);
  if (!inverse) {
    xPass(ay, az);
    yPass(az);
    zPass();
  } else {
    zPass();
    yPass(az);
    xPass(ay, az);
    const s = 1 / (nx * ny * nz);
    for (let z = 0; z < az; z++)
      for (let y = 0; y < ay; y++) {
        const o = nx * (y + ny * z);
        for (let x = 0; x < ax; x++) {
          re[o + x] = re[o + x]! * s;
          im[o + x] = im[o + x]! * s;
        }
      }
  }
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}
