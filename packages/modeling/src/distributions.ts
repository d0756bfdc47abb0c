/**
 * Distribution functions for tests and intervals, from stdlib (@stdlib/*): its incomplete gamma
 * and beta functions are ports of Boost's/Cephes' well-tested algorithms, accurate in the far tails,
 * so upper-tail p-values are computed directly (never as 1 − cdf, which loses small p to rounding).
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import betainc from '@stdlib/math-base-special-betainc';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import chisqQuantile from '@stdlib/stats-base-dists-chisquare-quantile';

/** P(X² > x) for X² ~ χ²(df): the regularised upper incomplete gamma Q(df/2, x/2). R: pchisq(x, df, lower.tail = FALSE). */
export function pchisqUpper(x: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`chi-square df ${df} must be > 0`);
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return gammainc(x / 2, df / 2, true, true);
}

/** Two-sided p of Student's t: P(|T| > |t|) = I_{df/(df+t²)}(df/2, 1/2). R: 2 * pt(-abs(t), df). */
export function ptTwoSided(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`t df ${df} must be > 0`);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return betainc(df / (df + t * t), df / 2, 0.5, true, false);
}

/** Quantile of Student's t. R: qt(p, df). */
export function qt(p: number, df: number): number {
  return tQuantile(p, df);
}

/** Quantile of χ². R: qchisq(p, df). */
export function qchisq(p: number, df: number): number {
  return chisqQuantile(p, df);
}
