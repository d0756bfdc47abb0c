import { TaceError } from '@tace/common';

const DBL_EPSILON = 2 ** -52;
const DBL_MIN = 2 ** -1022;
const DBL_MAX = Number.MAX_VALUE;

/** 10^k for an integer k, correctly rounded (Math.pow(10, k) is not, for some negative k). */
function pow10(k: number): number {
  return Number(`1e${k}`);
}

export interface PrettyOptions {
  /** R's `min.n`: the fewest intervals (default ⌊n/3⌋). */
  minN?: number;
}

/**
 * R's `pretty(x, n)`: about n + 1 equally spaced "round" values (steps of 1, 2 or 5 × 10^k) that
 * cover the range of `x`. A port of base::pretty.default with its defaults (shrink.sml = 0.75,
 * high.u.bias = 1.5, u5.bias = 0.5 + 1.5·high.u.bias, eps.correct = 0, f.min = 2^-20, bounds =
 * TRUE) and of the C routine R_pretty (src/appl/pretty.c, R ≥ 4.2), followed, as pretty.default
 * does, by seq.int(lo, up, length.out = ndiv + 1) and the zeroing of values below 1e-14 × step.
 * Tested equal (===) to R 4.2.2 on several hundred ranges (reference/pretty.json).
 *
 * Deviation: R drops non-finite values of `x`; here they are an error (MODEL_NON_FINITE_INPUT),
 * like an empty `x` (MODEL_EMPTY_INPUT). 10^k is the correctly rounded decimal power where R calls
 * the C library's pow(); they differ only for subnormal powers (k < −307).
 */
export function pretty(x: readonly number[], n = 5, options: PrettyOptions = {}): number[] {
  return prettyTyped(x, n, options).values;
}

/**
 * pretty() with the type R gives its result: R's seq.int returns an *integer* vector when the
 * ends and the step are whole numbers, unless a 0 in it is then zeroed (which makes it double).
 * The type matters only for formatting (R prints integer 100000 as "100000", double as "1e+05").
 */
export function prettyTyped(x: readonly number[], n = 5, options: PrettyOptions = {}): { values: number[]; integer: boolean } {
  if (x.length === 0) throw new TaceError('MODEL_EMPTY_INPUT', 'pretty() needs at least one value');
  let lo = Infinity;
  let up = -Infinity;
  for (const v of x) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', 'pretty() got a non-finite value', { detail: { value: String(v) } });
    }
    if (v < lo) lo = v;
    if (v > up) up = v;
  }
  const minN = options.minN ?? Math.floor(n / 3);
  if (!Number.isInteger(n) || n < 0) throw new TaceError('MODEL_INVALID_ARGUMENT', `invalid 'n' argument: ${n}`, { detail: { n } });
  if (!Number.isInteger(minN) || minN < 0 || minN > n) {
    throw new TaceError('MODEL_INVALID_ARGUMENT', `invalid 'min.n' argument: ${minN}`, { detail: { n, minN } });
  }
  const r = rPretty(lo, up, n, minN, 0.75, 1.5, 0.5 + 1.5 * 1.5, 2 ** -20);
  const len = r.ndiv + 1;
  const s = seqIntLength(r.lo, r.up, len);
  let integer = isIntegerSeq(r.lo, r.up, len);
  if (r.ndiv > 0) {
    // pretty.default: delta <- diff(range(z$l, z$u) / n); s[abs(s) < 1e-14 * delta] <- 0
    const delta = r.up / r.ndiv - r.lo / r.ndiv;
    for (let i = 0; i < s.length; i++) {
      if (Math.abs(s[i]) < 1e-14 * delta) {
        s[i] = 0;
        integer = false; // s[small] <- 0 assigns a double
      }
    }
  }
  return { values: s, integer };
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
function isInt(v: number): boolean {
  return v <= INT_MAX && v >= INT_MIN && v === Math.trunc(v);
}

/** The condition under which C do_seq returns an INTSXP for seq.int(from, to, length.out). */
function isIntegerSeq(from: number, to: number, len: number): boolean {
  return isInt(from) && (len <= 1 || isInt(to)) && (len <= 2 || Number.isInteger((to - from) / (len - 1)));
}

/**
 * R's seq.int(from, to, length.out = len) for finite from, to (C do_seq, R 4.2): the ends are
 * `from` and `to` exactly, the inner values from + i·by with by = (to − from)/(len − 1).
 */
function seqIntLength(from: number, to: number, len: number): number[] {
  const out = new Array<number>(len);
  if (len > 0) out[0] = from;
  if (len > 1) out[len - 1] = to;
  if (len > 2) {
    const by = (to - from) / (len - 1);
    for (let i = 1; i < len - 1; i++) out[i] = from + i * by;
  }
  return out;
}

/** Port of R_pretty (src/appl/pretty.c, R ≥ 4.2) with eps_correction = 0 and return_bounds = 1. */
function rPretty(
  lo_: number, up_: number, ndivIn: number, minN: number,
  shrinkSml: number, h: number, h5: number, fMin: number,
): { lo: number; up: number; ndiv: number } {
  const roundingEps = 1e-10;
  const dx = up_ - lo_;
  let cell: number;
  let iSmall: boolean;
  if (dx === 0 && up_ === 0) {
    cell = 1;
    iSmall = true;
  } else {
    cell = Math.max(Math.abs(lo_), Math.abs(up_));
    let U = 1 + (h5 >= 1.5 * h + 0.5 ? 1 / (1 + h) : 1.5 / (1 + h5));
    U *= Math.max(1, ndivIn) * DBL_EPSILON;
    iSmall = dx < cell * U * 3;
  }
  if (iSmall) {
    if (cell > 10) cell = 9 + cell / 10;
    cell *= shrinkSml;
    if (minN > 1) cell /= minN;
  } else {
    cell = dx;
    if (Number.isFinite(dx)) {
      if (ndivIn > 1) cell /= ndivIn;
    } else if (ndivIn >= 2) {
      cell = up_ / ndivIn - lo_ / ndivIn;
    }
  }
  const MAX_F = 1.25;
  let subsmall = fMin * DBL_MIN;
  if (subsmall === 0) subsmall = DBL_MIN;
  if (cell < subsmall) cell = subsmall;
  else if (cell > DBL_MAX / MAX_F) cell = DBL_MAX / MAX_F;

  const base = pow10(Math.floor(Math.log10(cell)));
  let unit = base;
  let U: number;
  if ((U = 2 * base) - cell < h * (cell - unit)) {
    unit = U;
    if ((U = 5 * base) - cell < h5 * (cell - unit)) {
      unit = U;
      if ((U = 10 * base) - cell < h * (cell - unit)) unit = U;
    }
  }
  let ns = Math.floor(lo_ / unit + roundingEps);
  let nu = Math.ceil(up_ / unit - roundingEps);
  let lo = lo_;
  let up = up_;
  while (ns * unit > lo + roundingEps * unit) ns--;
  while (!Number.isFinite(ns * unit)) ns++;
  while (nu * unit < up - roundingEps * unit) nu++;
  while (!Number.isFinite(nu * unit)) nu--;

  let k = Math.trunc(0.5 + nu - ns);
  let ndiv: number;
  if (k < minN) {
    k = minN - k;
    const half = Math.trunc(k / 2);
    if (lo_ === 0 && ns === 0 && up_ !== 0) {
      nu += k;
    } else if (up_ === 0 && nu === 0 && lo_ !== 0) {
      ns -= k;
    } else if (ns >= 0) {
      nu += half;
      ns -= half + (k % 2);
    } else {
      ns -= half;
      nu += half + (k % 2);
    }
    ndiv = minN;
  } else {
    ndiv = k;
  }
  if (ns * unit < lo) lo = ns * unit;
  if (nu * unit > up) up = nu * unit;
  return { lo, up, ndiv };
}
