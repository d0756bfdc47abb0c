/**
 * Complex FFT over 3-D arrays (x fastest), used for the exact all-pairs sums of Moran's I and Geary's C
 * as convolutions — O(M log M) instead of O(N²). Sizes are products of 2, 3 and 5 (`nextFastSize`):
 * powers of two run the in-place radix-2 transform, other sizes a mixed-radix Stockham transform (the
 * zero-padded grid of a 100×99×26 ROI box is then 200×200×54 points instead of 256×256×64).
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
function fftRowsPow2(re: Float64Array, im: Float64Array, off: number, n: number, w: number, inverse: boolean): void {
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

/** FFT along rows as fftRowsPow2, for any n whose prime factors are 2, 3 and 5. */
function fftRows(re: Float64Array, im: Float64Array, off: number, n: number, w: number, inverse: boolean): void {
  if (n === 1) return;
  if ((n & (n - 1)) === 0) fftRowsPow2(re, im, off, n, w, inverse);
  else fftMixed(re, im, off, n, w, w, 1, inverse);
}

/** The prime factors of n (2, 3, 5 only), smallest first; throws for any other factor. */
export function smoothFactors(n: number): number[] {
  const f: number[] = [];
  for (const p of [2, 3, 5]) while (n % p === 0) { f.push(p); n /= p; }
  if (n !== 1) throw new Error(`FFT size has a prime factor other than 2, 3, 5 (${n} left)`);
  return f;
}

/** cos/sin of 2πj/n, j < n, per n. */
const unitCache = new Map<number, { cos: Float64Array; sin: Float64Array }>();
function unitRoots(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = unitCache.get(n);
  if (!t) {
    const cos = new Float64Array(n);
    const sin = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      cos[j] = Math.cos((2 * Math.PI * j) / n);
      sin[j] = Math.sin((2 * Math.PI * j) / n);
    }
    t = { cos, sin };
    unitCache.set(n, t);
  }
  return t;
}

const C5_1 = Math.cos((2 * Math.PI) / 5), C5_2 = Math.cos((4 * Math.PI) / 5);
const S5_1 = Math.sin((2 * Math.PI) / 5), S5_2 = Math.sin((4 * Math.PI) / 5);

/** Columns per Stockham block: the scratch is n rows × this many columns (×4 arrays). */
const BLOCK_COLUMNS = 1024;

/**
 * Mixed-radix Stockham FFT (decimation in frequency, self-sorting) of the n × cw block in (xr, xi), row r
 * column c at r·cw + c, every column a sequence; (yr, yi) is scratch of the same size. Returns the pair
 * holding the result. Stage with radix p on a remaining length L (stride s = n/L rows):
 *   y[s·(p·t + k) + q] = (Σ_r x[s·(t + r·L/p) + q] · ω_p^{rk}) · ω_L^{tk},  t < L/p, k < p, q < s.
 */
function stockham(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, n: number, cw: number, inverse: boolean): [Float64Array, Float64Array] {
  const { cos, sin } = unitRoots(n);
  const sgn = inverse ? 1 : -1;
  const s3 = sgn * Math.sqrt(3) / 2; // imaginary part of ω_3 (forward: −√3/2)
  let L = n;
  let s = 1;
  for (const p of smoothFactors(n)) {
    const m = L / p;
    const rootStep = n / L;
    for (let t = 0; t < m; t++) {
      // twiddles ω_L^{tk}, k = 1 … p−1
      const w1 = (t * rootStep) % n, w2 = (2 * t * rootStep) % n, w3 = (3 * t * rootStep) % n, w4 = (4 * t * rootStep) % n;
      const c1 = cos[w1]!, d1 = sgn * sin[w1]!, c2 = cos[w2]!, d2 = sgn * sin[w2]!;
      for (let q = 0; q < s; q++) {
        const i0 = (s * t + q) * cw;
        const o0 = (s * p * t + q) * cw;
        const sc = s * cw;
        if (p === 2) {
          const i1 = i0 + m * sc;
          const o1 = o0 + sc;
          for (let c = 0; c < cw; c++) {
            const ar = xr[i0 + c]!, ai = xi[i0 + c]!, br = xr[i1 + c]!, bi = xi[i1 + c]!;
            yr[o0 + c] = ar + br;
            yi[o0 + c] = ai + bi;
            const dr = ar - br, di = ai - bi;
            yr[o1 + c] = dr * c1 - di * d1;
            yi[o1 + c] = dr * d1 + di * c1;
          }
        } else if (p === 3) {
          const i1 = i0 + m * sc, i2 = i1 + m * sc;
          const o1 = o0 + sc, o2 = o1 + sc;
          for (let c = 0; c < cw; c++) {
            const ar = xr[i0 + c]!, ai = xi[i0 + c]!;
            const br = xr[i1 + c]!, bi = xi[i1 + c]!, cr = xr[i2 + c]!, ci = xi[i2 + c]!;
            const tr = br + cr, ti = bi + ci;
            const mr = ar - 0.5 * tr, mi = ai - 0.5 * ti;
            // ω_3 (b − c) rotated: i·s3·(b − c)
            const ur = -s3 * (bi - ci), ui = s3 * (br - cr);
            yr[o0 + c] = ar + tr;
            yi[o0 + c] = ai + ti;
            const e1r = mr + ur, e1i = mi + ui, e2r = mr - ur, e2i = mi - ui;
            yr[o1 + c] = e1r * c1 - e1i * d1;
            yi[o1 + c] = e1r * d1 + e1i * c1;
            yr[o2 + c] = e2r * c2 - e2i * d2;
            yi[o2 + c] = e2r * d2 + e2i * c2;
          }
        } else {
          // radix 5: y_k = Σ_r a_r ω_5^{rk} with the conjugate symmetry of ω_5 (12 real multiplications
          // per column instead of 25 complex ones), then the twiddles
          const i1 = i0 + m * sc, i2 = i1 + m * sc, i3 = i2 + m * sc, i4 = i3 + m * sc;
          const o1 = o0 + sc, o2 = o1 + sc, o3 = o2 + sc, o4 = o3 + sc;
          const c3 = cos[w3]!, d3 = sgn * sin[w3]!, c4 = cos[w4]!, d4 = sgn * sin[w4]!;
          for (let c = 0; c < cw; c++) {
            const a0r = xr[i0 + c]!, a0i = xi[i0 + c]!;
            const t1r = xr[i1 + c]! + xr[i4 + c]!, t1i = xi[i1 + c]! + xi[i4 + c]!;
            const t2r = xr[i2 + c]! + xr[i3 + c]!, t2i = xi[i2 + c]! + xi[i3 + c]!;
            const t3r = xr[i1 + c]! - xr[i4 + c]!, t3i = xi[i1 + c]! - xi[i4 + c]!;
            const t4r = xr[i2 + c]! - xr[i3 + c]!, t4i = xi[i2 + c]! - xi[i3 + c]!;
            yr[o0 + c] = a0r + t1r + t2r;
            yi[o0 + c] = a0i + t1i + t2i;
            const b1r = a0r + C5_1 * t1r + C5_2 * t2r, b1i = a0i + C5_1 * t1i + C5_2 * t2i;
            const b2r = a0r + C5_2 * t1r + C5_1 * t2r, b2i = a0i + C5_2 * t1i + C5_1 * t2i;
            // i·sgn·d: (re, im) → (−sgn·im, sgn·re)
            const d1r = S5_1 * t3r + S5_2 * t4r, d1i = S5_1 * t3i + S5_2 * t4i;
            const d2r = S5_2 * t3r - S5_1 * t4r, d2i = S5_2 * t3i - S5_1 * t4i;
            const e1r = b1r - sgn * d1i, e1i = b1i + sgn * d1r;
            const e4r = b1r + sgn * d1i, e4i = b1i - sgn * d1r;
            const e2r = b2r - sgn * d2i, e2i = b2i + sgn * d2r;
            const e3r = b2r + sgn * d2i, e3i = b2i - sgn * d2r;
            yr[o1 + c] = e1r * c1 - e1i * d1;
            yi[o1 + c] = e1r * d1 + e1i * c1;
            yr[o2 + c] = e2r * c2 - e2i * d2;
            yi[o2 + c] = e2r * d2 + e2i * c2;
            yr[o3 + c] = e3r * c3 - e3i * d3;
            yi[o3 + c] = e3r * d3 + e3i * c3;
            yr[o4 + c] = e4r * c4 - e4i * d4;
            yi[o4 + c] = e4r * d4 + e4i * c4;
          }
        }
      }
    }
    [xr, yr] = [yr, xr];
    [xi, yi] = [yi, xi];
    L = m;
    s *= p;
  }
  return [xr, xi];
}

/** Scratch blocks for stockham, reused while big enough. */
let scratch: Float64Array[] = [];
function scratchBlocks(size: number): Float64Array[] {
  if (scratch.length === 0 || scratch[0]!.length < size) scratch = [0, 1, 2, 3].map(() => new Float64Array(size));
  return scratch;
}

/**
 * FFT of `count` sequences of length n, element r of sequence c at off + r·rowStride + c·colStride (the
 * columns of a row-major block: rowStride = w, colStride = 1; contiguous lines: rowStride = 1,
 * colStride = n), n a product of 2, 3 and 5: gathered BLOCK_COLUMNS sequences at a time as the columns of
 * a scratch block (the butterflies run over many sequences at once), transformed by stockham, put back.
 */
function fftMixed(re: Float64Array, im: Float64Array, off: number, n: number, count: number, rowStride: number, colStride: number, inverse: boolean): void {
  const bw = Math.min(count, BLOCK_COLUMNS);
  const [ar, ai, br, bi] = scratchBlocks(n * bw);
  for (let c0 = 0; c0 < count; c0 += bw) {
    const cw = Math.min(bw, count - c0);
    for (let r = 0; r < n; r++) {
      const src = off + r * rowStride + c0 * colStride;
      for (let c = 0; c < cw; c++) {
        ar![r * cw + c] = re[src + c * colStride]!;
        ai![r * cw + c] = im[src + c * colStride]!;
      }
    }
    const [or, oi] = stockham(ar!, ai!, br!, bi!, n, cw, inverse);
    for (let r = 0; r < n; r++) {
      const dst = off + r * rowStride + c0 * colStride;
      for (let c = 0; c < cw; c++) {
        re[dst + c * colStride] = or[r * cw + c]!;
        im[dst + c * colStride] = oi[r * cw + c]!;
      }
    }
  }
}

/**
 * 3-D FFT of (re, im) with dims (nx, ny, nz), each a product of 2, 3 and 5. `active` bounds (ax, ay, az):
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
    if ((nx & (nx - 1)) !== 0) {
      // mixed radix: the yLim lines of each plane at once (contiguous: lines y = 0 … yLim−1)
      for (let z = 0; z < zLim; z++) fftMixed(re, im, plane * z, nx, yLim, 1, nx, inverse);
      return;
    }
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

/** The smallest size ≥ n whose prime factors are 2, 3 and 5 (fftRows takes it). */
export function nextFastSize(n: number): number {
  for (let m = Math.max(1, n); ; m++) {
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}
