import { describe, expect, it } from 'vitest';
import { fitLogistic, linearPredictor, predictLogistic } from './logistic.ts';
import { applyStandardization, standardize } from './standardize.ts';

/** Rows for a 2×2 table: `events` of `n` with covariate x. */
function group(x: number, events: number, n: number): { X: number[][]; y: number[] } {
  return { X: Array.from({ length: n }, () => [x]), y: Array.from({ length: n }, (_, i) => (i < events ? 1 : 0)) };
}

describe('fitLogistic', () => {
  // Binary covariate: the MLE is closed form. x=0: 10/40 events, x=1: 15/25 events.
  // intercept = logit(10/40) = log(10/30); slope = log odds ratio = log((15/10)/(10/30)) = log 4.5.
  // Wald SEs: √(1/10 + 1/30) and √(1/10 + 1/30 + 1/15 + 1/10) (Woolf's formula).
  const g0 = group(0, 10, 40);
  const g1 = group(1, 15, 25);
  const X = [...g0.X, ...g1.X];
  const y = [...g0.y, ...g1.y];

  it('matches the closed-form MLE of a 2×2 table', () => {
    const m = fitLogistic(X, y);
    expect(m.converged).toBe(true);
    expect(m.intercept).toBeCloseTo(Math.log(10 / 30), 10);
    expect(m.coefficients[0]).toBeCloseTo(Math.log(4.5), 10);
    expect(m.standardErrors?.[0]).toBeCloseTo(Math.sqrt(1 / 10 + 1 / 30), 8);
    expect(m.standardErrors?.[1]).toBeCloseTo(Math.sqrt(1 / 10 + 1 / 30 + 1 / 15 + 1 / 10), 8);
    // ℓ = 10·log .25 + 30·log .75 + 15·log .6 + 10·log .4
    const ll = 10 * Math.log(0.25) + 30 * Math.log(0.75) + 15 * Math.log(0.6) + 10 * Math.log(0.4);
    expect(m.logLik).toBeCloseTo(ll, 9);
  });

  it('accepts Float64Array rows and Uint8Array labels', () => {
    const m = fitLogistic(X.map((r) => Float64Array.from(r)), Uint8Array.from(y));
    expect(m.coefficients[0]).toBeCloseTo(Math.log(4.5), 10);
  });

  it('saturated model with three groups (dummy coding) recovers each group log-odds', () => {
    // groups a (ref): 5/20, b: 12/20, c: 18/20 → b0 = logit .25, b1 = logit .6 − b0, b2 = logit .9 − b0
    const rows: number[][] = [];
    const labels: number[] = [];
    const add = (d: number[], events: number, n: number) => {
      for (let i = 0; i < n; i++) {
        rows.push(d);
        labels.push(i < events ? 1 : 0);
      }
    };
    add([0, 0], 5, 20);
    add([1, 0], 12, 20);
    add([0, 1], 18, 20);
    const lg = (p: number) => Math.log(p / (1 - p));
    const m = fitLogistic(rows, labels);
    expect(m.intercept).toBeCloseTo(lg(0.25), 9);
    expect(m.coefficients[0]).toBeCloseTo(lg(0.6) - lg(0.25), 9);
    expect(m.coefficients[1]).toBeCloseTo(lg(0.9) - lg(0.25), 9);
  });

  it('ridge solution satisfies the penalised score equations Σ(y − p)·x_j = λ·β_j', () => {
    const lambda = 3;
    const m = fitLogistic(X, y, { l2: lambda });
    const p = predictLogistic(m, X);
    let s0 = 0;
    let s1 = 0;
    for (let i = 0; i < X.length; i++) {
      s0 += y[i] - p[i];
      s1 += (y[i] - p[i]) * X[i][0];
    }
    expect(s0).toBeCloseTo(0, 9); // intercept unpenalised
    expect(s1).toBeCloseTo(lambda * m.coefficients[0], 9);
    expect(m.coefficients[0]).toBeLessThan(Math.log(4.5)); // shrunk
  });

  it('reports non-convergence on perfectly separated data instead of looping', () => {
    const m = fitLogistic([[0], [1], [2], [3]], [0, 0, 1, 1], { maxIter: 25 });
    expect(m.converged).toBe(false);
    expect(m.coefficients[0]).toBeGreaterThan(5);
  });

  it('rejects mismatched shapes and non-binary labels', () => {
    expect(() => fitLogistic([[1], [2]], [1])).toThrow(/2 rows/);
    expect(() => fitLogistic([[1], [2]], [1, 2])).toThrow(/label 1/);
  });

  it('linearPredictor and predictLogistic use b0 + Σ b·x', () => {
    const model = { intercept: -1, coefficients: [2, -0.5] };
    expect(Array.from(linearPredictor(model, [[1, 2]]))).toEqual([0]);
    expect(predictLogistic(model, [[1, 2]])[0]).toBe(0.5);
  });
});

describe('standardize', () => {
  it('uses the n − 1 standard deviation and maps a constant column to 0', () => {
    // column 0: 1, 2, 3 → mean 2, sd 1; column 1 constant 5
    const s = standardize([[1, 5], [2, 5], [3, 5]]);
    expect(s.means).toEqual([2, 5]);
    expect(s.sds).toEqual([1, 1]);
    expect(Array.from(s.Z[0])).toEqual([-1, 0]);
    expect(Array.from(applyStandardization([[4, 5]], s)[0])).toEqual([2, 0]);
  });
});
