import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TaceError } from '@tace/common';
import { quantileType7, rcsBasis, rcsColumnNames, rcsKnots, rcsKnotsDetail } from './rcs.ts';

// Reference: reference/rcs.R (Hmisc 4.8-0 rcspline.eval, rms 6.5-0 rcs, R 4.2.2). Knot placement
// and the basis are closed-form (quantiles, cubes): compared at 1e-12 relative.
interface KnotRef {
  knots?: number[];
  warning: boolean;
  error?: string;
}
interface BasisRef {
  k: number;
  knots: number[];
  colnames: string[];
  matrix: number[][];
}
const ref = JSON.parse(readFileSync(new URL('../reference/rcs.json', import.meta.url), 'utf8')) as {
  vectors: Record<string, number[]>;
  knots: Record<string, Record<string, KnotRef>>;
  basis: Record<string, BasisRef[]>;
  newdata: { knots: number[]; x: number[]; matrix: number[][] };
};

const REL = 1e-12;
function close(actual: number, expected: number, rel = REL): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));
}
function expectMatrix(cols: Float64Array[], rows: number[][]): void {
  expect(cols[0].length).toBe(rows.length);
  for (let i = 0; i < rows.length; i++) {
    expect(rows[i].length).toBe(cols.length);
    for (let j = 0; j < cols.length; j++) close(cols[j][i], rows[i][j]);
  }
}

describe('rcsKnots against Hmisc::rcspline.eval (default knots)', () => {
  for (const [name, byK] of Object.entries(ref.knots)) {
    for (const [k, r] of Object.entries(byK)) {
      it(`${name}, ${k} knots`, () => {
        const x = ref.vectors[name];
        const got = rcsKnotsDetail(x, Number(k));
        expect(r.knots).toBeDefined();
        expect(got.knots.length).toBe(r.knots!.length);
        got.knots.forEach((v, i) => close(v, r.knots![i]));
        expect(got.warning !== undefined).toBe(r.warning);
      });
    }
  }

  it('n ≥ 100: plain quantiles; n < 100: outer knots at the 5th smallest / largest value', () => {
    // age (n = 113), 4 knots: quantiles .05 .35 .65 .95 (hand check of the first one)
    const age = ref.vectors.age;
    const sorted = Float64Array.from(age).sort();
    expect(rcsKnots(age, 4)[0]).toBe(quantileType7(sorted, 0.05));
    const age60 = Float64Array.from(ref.vectors.age60).sort();
    const k = rcsKnots(age60, 4);
    expect(k[0]).toBe(age60[4]);
    expect(k[3]).toBe(age60[age60.length - 5]);
  });
});

describe('rcsBasis against rms::rcs', () => {
  for (const [name, list] of Object.entries(ref.basis)) {
    for (const b of list) {
      it(`${name}, ${b.k} knots: knots, column names and the ${b.matrix.length}×${b.k - 1} basis`, () => {
        const x = ref.vectors[name];
        const knots = rcsKnots(x, b.k);
        knots.forEach((v, i) => close(v, b.knots[i]));
        expect(rcsColumnNames('x', b.k)).toEqual(b.colnames.map((c) => 'x' + c));
        expectMatrix(rcsBasis(x, knots), b.matrix);
      });
    }
  }

  it('new data (below, at, between and beyond the knots) with given knots', () => {
    expectMatrix(rcsBasis(ref.newdata.x, ref.newdata.knots), ref.newdata.matrix);
  });

  it('is linear beyond the outer knots (second differences vanish) and zero below the first knot', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { minLength: 3, maxLength: 7 }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        (raw, step) => {
          const knots = raw.slice().sort((a, b) => a - b);
          const hi = knots[knots.length - 1];
          const xs = [hi + step, hi + 2 * step, hi + 3 * step, knots[0] - step, knots[0] - 2 * step];
          const cols = rcsBasis(xs, knots);
          for (let j = 1; j < cols.length; j++) {
            const c = cols[j];
            const second = c[0] - 2 * c[1] + c[2];
            const scale = Math.max(1, Math.abs(c[0]), Math.abs(c[2]));
            expect(Math.abs(second)).toBeLessThan(1e-9 * scale);
            expect(c[3]).toBe(0);
            expect(c[4]).toBe(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('rcs input errors', () => {
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TaceError);
      return (e as TaceError).code;
    }
    return 'no error';
  };
  it('rejects non-finite values, too few values, k < 3 and fewer than 3 unique knots', () => {
    expect(code(() => rcsKnots([1, 2, NaN, 4, 5, 6, 7], 3))).toBe('MODEL_NON_FINITE_INPUT');
    expect(code(() => rcsKnots([1, 2, 3, 4, 5], 3))).toBe('MODEL_TOO_FEW_ROWS');
    expect(code(() => rcsKnots([1, 2, 3, 4, 5, 6, 7], 2))).toBe('MODEL_BAD_OPTION');
    expect(code(() => rcsKnots([1, 1, 1, 2, 2, 2, 3, 3], 4))).toBe('MODEL_SPLINE_KNOTS');
    expect(code(() => rcsBasis([1, 2], [1, 1, 2]))).toBe('MODEL_SPLINE_KNOTS');
    expect(code(() => rcsBasis([1, Infinity], [1, 2, 3]))).toBe('MODEL_NON_FINITE_INPUT');
  });
});
