import { quantileType7 } from './validation.ts';
import { TaceError } from '@tace/common';
import { sigmoid } from './logistic.ts';
import { prettyTyped } from './pretty.ts';
import { rcsBasis } from './rcs.ts';

/**
 * A restricted cubic spline effect on the model scale, as rms::rcs enters a linear predictor:
 * f(x) = Σ_j coefficients[j]·B_j(x) with B = rcsBasis(x, knots) = (x, x', x'', …) — k knots,
 * k − 1 coefficients (the first is the coefficient of the linear column x).
 */
export interface SplineEffect {
  /** Knots on the model scale, strictly increasing (at least 3). */
  knots: readonly number[];
  /** One coefficient per basis column x, x', x'', … (knots.length − 1 of them). */
  coefficients: readonly number[];
}

/** Checks a SplineEffect: ≥ 3 finite, strictly increasing knots and knots.length − 1 finite coefficients. Throws MODEL_INVALID_ARGUMENT. */
export function checkSplineEffect(s: SplineEffect, what: string): void {
  const k = s.knots.length;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (k < 3 || !s.knots.every(finite) || s.knots.some((t, j) => j > 0 && !(t > s.knots[j - 1]))) {
    throw new TaceError('MODEL_INVALID_ARGUMENT', `${what}: a spline needs at least 3 finite, strictly increasing knots`, { detail: { knots: [...s.knots] } });
  }
  if (s.coefficients.length !== k - 1 || !s.coefficients.every(finite)) {
    throw new TaceError('MODEL_INVALID_ARGUMENT', `${what}: a spline with ${k} knots needs ${k - 1} finite coefficients (x, x', …), got ${s.coefficients.length}`, {
      detail: { knots: k, coefficients: s.coefficients.length },
    });
  }
}

/**
 * f(x) = Σ_j c_j·B_j(x) for a value x on the model scale: rcsBasis's columns (rms::rcs, norm = 2),
 * summed left to right — what rms's predict(type = "terms", center.terms = FALSE) gives for the term.
 */
export function splineEffect(s: SplineEffect, x: number): number {
  const cols = rcsBasis([x], s.knots);
  let f = 0;
  for (let j = 0; j < cols.length; j++) f += s.coefficients[j] * cols[j][0];
  return f;
}

export interface NomogramFactor {
  name: string;
  /**
   * Logistic coefficient β of the factor on its model scale (after any transform). For a spline
   * factor: the coefficient of the linear column x (= spline.coefficients[0]); the effect is then
   * not β·x but the spline's f(x).
   */
  coefficient: number;
  /** Range of the factor in the training data (model scale): the axis of the nomogram. */
  min: number;
  max: number;
  /**
   * A restricted cubic spline factor: effect f(x) = Σ c_j·B_j(x) (see SplineEffect), and
   * `effectRange` = [lowest, highest] f over the nomogram's axis ticks (rms info$R for the axis):
   * the factor's 0 points are at f = effectRange[0] and its span effectRange[1] − effectRange[0]
   * enters the points scale, so that a value at a tick gets exactly the points rms::nomogram shows.
   */
  spline?: SplineEffect & { effectRange: readonly [number, number] };
}

export interface NomogramModel {
  intercept: number;
  factors: readonly NomogramFactor[];
  /** Points given to the factor with the widest effect range (rms: 100). */
  pointsScale?: number;
}

export interface FactorPoints {
  name: string;
  value: number;
  points: number;
  /** The value lies outside the training range [min, max]; its points are extrapolated. */
  outOfRange: boolean;
}

export interface NomogramResult {
  factors: FactorPoints[];
  totalPoints: number;
  linearPredictor: number;
  probability: number;
}

export interface NomogramScale {
  /** Change of the linear predictor per point: max_f (effect range of f) / pointsScale. */
  lpPerPoint: number;
  /** Linear predictor at 0 total points: intercept + Σ_f (lowest effect of f). */
  lpAtZeroPoints: number;
}

/** Lowest and highest effect of a factor over its axis: β·min, β·max (ordered), or a spline's effectRange. */
function effectBounds(f: NomogramFactor): [number, number] {
  if (!(f.max >= f.min)) throw new RangeError(`nomogram factor ${f.name}: max ${f.max} < min ${f.min}`);
  if (f.spline) {
    const [lo, hi] = f.spline.effectRange;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) throw new RangeError(`nomogram factor ${f.name}: spline effectRange must be [lo, hi] with hi ≥ lo`);
    return [lo, hi];
  }
  const a = f.coefficient * f.min;
  const b = f.coefficient * f.max;
  return a <= b ? [a, b] : [b, a];
}

/** The factor's effect on the linear predictor at a model-scale value x: β·x, or the spline's f(x). */
function factorEffect(f: NomogramFactor, x: number): number {
  if (!f.spline) return f.coefficient * x;
  try {
    checkSplineEffect(f.spline, `nomogram factor ${f.name}`);
  } catch (e) {
    throw new RangeError((e as Error).message);
  }
  return splineEffect(f.spline, x);
}

/**
 * Scale of a min–max logistic nomogram: the factor with the widest effect range spans
 * 0…pointsScale; every factor's 0 is at its lowest effect. The effect range of a linear factor is
 * |β|·(max − min) with its 0 at the end of [min, max] with the lower linear predictor (the max end
 * when β < 0); that of a spline factor is its effectRange. This is rms::nomogram's rule applied to
 * [min, max] itself; rms applies it to its axis ticks, pretty(c(min, max), nint), which usually
 * reach beyond the data — see buildNomogram for the nomogram exactly as rms computes it (a bundle
 * stores the tick ends as min/max, and a spline's range over the ticks as effectRange).
 */
export function nomogramScale(model: NomogramModel): NomogramScale {
  const scale = model.pointsScale ?? 100;
  let widest = 0;
  let lp0 = model.intercept;
  for (const f of model.factors) {
    const [lo, hi] = effectBounds(f);
    widest = Math.max(widest, hi - lo);
    lp0 += lo;
  }
  if (!(widest > 0)) throw new RangeError('nomogram has no factor with a non-zero effect range');
  return { lpPerPoint: widest / scale, lpAtZeroPoints: lp0 };
}

/**
 * Per-factor points, total points, linear predictor and probability for one subject.
 * points_f = (e_f(x_f) − lo_f) / lpPerPoint, where e_f is the factor's effect (β_f·x_f, or a spline's
 * f(x_f) = Σ c_j·B_j(x_f)) and lo_f its lowest effect over the axis (min(β_f·min_f, β_f·max_f), or
 * spline.effectRange[0]); for a linear factor this is pointsScale·|β_f·(x_f − x_f⁰)| / widest range,
 * x_f⁰ the zero-point end of the axis.
 * The linear predictor is the model's own: η = intercept + Σ_f e_f(x_f) (summed in factor order),
 * p = 1/(1 + e^(−η)); total points map back to it (η = lpAtZeroPoints + totalPoints·lpPerPoint up
 * to rounding). `values` is keyed by factor name; a missing factor throws.
 */
export function nomogramPoints(model: NomogramModel, values: Readonly<Record<string, number>>): NomogramResult {
  const { lpPerPoint } = nomogramScale(model);
  const factors: FactorPoints[] = [];
  let total = 0;
  let eta = model.intercept;
  for (const f of model.factors) {
    const x = values[f.name];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`nomogram factor ${f.name} has no finite value`);
    const effect = factorEffect(f, x);
    const points = (effect - effectBounds(f)[0]) / lpPerPoint;
    factors.push({ name: f.name, value: x, points, outOfRange: x < f.min || x > f.max });
    total += points;
    eta += effect;
  }
  return { factors, totalPoints: total, linearPredictor: eta, probability: sigmoid(eta) };
}

/** Probability at a given number of total points (the bottom axes of the nomogram). */
export function totalPointsToProbability(model: NomogramModel, totalPoints: number): number {
  const { lpPerPoint, lpAtZeroPoints } = nomogramScale(model);
  return sigmoid(lpAtZeroPoints + totalPoints * lpPerPoint);
}

// ================================================================================================
// rms::nomogram for a logistic (lrm) model: datadist limits, axes, points, total points, risk axis.
// ================================================================================================

/**
 * The seven limits rms::datadist keeps for a numeric variable (rows of `datadist(x)$limits`), and
 * `values`: the sorted distinct values when there are at most `nUnique` (10) of them (rms then
 * treats the variable as discrete: a nomogram axis shows every value).
 */
export interface DatadistLimits {
  /** "Low:effect": quantile 0.25 (type 7); the data range if fewer than 4 distinct values. */
  lowEffect: number;
  /** "Adjust to": median; the lower value if 2 distinct values, the middle one if 3. */
  adjustTo: number;
  /** "High:effect": quantile 0.75. */
  highEffect: number;
  /** "Low:prediction": quantile q = 10/max(n, 200) (type 7); the data range if < 4 distinct values. */
  lowPrediction: number;
  /** "High:prediction": quantile 1 − q. */
  highPrediction: number;
  /** "Low": the smallest value. rms::nomogram draws its axes over [low, high]. */
  low: number;
  /** "High": the largest value. */
  high: number;
  values?: number[];
}

export interface DatadistOptions {
  /** rms `q.display`; default c(q, 1 − q) with q = 10/max(n, 200). */
  qDisplay?: readonly [number, number];
  /** rms `q.effect`; default c(0.25, 0.75). */
  qEffect?: readonly [number, number];
  /** rms `n.unique`; default 10. */
  nUnique?: number;
}


/** R's median() of an ascending-sorted array (the mean of the two middle values when n is even). */
function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const half = Math.floor((n + 1) / 2);
  return n % 2 === 1 ? sorted[half - 1] : (sorted[half - 1] + sorted[half]) / 2;
}

function checkFinite(x: readonly number[], what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `${what}: value ${i} is not a finite number`, { detail: { index: i } });
    }
  }
}

/**
 * The limits rms::datadist (rms 6.5) stores for one numeric variable — read from its source:
 * q.display = 10/max(n, 200) and 1 − that, quantiles of type 7 (quantile()'s default); fewer than
 * 4 distinct values → the prediction and effect limits are the data range; if the two prediction
 * (or effect) quantiles coincide they are replaced by the range too. The "Adjust to" value is the
 * median (the lower of 2, the middle of 3 distinct values). `values` is kept for ≤ nUnique (10)
 * distinct values. A constant variable gets all seven limits equal to its value (R warns).
 *
 * Note: rms::nomogram draws an axis over pretty(c(Low, High), nint) — the full data range, not
 * the Low:prediction/High:prediction quantiles (value.chk(..., type.range = "full")).
 * Deviation: R drops NA; here a non-finite value is an error (MODEL_NON_FINITE_INPUT), and fewer
 * than 2 values is MODEL_TOO_FEW_ROWS (R: "fewer than 2 non-missing observations").
 */
export function datadistLimits(x: readonly number[], options: DatadistOptions = {}): DatadistLimits {
  checkFinite(x, 'datadistLimits');
  const n = x.length;
  if (n < 2) throw new TaceError('MODEL_TOO_FEW_ROWS', `datadist needs at least 2 values, got ${n}`, { detail: { n } });
  const sorted = Float64Array.from(x).sort();
  const s = Array.from(sorted);
  const values: number[] = [];
  for (const v of s) if (values.length === 0 || values[values.length - 1] !== v) values.push(v);
  const nunique = values.length;
  const nUniqueMax = options.nUnique ?? 10;
  if (nunique < 2) {
    const c = x[0];
    return { lowEffect: c, adjustTo: c, highEffect: c, lowPrediction: c, highPrediction: c, low: c, high: c, values };
  }
  const low = values[0];
  const high = values[nunique - 1];
  let lowPrediction = low;
  let highPrediction = high;
  if (nunique >= 4) {
    let q = options.qDisplay;
    if (!q) {
      const qd = 10 / Math.max(n, 200);
      q = [qd, 1 - qd];
    }
    lowPrediction = quantileType7(s, q[0]);
    highPrediction = quantileType7(s, q[1]);
  }
  if (lowPrediction === highPrediction) {
    lowPrediction = low;
    highPrediction = high;
  }
  const adjustTo = nunique < 3 ? values[0] : nunique === 3 ? values[1] : median(s);
  let lowEffect = low;
  let highEffect = high;
  if (nunique >= 4) {
    const q = options.qEffect ?? [0.25, 0.75];
    lowEffect = quantileType7(s, q[0]);
    highEffect = quantileType7(s, q[1]);
  }
  if (lowEffect === highEffect) {
    lowEffect = low;
    highEffect = high;
  }
  const out: DatadistLimits = { lowEffect, adjustTo, highEffect, lowPrediction, highPrediction, low, high };
  if (nunique <= nUniqueMax) out.values = values;
  return out;
}

// ---- R's format() and round() ------------------------------------------------------------------

/** x = m·2^e exactly, for finite x > 0. */
function decompose(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (exp === 0) return { m: frac, e: -1074 };
  return { m: frac | (1n << 52n), e: exp - 1075 };
}

/** |x|·10^p as an exact fraction num/den. */
function scaledFraction(x: number, p: number): { num: bigint; den: bigint } {
  const { m, e } = decompose(Math.abs(x));
  let num = m;
  let den = 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  if (p >= 0) num *= 10n ** BigInt(p);
  else den *= 10n ** BigInt(-p);
  return { num, den };
}

/** |x|·10^p rounded to an integer, ties to even (what C's printf and nearbyint do). */
function scaledRound(x: number, p: number): bigint {
  if (x === 0) return 0n;
  const { num, den } = scaledFraction(x, p);
  const q = num / den;
  const twice = 2n * (num % den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

const KP_MAX = 27;

/** format.c scientific(): sign, decimal exponent, significant digits (≤ digits) of x. */
function scientific(x: number, digits: number): { neg: boolean; kpower: number; nsig: number; roundingWidens: boolean } {
  if (x === 0) return { neg: false, kpower: 0, nsig: 1, roundingWidens: false };
  const r = Math.abs(x);
  let kp = Math.floor(Math.log10(r)) - digits + 1;
  // r·10^−kp < 10^(digits−1): log10 overestimated the exponent
  const f = scaledFraction(r, -kp);
  if (f.num < 10n ** BigInt(digits - 1) * f.den) kp--;
  let alpha = scaledRound(r, -kp);
  let nsig = digits;
  for (let j = 1; j <= digits; j++) {
    if (alpha % 10n === 0n) {
      nsig--;
      alpha /= 10n;
    } else break;
  }
  if (nsig === 0 && digits > 0) {
    nsig = 1;
    kp += 1;
  }
  const kpower = kp + digits - 1;
  let rgt = digits - kpower;
  rgt = rgt < 0 ? 0 : rgt > KP_MAX ? KP_MAX : rgt;
  const fuzz = 0.5 / Number(`1e${rgt}`);
  const roundingWidens = kpower > 0 && kpower <= KP_MAX && r < Number(`1e${kpower}`) - fuzz;
  return { neg: x < 0, kpower, nsig, roundingWidens };
}

interface RealFormat {
  /** field width */
  w: number;
  /** digits after the point (fixed) or in the mantissa (scientific) */
  d: number;
  /** 0: fixed notation; 1 or 2: scientific with 2- or 3-digit exponent */
  e: number;
}

/** format.c formatReal(): the common format R uses for a numeric vector (scipen = 0). */
function formatReal(x: readonly number[], digits: number): RealFormat {
  let rgt = -Infinity;
  let mxl = -Infinity;
  let mnl = Infinity;
  let mxsl = -Infinity;
  let mxns = -Infinity;
  let neg = 0;
  for (const v of x) {
    const s = scientific(v, digits);
    let left = s.kpower + 1;
    if (s.roundingWidens) left--;
    const sleft = (s.neg ? 1 : 0) + (left <= 0 ? 1 : left);
    const right = s.nsig - left;
    if (s.neg) neg = 1;
    if (right > rgt) rgt = right;
    if (left > mxl) mxl = left;
    if (left < mnl) mnl = left;
    if (sleft > mxsl) mxsl = sleft;
    if (s.nsig > mxns) mxns = s.nsig;
  }
  if (digits === 0) rgt = 0;
  if (mxl < 0) mxsl = 1 + neg;
  if (rgt < 0) rgt = 0;
  const wF = mxsl + rgt + (rgt !== 0 ? 1 : 0);
  let e = mxl > 100 || mnl <= -99 ? 2 : 1;
  let d = mxns - 1;
  let w = neg + (d > 0 ? 1 : 0) + d + 4 + e;
  if (wF <= w) {
    e = 0;
    d = rgt;
    w = wF;
  }
  return { w, d, e };
}

/** sprintf("%.*f", d, x): exact, ties to even (glibc). */
function fixedString(x: number, d: number): string {
  const digits = scaledRound(x, d).toString().padStart(d + 1, '0');
  const body = d > 0 ? `${digits.slice(0, digits.length - d)}.${digits.slice(digits.length - d)}` : digits;
  return (x < 0 ? '-' : '') + body;
}

/** sprintf("%#.*e", d, x) (or "%.*e" for d = 0): exact, ties to even, exponent of ≥ 2 digits. */
function sciString(x: number, d: number): string {
  if (x === 0) return (d > 0 ? `0.${'0'.repeat(d)}` : '0') + 'e+00';
  let e10 = Math.floor(Math.log10(Math.abs(x)));
  let q = scaledRound(x, d - e10);
  if (q >= 10n ** BigInt(d + 1)) {
    e10++;
    q = scaledRound(x, d - e10);
  } else if (q < 10n ** BigInt(d)) {
    e10--;
    q = scaledRound(x, d - e10);
    if (q >= 10n ** BigInt(d + 1)) {
      e10++;
      q = scaledRound(x, d - e10);
    }
  }
  const s = q.toString();
  const mant = d > 0 ? `${s[0]}.${s.slice(1)}` : s;
  const ae = Math.abs(e10);
  return `${x < 0 ? '-' : ''}${mant}e${e10 < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
}

export interface FormatOptions {
  /** Significant digits (R's getOption("digits"), default 7). */
  digits?: number;
  /** No padding to a common width (format(x, trim = TRUE)). */
  trim?: boolean;
  /**
   * The vector is an R integer vector (e.g. what pretty() returns for whole-number ticks without a
   * 0): R formats integers plainly, never in scientific notation (100000, not 1e+05).
   */
  integer?: boolean;
}

/**
 * R's `format(x)` of a numeric vector: one common format (fixed or scientific, same number of
 * decimals) chosen as format.c formatReal() does with digits = 7 and scipen = 0, each value padded
 * on the left to the common width (unless `trim`). Digits are produced from the exact binary value
 * with ties to even, as glibc's printf does. Non-finite values are an error (MODEL_NON_FINITE_INPUT).
 */
export function formatNumbers(x: readonly number[], options: FormatOptions = {}): string[] {
  checkFinite(x, 'formatNumbers');
  if (x.length === 0) return [];
  let strs: string[];
  if (options.integer) {
    for (const v of x) {
      if (!Number.isInteger(v)) throw new TaceError('MODEL_INVALID_ARGUMENT', `formatNumbers: ${v} is not an integer`, { detail: { value: v } });
    }
    strs = x.map((v) => (Object.is(v, -0) ? '0' : String(v)));
  } else {
    const f = formatReal(x, options.digits ?? 7);
    strs = x.map((v) => {
      const v0 = v === 0 ? 0 : v; // R drops the sign of a negative zero
      return f.e ? sciString(v0, f.d) : fixedString(v0, f.d);
    });
  }
  if (options.trim) return strs;
  const w = Math.max(...strs.map((s) => s.length));
  return strs.map((s) => s.padStart(w));
}

/**
 * R's `format(x)` of a single number (digits = 7): what rms::nomogram writes at a tick of a
 * predictor axis and of the risk axis (its internal Format()). "0.5", "10", "1e+05", "0.001".
 */
export function formatValue(x: number, options: Omit<FormatOptions, 'trim'> = {}): string {
  return formatNumbers([x], { ...options, trim: true })[0];
}

/** R's R_pow_di(10, n) (repeated squaring). */
function powDi10(n: number): number {
  let pow = 1;
  let x = 10;
  const isNeg = n < 0;
  let k = Math.abs(n);
  if (k !== 0) {
    for (;;) {
      if (k & 1) pow *= x;
      k >>= 1;
      if (k) x *= x;
      else break;
    }
    if (isNeg) pow = 1 / pow;
  }
  return pow;
}

/** C's logb(x) for finite x ≠ 0: the binary exponent floor(log2 |x|). */
function logb(x: number): number {
  const { m, e } = decompose(Math.abs(x));
  return e + m.toString(2).length - 1;
}

/**
 * R's `round(x, digits)` (R ≥ 4.0.0, nmath/fround.c): digits = 0 rounds half to even (nearbyint);
 * otherwise of the two candidates ⌊x·10^d⌋/10^d and ⌈x·10^d⌉/10^d the closer to x is taken, a tie
 * going to the even last digit.
 */
export function roundR(x: number, digits = 0): number {
  if (Number.isNaN(x) || Number.isNaN(digits)) return x + digits;
  if (!Number.isFinite(x)) return x;
  if (digits > 308 + 15 || x === 0) return x;
  if (digits < -308) return 0;
  if (digits === 0) return nearbyint(x);
  const dig = Math.floor(digits + 0.5);
  let sgn = 1;
  let ax = x;
  if (x < 0) {
    sgn = -1;
    ax = -x;
  }
  const l10x = 0.301029995663981195 * (0.5 + logb(ax));
  if (l10x + dig > 15) return sgn * ax;
  let pow10: number;
  let x10: number;
  let i10: number;
  let xd: number;
  let xu: number;
  if (dig <= 308) {
    pow10 = powDi10(dig);
    x10 = ax * pow10;
    i10 = Math.floor(x10);
    xd = i10 / pow10;
    xu = Math.ceil(x10) / pow10;
  } else {
    const p10 = powDi10(dig - 308);
    pow10 = powDi10(308);
    x10 = ax * pow10 * p10;
    i10 = Math.floor(x10);
    xd = i10 / pow10 / p10;
    xu = Math.ceil(x10) / pow10 / p10;
  }
  const du = xu - ax;
  const dd = ax - xd;
  return sgn * (du < dd || (i10 % 2 === 1 && du === dd) ? xu : xd);
}

/** C's nearbyint (round half to even). */
function nearbyint(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Points as rms's print.nomogram shows them: `format(round(points, dec))` — rounded (R's round:
 * half to even at dec = 0) and formatted as one R vector (padded to a common width unless `trim`).
 * Never 14-digit noise: 12.000000000001 → "12".
 */
export function formatPoints(points: readonly number[], dec = 0, options: { trim?: boolean } = {}): string[] {
  checkFinite(points, 'formatPoints');
  return formatNumbers(points.map((p) => roundR(p, dec)), { trim: options.trim });
}

// ---- buildNomogram ------------------------------------------------------------------------------

/** How a predictor enters the linear predictor: β·x, β·ln x or β·log10 x (axis in the unit of x). */
export type TermTransform = 'identity' | 'log' | 'log10';

export interface NomogramTerm {
  /** Variable name (rms: the name in the design). */
  name: string;
  /** Axis title (default: the name). */
  label?: string;
  /** β of the term; for a spline term the coefficient of its linear column (= spline.coefficients[0]). */
  coefficient: number;
  transform?: TermTransform;
  /**
   * A restricted cubic spline of the transformed value, as rms's rcs(x, knots) or rcs(log10(x), knots):
   * X·β = Σ c_j·B_j(g(x)) with B = rcsBasis(g(x), knots), knots on the transformed (model) scale.
   */
  spline?: SplineEffect;
  /** Training values in the original unit; datadist limits and the linear-predictor range come from them. */
  data?: readonly number[];
  /** Axis values, like nomogram(fit, name = c(...)); they replace the datadist-based axis. */
  at?: readonly number[];
}

export interface LogisticNomogramModel {
  intercept: number;
  terms: readonly NomogramTerm[];
}

export interface BuildNomogramOptions {
  /** Probabilities at which to label the risk axis (rms fun.at); default pretty(plogis(range(lpAt)), nint). */
  funAt?: readonly number[];
  /** Title of the risk axis (rms funlabel). */
  funLabel?: string;
  /** Points of the predictor with the widest range of X·β (rms maxscale, 100). */
  pointsScale?: number;
  /** Approximate number of intervals of each pretty() axis (rms nint, 10). */
  nint?: number;
  /** datadist limits per term name (instead of computing them from `data`). */
  limits?: Readonly<Record<string, DatadistLimits>>;
  /** Linear predictor values of the LP axis (rms lp.at); default pretty(range(training LP), nint). */
  lpAt?: readonly number[];
  /** Range of the training linear predictors (rms uses fit$linear.predictors); default computed from the terms' data. */
  linearPredictorRange?: readonly [number, number];
}

export interface NomogramAxis {
  name: string;
  label: string;
  coefficient: number;
  transform: TermTransform;
  /** The term's restricted cubic spline (X·β = Σ c_j·B_j(g(x))), when it has one. */
  spline?: { knots: number[]; coefficients: number[] };
  /** The predictor values at the ticks (original unit). */
  values: number[];
  /** Tick labels as rms writes them (format() of each value). */
  labels: string[];
  /** X·β at each tick (rms $Xbeta). */
  xBeta: number[];
  /**
   * Points at each tick (rms $points): (X·β − min X·β)·sc. Not monotonic in the value when a
   * spline rises and falls over the axis (rms then labels each monotone run on alternate sides).
   */
  points: number[];
  /** rms treats the variable as discrete (≤ 10 distinct values): ticks at every value. */
  discrete: boolean;
  /** The values form an R integer vector (affects format() only). */
  integerValues: boolean;
}

export interface NomogramFunAxis {
  label: string;
  /** The probabilities that fall inside the LP axis (rms drops the others). */
  at: number[];
  labels: string[];
  /** Total points at each probability (rms $x), via rms's approx() inverse of plogis. */
  points: number[];
}

export interface Nomogram {
  axes: NomogramAxis[];
  /** Ticks of the top "Points" axis: pretty(c(0, pointsScale), nint). */
  pointsAxis: number[];
  /** Ticks of the "Total Points" axis (rms $total.points$x). */
  totalPoints: number[];
  /** The linear-predictor axis (rms $lp): values and their total points. */
  lp: { at: number[]; points: number[] };
  fun: NomogramFunAxis;
  /** Points per unit of linear predictor (rms info$sc). */
  pointsPerLp: number;
  /** Linear predictor at 0 total points (rms info$Intercept). */
  lpAtZeroPoints: number;
  pointsScale: number;
  nint: number;
  /** Per axis the lowest and highest X·β over its ticks (rms info$R). */
  ranges: Array<{ name: string; low: number; high: number }>;
}

function transformValue(t: TermTransform, x: number): number {
  return t === 'log' ? Math.log(x) : t === 'log10' ? Math.log10(x) : x;
}

/** X·β of a term (or axis) at the value x in the original unit: β·g(x), or Σ c_j·B_j(g(x)) for a spline. */
function termXBeta(t: { coefficient: number; transform?: TermTransform; spline?: SplineEffect }, x: number): number {
  const g = transformValue(t.transform ?? 'identity', x);
  if (!t.spline) return t.coefficient * g;
  // rcsBasis refuses a non-finite value; rms would carry Inf/NaN into X·β (and then stop)
  return Number.isFinite(g) ? splineEffect(t.spline, g) : Number.NaN;
}

/** R's plogis(x) = 1/(1 + exp(−x)). */
function plogis(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** R's seq(from, to, length.out = n) for n > 2, from ≠ to (seq.default). */
function seqLength(from: number, to: number, n: number): number[] {
  if (from === to) return new Array<number>(n).fill(from);
  const n1 = n - 1;
  const by = (to - from) / n1;
  const out = new Array<number>(n);
  out[0] = from;
  for (let i = 1; i < n1; i++) out[i] = from + i * by;
  out[n1] = to;
  return out;
}

/**
 * R's approx(x, y, xout, ties = mean)$y with rule = 1 (NaN outside [min x, max x]), for x already
 * ascending (C approx1: bisection, then y[i] + (y[j] − y[i])·(v − x[i])/(x[j] − x[i])).
 */
function approxLinear(x: readonly number[], y: readonly number[], xout: readonly number[]): number[] {
  // regularize.values: collapse tied x with the mean of their y
  const ux: number[] = [];
  const uy: number[] = [];
  for (let i = 0; i < x.length; ) {
    let j = i;
    let s = 0;
    while (j < x.length && x[j] === x[i]) s += y[j++];
    ux.push(x[i]);
    uy.push(s / (j - i));
    i = j;
  }
  const n = ux.length;
  return xout.map((v) => {
    if (Number.isNaN(v) || v < ux[0] || v > ux[n - 1]) return NaN;
    let i = 0;
    let j = n - 1;
    while (i < j - 1) {
      const ij = Math.floor((i + j) / 2);
      if (v < ux[ij]) j = ij;
      else i = ij;
    }
    if (v === ux[j]) return uy[j];
    if (v === ux[i]) return uy[i];
    return uy[i] + (uy[j] - uy[i]) * ((v - ux[i]) / (ux[j] - ux[i]));
  });
}

/** Σ x, accumulated with compensation (R's sum() accumulates in long double). */
function sumCompensated(x: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (const v of x) {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

/**
 * The nomogram rms::nomogram (rms 6.5) computes for a logistic (lrm) model with main-effect terms
 * β·x, β·ln x or β·log10 x (axes in the original unit of x), or restricted cubic splines of them
 * (rcs(x, k), rcs(log10(x), k): `spline` with the fit's knots and its k − 1 coefficients),
 * reproduced step by step from its source:
 *  - each axis: the values given in `at`, else the datadist `values` (≤ 10 distinct values), else
 *    pretty(c(Low, High), nint) over the full data range (an rcs term is no different: rms's
 *    value.chk treats it as a continuous variable); X·β at each value — for a spline
 *    Σ c_j·B_j(g(value)), predict(type = "terms", center.terms = FALSE), which may rise and fall
 *    over the axis: the lowest and highest X·β are then interior ticks, not the axis ends;
 *  - sc = pointsScale / max over axes of (max X·β − min X·β); points = (X·β − min X·β)·sc;
 *    the LP at 0 points is intercept + Σ min X·β;
 *  - lp.at = pretty(range(training LP), nint); Total Points ticks = pretty(c(0, max(pointsScale,
 *    sc·max(lp.at − LP0))), nint) (just pointsScale with a single term);
 *  - the risk axis: fun.at probabilities mapped to LP by approx() over plogis on a 1000-point grid
 *    spanning lp.at — as rms does, so positions equal R's (they differ from the exact qlogis by the
 *    interpolation error, < 1e-5 points); probabilities outside plogis(range(lp.at)) are dropped.
 * Tested against rms 6.5 to 1e-9 relative (reference/nomogram.R; splines: reference/nomogram_rcs.R).
 *
 * Not supported: categorical factors, interactions (rms handles them; this model has none).
 * Errors: MODEL_NON_FINITE_INPUT (non-finite coefficient, data or axis value), MODEL_NOMOGRAM_INFINITE_AXIS
 * (a tick where the transform is not finite, e.g. log(0): rms stops likewise — give `at`),
 * MODEL_NOMOGRAM_NO_EFFECT (every axis has zero X·β range), MODEL_NOMOGRAM_NO_LIMITS (a term
 * without data, limits or at), MODEL_NOMOGRAM_NO_LP_RANGE (no lpAt, range or data for the LP axis),
 * MODEL_INVALID_ARGUMENT (also: a spline without ≥ 3 strictly increasing knots and knots − 1
 * coefficients, or whose `coefficient` is not spline.coefficients[0]).
 */
export function buildNomogram(model: LogisticNomogramModel, options: BuildNomogramOptions = {}): Nomogram {
  const maxscale = options.pointsScale ?? 100;
  const nint = options.nint ?? 10;
  if (!(maxscale > 0) || !Number.isFinite(maxscale)) {
    throw new TaceError('MODEL_INVALID_ARGUMENT', `pointsScale must be a positive number, got ${maxscale}`, { detail: { pointsScale: maxscale } });
  }
  if (!Number.isInteger(nint) || nint < 1) throw new TaceError('MODEL_INVALID_ARGUMENT', `nint must be a positive integer, got ${nint}`, { detail: { nint } });
  if (model.terms.length === 0) throw new TaceError('MODEL_INVALID_ARGUMENT', 'a nomogram needs at least one term');
  checkFinite([model.intercept, ...model.terms.map((t) => t.coefficient)], 'nomogram coefficients');
  const names = new Set<string>();
  for (const t of model.terms) {
    if (names.has(t.name)) throw new TaceError('MODEL_INVALID_ARGUMENT', `nomogram term ${t.name} is listed twice`, { detail: { name: t.name } });
    names.add(t.name);
    if (t.spline) {
      checkSplineEffect(t.spline, `nomogram term ${t.name}`);
      if (t.coefficient !== t.spline.coefficients[0]) {
        throw new TaceError('MODEL_INVALID_ARGUMENT', `nomogram term ${t.name}: coefficient must be the spline's linear coefficient spline.coefficients[0]`, { detail: { name: t.name } });
      }
    }
  }

  const axes: NomogramAxis[] = [];
  for (const t of model.terms) {
    const transform = t.transform ?? 'identity';
    let values: number[];
    let integerValues = false;
    let discrete = false;
    const lim = options.limits?.[t.name] ?? (t.data ? datadistLimits(t.data) : undefined);
    if (lim?.values) discrete = true;
    if (t.at && t.at.length > 1) {
      checkFinite(t.at, `nomogram axis ${t.name}`);
      values = [...t.at];
    } else if (lim?.values) {
      values = [...lim.values];
    } else if (lim) {
      checkFinite([lim.low, lim.high], `datadist limits of ${t.name}`);
      const p = prettyTyped([lim.low, lim.high], nint);
      values = p.values;
      integerValues = p.integer;
    } else {
      throw new TaceError('MODEL_NOMOGRAM_NO_LIMITS', `nomogram term ${t.name} has no data, limits or axis values`, { detail: { name: t.name } });
    }
    const xBeta = values.map((v) => termXBeta(t, v));
    if (xBeta.some((v) => !Number.isFinite(v))) {
      throw new TaceError(
        'MODEL_NOMOGRAM_INFINITE_AXIS',
        `nomogram axis ${t.name}: the transform gives an infinite value at a tick; give the axis values (at)`,
        { detail: { name: t.name, transform } },
      );
    }
    axes.push({
      name: t.name, label: t.label ?? t.name, coefficient: t.coefficient, transform,
      ...(t.spline ? { spline: { knots: [...t.spline.knots], coefficients: [...t.spline.coefficients] } } : {}),
      values, labels: values.map((v) => formatValue(v, { integer: integerValues })),
      xBeta, points: [], discrete, integerValues,
    });
  }

  const ranges = axes.map((a) => ({ name: a.name, low: Math.min(...a.xBeta), high: Math.max(...a.xBeta) }));
  const widest = Math.max(...ranges.map((r) => r.high - r.low));
  if (!(widest > 0)) throw new TaceError('MODEL_NOMOGRAM_NO_EFFECT', 'no nomogram axis has a non-zero range of X·β');
  const sc = maxscale / widest;
  const lp0 = model.intercept + sumCompensated(ranges.map((r) => r.low));
  axes.forEach((a, k) => {
    a.points = a.xBeta.map((v) => (v - ranges[k].low) * sc);
  });

  let lpAt: number[];
  if (options.lpAt) {
    checkFinite(options.lpAt, 'lpAt');
    if (options.lpAt.length < 2) throw new TaceError('MODEL_INVALID_ARGUMENT', 'lpAt needs at least 2 values');
    lpAt = [...options.lpAt];
  } else {
    const range = options.linearPredictorRange ?? trainingLpRange(model);
    checkFinite(range, 'linearPredictorRange');
    lpAt = prettyTyped(range, nint).values;
  }

  const sumMax = axes.length === 1 ? maxscale : Math.max(maxscale, sc * Math.max(...lpAt.map((v) => v - lp0)));
  const totalPoints = prettyTyped([0, sumMax], nint).values;
  const lp = { at: lpAt, points: lpAt.map((v) => (v - lp0) * sc) };

  const lpMin = Math.min(...lpAt);
  const lpMax = Math.max(...lpAt);
  let fat: number[];
  if (options.funAt) {
    checkFinite(options.funAt, 'funAt');
    fat = [...options.funAt];
  } else {
    fat = prettyTyped([plogis(lpMin), plogis(lpMax)], nint).values;
  }
  const xseq = seqLength(lpMin, lpMax, 1000);
  const fu = xseq.map(plogis);
  const w = approxLinear(fu, xseq, fat);
  const keep = w.map((v) => !Number.isNaN(v));
  const funAtKept = fat.filter((_, i) => keep[i]);
  const fun: NomogramFunAxis = {
    label: options.funLabel ?? 'Predicted Value',
    at: funAtKept,
    labels: funAtKept.map((v) => formatValue(v)),
    points: w.filter((_, i) => keep[i]).map((v) => (v - lp0) * sc),
  };

  return {
    axes,
    pointsAxis: prettyTyped([0, maxscale], nint).values,
    totalPoints, lp, fun,
    pointsPerLp: sc, lpAtZeroPoints: lp0, pointsScale: maxscale, nint, ranges,
  };
}

function trainingLpRange(model: LogisticNomogramModel): [number, number] {
  const n = model.terms[0].data?.length;
  if (n === undefined || model.terms.some((t) => t.data?.length !== n)) {
    throw new TaceError(
      'MODEL_NOMOGRAM_NO_LP_RANGE',
      'the linear-predictor axis needs lpAt, linearPredictorRange, or training data of equal length for every term',
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    let eta = model.intercept;
    for (const t of model.terms) eta += termXBeta(t, (t.data as readonly number[])[i]);
    if (!Number.isFinite(eta)) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `training row ${i} has a non-finite linear predictor`, { detail: { index: i } });
    }
    if (eta < lo) lo = eta;
    if (eta > hi) hi = eta;
  }
  return [lo, hi];
}

export interface NomogramScore {
  /** Points per term, keyed by term name (extrapolated beyond the axis when the value lies outside it). */
  points: Record<string, number>;
  totalPoints: number;
  /** lpAtZeroPoints + totalPoints / pointsPerLp. */
  linearPredictor: number;
  probability: number;
}

/**
 * One subject read off a nomogram: points_f = (X·β_f(x_f) − min X·β of axis f)·sc with
 * X·β_f = β_f·g(x_f), or Σ c_j·B_j(g(x_f)) for a spline, summed, and mapped back to the linear
 * predictor and the probability 1/(1 + e^(−η)) — the model's prediction.
 */
export function scoreNomogram(nomogram: Nomogram, values: Readonly<Record<string, number>>): NomogramScore {
  const points: Record<string, number> = {};
  const parts: number[] = [];
  nomogram.axes.forEach((a, k) => {
    const x = values[a.name];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `nomogram term ${a.name} has no finite value`, { detail: { name: a.name } });
    }
    const xb = termXBeta(a, x);
    if (!Number.isFinite(xb)) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `nomogram term ${a.name}: ${a.transform}(${x}) is not finite`, { detail: { name: a.name } });
    }
    const p = (xb - nomogram.ranges[k].low) * nomogram.pointsPerLp;
    points[a.name] = p;
    parts.push(p);
  });
  const totalPoints = sumCompensated(parts);
  const linearPredictor = nomogram.lpAtZeroPoints + totalPoints / nomogram.pointsPerLp;
  return { points, totalPoints, linearPredictor, probability: sigmoid(linearPredictor) };
}

// ---- print.nomogram --------------------------------------------------------------------------

function printStringMatrix(header: readonly string[], columns: readonly string[][]): string[] {
  // print(<character matrix>, quote = FALSE): left-justified columns, gap 1, empty row names
  const widths = header.map((h, j) => Math.max(h.length, ...columns[j].map((s) => s.length)));
  const lines = [header.map((h, j) => ' ' + h.padEnd(widths[j])).join('')];
  for (let i = 0; i < columns[0].length; i++) lines.push(columns.map((c, j) => ' ' + c[i].padEnd(widths[j])).join(''));
  return lines;
}

function printNumericMatrix(header: readonly string[], columns: readonly number[][]): string[] {
  // print(<numeric matrix>): each column formatted on its own, right-justified, gap 1
  const cells = columns.map((c) => formatNumbers(c));
  const widths = header.map((h, j) => Math.max(h.length, ...cells[j].map((s) => s.length)));
  const lines = [header.map((h, j) => ' ' + h.padStart(widths[j])).join('')];
  for (let i = 0; i < columns[0].length; i++) lines.push(cells.map((c, j) => ' ' + c[i].padStart(widths[j])).join(''));
  return lines;
}

/**
 * The text rms's print.nomogram(x, dec) writes: points per LP unit, then per axis the values
 * (format() of the vector) and format(round(points, dec)), then the risk axis (rounded total
 * points and the probabilities). Lines are separated by "\n". R wraps a table wider than the
 * console width (80); this does not (only a very long risk-axis title would make it that wide).
 */
export function printNomogram(nomogram: Nomogram, dec = 0): string {
  const lpX = nomogram.lp.points;
  const lpR = nomogram.lp.at;
  const w = (Math.max(...lpX) - Math.min(...lpX)) / (Math.max(...lpR) - Math.min(...lpR));
  const out: string[] = [
    `Points per unit of linear predictor: ${formatValue(w)} `,
    `Linear predictor units per point   : ${formatValue(1 / w)} `,
    '',
  ];
  for (const a of nomogram.axes) {
    out.push('');
    out.push(...printStringMatrix([a.name, 'Points'], [formatNumbers(a.values, { integer: a.integerValues }), formatPoints(a.points, dec)]));
    out.push('');
  }
  const f = nomogram.fun;
  if (f.at.length > 0) {
    out.push('');
    out.push(...printNumericMatrix(['Total Points', f.label], [f.points.map((p) => roundR(p, dec)), f.at]));
    out.push('');
  }
  return out.join('\n');
}
