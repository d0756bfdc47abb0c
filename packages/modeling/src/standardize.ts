import type { Matrix } from './logistic.ts';

export interface Standardization {
  means: number[];
  /** Sample standard deviations (n − 1 denominator, as R's sd and sklearn with ddof=1). */
  sds: number[];
  /** zᵢⱼ = (xᵢⱼ − meanⱼ) / sdⱼ. */
  Z: Float64Array[];
}

/**
 * Column-wise z-scores. A constant column (sd = 0) is given sd = 1 so that it maps to 0 rather
 * than NaN; fitting then gives it a zero coefficient (with any l2 > 0).
 */
export function standardize(X: Matrix): Standardization {
  const n = X.length;
  if (n < 2) throw new RangeError('standardize needs at least 2 rows');
  const p = X[0].length;
  const means = new Array<number>(p).fill(0);
  const sds = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[i][j];
    const m = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (X[i][j] - m) ** 2;
    means[j] = m;
    const sd = Math.sqrt(ss / (n - 1));
    sds[j] = sd > 0 ? sd : 1;
  }
  return { means, sds, Z: applyStandardization(X, { means, sds }) };
}

/** Apply stored means/sds (e.g. from a manifest) to new rows. */
export function applyStandardization(X: Matrix, s: { means: readonly number[]; sds: readonly number[] }): Float64Array[] {
  return X.map((x, i) => {
    if (x.length !== s.means.length) throw new RangeError(`row ${i} has ${x.length} values, expected ${s.means.length}`);
    const z = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) z[j] = (x[j] - s.means[j]) / s.sds[j];
    return z;
  });
}
