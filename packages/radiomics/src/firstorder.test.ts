import { describe, expect, it } from 'vitest';
import { histogramCounts, sortedCopy } from './firstorder.ts';
import { digitize } from './discretize.ts';

let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

/** Same values in the same order, telling −0 from +0 (Object.is). */
function sameArray(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, k) => Object.is(x, b[k]));
}

describe('sortedCopy', () => {
  it('equals the native Float64Array sort on counting-sort inputs and on every fallback', () => {
    const cases: number[][] = [
      Array.from({ length: 5000 }, () => Math.floor(-1024 + 4000 * rand())), // CT-like integers
      Array.from({ length: 300 }, () => Math.floor(5 * rand())), // many duplicates
      [7], [3, -2, 3, -2, 0],
      Array.from({ length: 100 }, () => Math.floor(1e9 * rand())), // integers over a huge range: native sort
      Array.from({ length: 200 }, () => 100 * rand()), // fractions: native sort
      [1, 0, -0, 2, -0], // −0 sorts before +0 natively
      [5, Infinity, -3, -Infinity], [],
    ];
    for (const c of cases) {
      const v = Float64Array.from(c);
      const before = Float64Array.from(v);
      expect(sameArray(sortedCopy(v), Float64Array.from(c).sort())).toBe(true);
      expect(sameArray(v, before)).toBe(true); // input untouched
    }
  });
});

describe('histogramCounts', () => {
  it('numpy.histogram counting: bins by binary-search digitize, the last bin closed', () => {
    // Reference: digitize() (numpy.digitize by binary search) per value; x = last edge goes to the last bin.
    const edges = Float64Array.of(50, 75, 100, 125, 150, 175, 200);
    const values = Float64Array.of(50, 74.99999999, 75, 199.9, 200, 49.9, 200.1, 125, 125 - 1e-12);
    const expected = new Float64Array(6);
    for (const x of values) {
      if (x < 50 || x > 200) continue;
      expected[(x === 200 ? 6 : digitize(x, edges)) - 1]++;
    }
    // Hand count: [50, 74.99..] → bin 1 ×2; 75 → 2; 125 − 1e-12 → 3; 125 → 4; 199.9, 200 → 6.
    expect(Array.from(expected)).toEqual([2, 1, 1, 1, 0, 2]);
    expect(Array.from(histogramCounts(values, edges))).toEqual(Array.from(expected));
  });
});
