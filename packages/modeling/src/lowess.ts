/**
 * LOWESS scatterplot smoother: a line-by-line port of R's C routine `clowess` (src/library/stats/
 * src/lowess.c, R 4.2; Cleveland 1979/1981) behind stats::lowess, so that smooth calibration
 * curves and their summaries (rms::val.prob's Emax/E90/Eavg, rms::calibrate) equal R's.
 */
import { TaceError } from '@tace/common';

export interface LowessOptions {
  /** Smoother span: the fraction of points that influence each fitted value (R default 2/3). */
  f?: number;
  /** Robustifying iterations (R default 3; rms uses 0 for binary outcomes). */
  iter?: number;
  /**
   * Points closer than delta to the last fitted point are interpolated instead of fitted
   * (R default 0.01 · diff(range(x))).
   */
  delta?: number;
}

export interface LowessResult {
  /** x sorted ascending (stable: ties keep their input order, as R's order()). */
  x: Float64Array;
  /** Smoothed values at x. */
  y: Float64Array;
}

/**
 * stats::lowess(x, y, f, iter, delta): returns the sorted x and the fitted values, equal to R to
 * rounding (the same operations in the same order as clowess).
 * Throws TaceError MODEL_NON_FINITE_INPUT, MODEL_LENGTH_MISMATCH, MODEL_TOO_FEW_ROWS (n = 0),
 * MODEL_BAD_OPTION (f ≤ 0, iter not a non-negative integer, delta < 0).
 */
export function lowess(x: ArrayLike<number>, y: ArrayLike<number>, opts: LowessOptions = {}): LowessResult {
  const n = x.length;
  if (y.length !== n) {
    throw new TaceError('MODEL_LENGTH_MISMATCH', `lowess: ${n} x values but ${y.length} y values`, {
      detail: { x: n, y: y.length },
    });
  }
  if (n === 0) throw new TaceError('MODEL_TOO_FEW_ROWS', 'lowess needs at least one point', { detail: { n } });
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `lowess: point ${i} is not finite`, { detail: { index: i } });
    }
  }
  const f = opts.f ?? 2 / 3;
  const iter = opts.iter ?? 3;
  if (!(Number.isFinite(f) && f > 0)) throw new TaceError('MODEL_BAD_OPTION', `lowess: f must be finite and > 0, got ${f}`);
  if (!(Number.isInteger(iter) && iter >= 0)) {
    throw new TaceError('MODEL_BAD_OPTION', `lowess: iter must be an integer >= 0, got ${iter}`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const xs = Float64Array.from(order, (i) => x[i]);
  const ys = Float64Array.from(order, (i) => y[i]);
  const delta = opts.delta ?? 0.01 * (xs[n - 1] - xs[0]);
  if (!(Number.isFinite(delta) && delta >= 0)) {
    throw new TaceError('MODEL_BAD_OPTION', `lowess: delta must be finite and >= 0, got ${delta}`);
  }
  return { x: xs, y: clowess(xs, ys, f, iter, delta) };
}

/**
 * The local weighted linear fit at xs (C `lowest`). Arrays are 1-based views: index 0 unused.
 * Returns the fitted value, or undefined when all weights are 0 (C's ok = FALSE).
 */
function lowest(
  x: Float64Array, y: Float64Array, n: number, xs: number, nleft: number, nright: number,
  w: Float64Array, userw: boolean, rw: Float64Array,
): number | undefined {
  const range = x[n] - x[1];
  const h = Math.max(xs - x[nleft], x[nright] - xs);
  const h9 = 0.999 * h;
  const h1 = 0.001 * h;
  // sum of weights
  let a = 0;
  let j = nleft;
  while (j <= n) {
    // compute weights (pick up all ties on right)
    w[j] = 0;
    const r = Math.abs(x[j] - xs);
    if (r <= h9) {
      if (r <= h1) w[j] = 1;
      else w[j] = fcube(1 - fcube(r / h));
      if (userw) w[j] *= rw[j];
      a += w[j];
    } else if (x[j] > xs) break;
    j = j + 1;
  }
  // rightmost pt (may be greater than nright because of ties)
  const nrt = j - 1;
  if (a <= 0) return undefined;
  // weighted least squares: make sum of w[j] == 1
  for (j = nleft; j <= nrt; j++) w[j] /= a;
  if (h > 0) {
    a = 0;
    // use linear fit: weighted center of x values
    for (j = nleft; j <= nrt; j++) a += w[j] * x[j];
    let b = xs - a;
    let c = 0;
    for (j = nleft; j <= nrt; j++) c += w[j] * fsquare(x[j] - a);
    if (Math.sqrt(c) > 0.001 * range) {
      b /= c;
      // points are spread out enough to compute slope
      for (j = nleft; j <= nrt; j++) w[j] *= b * (x[j] - a) + 1;
    }
  }
  let ys = 0;
  for (j = nleft; j <= nrt; j++) ys += w[j] * y[j];
  return ys;
}

function fsquare(v: number): number {
  return v * v;
}

function fcube(v: number): number {
  return v * v * v;
}

/** k-th smallest (0-based) of a copy-free scratch array: what R's rPsort leaves at index k. */
function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** C `clowess` on x sorted ascending (0-based in, 0-based out). */
function clowess(x0: Float64Array, y0: Float64Array, f: number, nsteps: number, delta: number): Float64Array {
  const n = x0.length;
  if (n < 2) return Float64Array.of(y0[0]);
  // 1-based copies, as the C code shifts its pointers
  const x = new Float64Array(n + 1);
  const y = new Float64Array(n + 1);
  x.set(x0, 1);
  y.set(y0, 1);
  const ys = new Float64Array(n + 1);
  const rw = new Float64Array(n + 1); // robustness weights, 1-based
  const w = new Float64Array(n + 1); // scratch weights for lowest (C passes `res`)
  const res = new Float64Array(n); // residuals, 0-based as in C
  // at least two, at most n points
  const ns = Math.max(2, Math.min(n, Math.trunc(f * n + 1e-7)));
  let iter = 1;
  while (iter <= nsteps + 1) {
    let nleft = 1;
    let nright = ns;
    let last = 0; // index of prev estimated point
    let i = 1; // index of current point
    for (;;) {
      if (nright < n) {
        // move nleft, nright to right if radius decreases
        const d1 = x[i] - x[nleft];
        const d2 = x[nright + 1] - x[i];
        if (d1 > d2) {
          nleft++;
          nright++;
          continue;
        }
      }
      // fitted value at x[i]; all weights zero: copy over value
      const fit = lowest(x, y, n, x[i], nleft, nright, w, iter > 1, rw);
      ys[i] = fit === undefined ? y[i] : fit;
      if (last < i - 1) {
        // skipped points -- interpolate
        const denom = x[i] - x[last];
        for (let j = last + 1; j < i; j++) {
          const alpha = (x[j] - x[last]) / denom;
          ys[j] = alpha * ys[i] + (1 - alpha) * ys[last];
        }
      }
      // last point actually estimated
      last = i;
      // x coord of close points
      const cut = x[last] + delta;
      for (i = last + 1; i <= n; i++) {
        if (x[i] > cut) break;
        if (x[i] === x[last]) {
          ys[i] = ys[last];
          last = i;
        }
      }
      i = Math.max(last + 1, i - 1);
      if (last >= n) break;
    }
    // residuals
    for (let k = 0; k < n; k++) res[k] = y[k + 1] - ys[k + 1];
    // overall scale estimate
    let sc = 0;
    for (let k = 0; k < n; k++) sc += Math.abs(res[k]);
    sc /= n;
    // compute robustness weights except last time
    if (iter > nsteps) break;
    const absRes = new Float64Array(n);
    for (let k = 0; k < n; k++) absRes[k] = Math.abs(res[k]);
    // cmad := 6 * median(|res|)
    const m1 = Math.trunc(n / 2);
    let cmad: number;
    if (n % 2 === 0) {
      const m2 = n - m1 - 1;
      cmad = 3 * (kthSmallest(absRes, m1) + kthSmallest(absRes, m2));
    } else {
      cmad = 6 * kthSmallest(absRes, m1);
    }
    if (cmad < 1e-7 * sc) break; // effectively zero
    const c9 = 0.999 * cmad;
    const c1 = 0.001 * cmad;
    for (let k = 0; k < n; k++) {
      const r = Math.abs(res[k]);
      // rw is 1-based in lowest(); C fills rw[0..n-1] and lowest reads rw[1..n] after rw--
      if (r <= c1) rw[k + 1] = 1;
      else if (r <= c9) rw[k + 1] = fsquare(1 - fsquare(r / cmad));
      else rw[k + 1] = 0;
    }
    iter++;
  }
  return ys.slice(1);
}
