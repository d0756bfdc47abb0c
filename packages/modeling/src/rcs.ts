/**
 * Restricted cubic splines (natural splines linear beyond the outer knots) exactly as
 * rms::rcs / Hmisc::rcspline.eval compute them: Harrell's default knot placement and the
 * norm = 2 scaling of the nonlinear columns by (t_k − t_1)².
 */
import { TaceError } from '@tace/common';

// R's quantile(x, p, type = 7) on a sorted array: one implementation for the package.
export { quantileType7 } from './validation.ts';
import { quantileType7 } from './validation.ts';

/** R's seq(from, to, length.out = m) for m ≥ 1: interior points from + i·((to − from)/(m − 1)), last = to exactly. */
function rSeq(from: number, to: number, m: number): number[] {
  if (m === 1) return [from];
  if (m === 2) return [from, to];
  if (from === to) return Array.from({ length: m }, () => from);
  const n1 = m - 1;
  const by = (to - from) / n1;
  const out = [from];
  for (let i = 1; i < m - 1; i++) out.push(from + i * by);
  out.push(to);
  return out;
}

/** R's median of a sorted array. */
function medianSorted(s: ArrayLike<number>): number {
  const n = s.length;
  const half = Math.floor((n + 1) / 2);
  return n % 2 === 1 ? s[half - 1] : (s[half - 1] + s[half]) / 2;
}

function checkFinite(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number' || !Number.isFinite(x[i])) {
      throw new TaceError('MODEL_NON_FINITE_INPUT', `${what}: value ${i} is ${String(x[i])}, expected a finite number`, {
        detail: { index: i },
      });
    }
  }
}

export interface RcsKnotsOptions {
  /**
   * Hmisc's `fractied` (default 0.05): when the lowest (highest) value holds at least this
   * fraction of the data and no interior value does, the first (last) knot is the second
   * smallest (largest) unique value and the other knots are placed on the remaining values.
   */
  fractied?: number;
}

/** Knots and whether Hmisc would have warned (few unique values, or its alternate algorithm). */
export interface RcsKnotsResult {
  knots: number[];
  warning?: string;
}

/**
 * Default knots of a restricted cubic spline with k knots: Hmisc::rcspline.eval(x, nk = k,
 * knots.only = TRUE), which rms::rcs(x, k) uses. Quantiles (type 7) at
 * seq(outer, 1 − outer, length = k), outer = .1 for k = 3, .05 for k = 4..6, .025 for k ≥ 7
 * (k = 4 → .05 .35 .65 .95; k = 5 → .05 .275 .5 .725 .95); when fewer than 100 values remain the
 * outer knots are replaced by the 5th smallest and 5th largest value; ties at the ends are
 * handled by `fractied`; with at most k + 2 unique values the knots are the interior unique
 * values (R warns). Every branch of rcspline.eval (Hmisc 4.8-0) is reproduced, including its
 * alternate algorithm when the quantiles are not unique.
 *
 * Errors (TaceError): MODEL_NON_FINITE_INPUT, MODEL_TOO_FEW_ROWS (< 6 values),
 * MODEL_BAD_OPTION (k < 3), MODEL_SPLINE_KNOTS (fewer than 3 unique knots).
 */
export function rcsKnotsDetail(x: ArrayLike<number>, k: number, opts: RcsKnotsOptions = {}): RcsKnotsResult {
  checkFinite(x, 'rcsKnots');
  if (!Number.isInteger(k) || k < 3) throw new TaceError('MODEL_BAD_OPTION', `rcsKnots: the number of knots must be an integer ≥ 3, got ${k}`);
  const fractied = opts.fractied ?? 0.05;
  const n = x.length;
  if (n < 6) throw new TaceError('MODEL_TOO_FEW_ROWS', `rcsKnots: knots not specified and < 6 observations (${n})`, { detail: { n } });
  let xx = Float64Array.from(x).sort();
  const xu: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 0 || xx[i] !== xx[i - 1]) {
      xu.push(xx[i]);
      counts.push(1);
    } else counts[counts.length - 1]++;
  }
  const nxu = xu.length;
  let warning: string | undefined;
  let knots: number[];
  if (nxu - 2 <= k) {
    warning = `${k} knots requested with ${nxu} unique values of x. knots set to ${nxu - 2} interior values.`;
    knots = xu.slice(1, nxu - 1);
  } else {
    let outer = k > 3 ? 0.05 : 0.1;
    if (k > 6) outer = 0.025;
    let overrideFirst = false;
    let overrideLast = false;
    let nke = k;
    const firstknot: number[] = [];
    const lastknot: number[] = [];
    if (fractied > 0 && fractied < 1) {
      let maxInterior = -Infinity;
      for (let i = 1; i < nxu - 1; i++) maxInterior = Math.max(maxInterior, counts[i] / n);
      if (maxInterior < fractied) {
        if (counts[0] / n >= fractied) {
          const fk = xu[1]; // min(xx[xx > min(xx)])
          firstknot.push(fk);
          xx = xx.filter((v) => v > fk);
          nke--;
          overrideFirst = true;
        }
        if (counts[nxu - 1] / n >= fractied) {
          const top = xx[xx.length - 1];
          let lk = -Infinity; // max(xx[xx < max(xx)]) on the (possibly already trimmed) values
          for (const v of xx) if (v < top) lk = v;
          lastknot.push(lk);
          xx = xx.filter((v) => v < lk);
          nke--;
          overrideLast = true;
        }
      }
    }
    if (nke === 1) {
      knots = [medianSorted(xx)];
    } else {
      if (nxu <= nke) {
        knots = xu.slice();
      } else {
        const p = nke === 2 ? rSeq(0.5, 1 - outer, nke) : rSeq(outer, 1 - outer, nke);
        knots = p.map((q) => quantileType7(xx, q));
        if (new Set(knots).size < Math.min(nke, 3)) {
          knots = rSeq(outer, 1 - outer, 2 * nke).map((q) => quantileType7(xx, q));
          if (firstknot.length > 0 && new Set(knots).size < 3) {
            const midval = firstknot.length > 0 && lastknot.length > 0 ? (firstknot[0] + lastknot[0]) / 2 : medianSorted(xx);
            knots = [firstknot[0], midval, lastknot.length > 0 ? lastknot[0] : quantileType7(xx, 1 - outer)].sort((a, b) => a - b);
          }
          const nu = new Set(knots).size;
          if (nu < 3) {
            throw new TaceError('MODEL_SPLINE_KNOTS', 'rcsKnots: fewer than 3 unique knots', { detail: { uniqueValues: nxu } });
          }
          warning = `could not obtain ${nke} interior knots with default algorithm. Used alternate algorithm to obtain ${nu} knots`;
        }
      }
      if (xx.length < 100) {
        if (!overrideFirst) knots[0] = xx[4];
        if (!overrideLast) knots[nke - 1] = xx[xx.length - 5];
      }
    }
    knots = [...firstknot, ...knots, ...lastknot];
  }
  knots = uniqueSorted(knots);
  if (knots.length < 3) {
    throw new TaceError('MODEL_SPLINE_KNOTS', 'rcsKnots: fewer than 3 unique knots', { detail: { knots } });
  }
  return warning === undefined ? { knots } : { knots, warning };
}

/** Default knots (see rcsKnotsDetail): Hmisc::rcspline.eval(x, nk = k, knots.only = TRUE). */
export function rcsKnots(x: ArrayLike<number>, k: number, opts: RcsKnotsOptions = {}): number[] {
  return rcsKnotsDetail(x, k, opts).knots;
}

function uniqueSorted(v: ReadonlyArray<number>): number[] {
  const s = v.slice().sort((a, b) => a - b);
  return s.filter((t, i) => i === 0 || t !== s[i - 1]);
}

/**
 * Restricted cubic spline basis for (new) data given the knots: the k − 1 columns of
 * rms::rcs(x, knots) = cbind(x, Hmisc::rcspline.eval(x, knots, norm = 2)); column j + 1
 * (j = 1..k − 2) is
 *   (x − t_j)₊³ − [(t_k − t_j)·(x − t_{k−1})₊³ − (t_{k−1} − t_j)·(x − t_k)₊³] / (t_k − t_{k−1}),
 * each cube taken of (x − t)/τ with τ = (t_k − t_1)^(2/3), i.e. the whole column divided by
 * (t_k − t_1)² (same operation order as R). Knots are sorted and de-duplicated as R does.
 * Returns the columns (each of length x.length), the first being x itself.
 *
 * Errors (TaceError): MODEL_NON_FINITE_INPUT (x or knots), MODEL_SPLINE_KNOTS (< 3 unique knots).
 */
export function rcsBasis(x: ArrayLike<number>, knots: ArrayLike<number>): Float64Array[] {
  checkFinite(x, 'rcsBasis');
  checkFinite(knots, 'rcsBasis knots');
  const t = uniqueSorted(Array.from(knots));
  const nk = t.length;
  if (nk < 3) throw new TaceError('MODEL_SPLINE_KNOTS', `rcsBasis: fewer than 3 unique knots (${nk})`, { detail: { knots: t } });
  const n = x.length;
  const knot1 = t[0];
  const knotnk = t[nk - 1];
  const knotnk1 = t[nk - 2];
  const kd = Math.pow(knotnk - knot1, 2 / 3);
  const cube = (v: number): number => (v > 0 ? v * v * v : 0);
  const cols: Float64Array[] = [Float64Array.from(x)];
  for (let j = 0; j < nk - 2; j++) {
    const c = new Float64Array(n);
    const tj = t[j];
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      c[i] =
        cube((xi - tj) / kd) +
        ((knotnk1 - tj) * cube((xi - knotnk) / kd) - (knotnk - tj) * cube((xi - knotnk1) / kd)) / (knotnk - knotnk1);
    }
    cols.push(c);
  }
  return cols;
}

/** rms's column names for an rcs term with k knots: name, name', name'', … (k − 1 names). */
export function rcsColumnNames(name: string, k: number): string[] {
  return Array.from({ length: k - 1 }, (_, j) => name + "'".repeat(j));
}
