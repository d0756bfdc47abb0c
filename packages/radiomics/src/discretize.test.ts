import { describe, expect, it } from 'vitest';
import { digitize, discretize, getBinEdges, pyMod } from './discretize.ts';

describe('discretize (PyRadiomics getBinEdges/binImage semantics)', () => {
  it('fixed bin width: PyRadiomics doc example, values 54..166, W=25', () => {
    // Hand-derived: lowBound = 54 - (54 mod 25) = 50; arange(50, 166 + 50, 25) = 50..200 (7 edges).
    const edges = getBinEdges(54, 166, { binWidth: 25 });
    expect(Array.from(edges)).toEqual([50, 75, 100, 125, 150, 175, 200]);
    const values = Float64Array.of(54, 75, 74.9, 166, 1000, 150);
    const mask = Uint8Array.of(1, 1, 1, 1, 0, 1);
    const r = discretize(values, mask, { binWidth: 25 });
    // floor(x/25) - floor(54/25) + 1
    expect(Array.from(r.binned)).toEqual([1, 2, 1, 5, 0, 5]);
    expect(r.nBins).toBe(6);
  });

  it('fixed bin width with negative values uses floor modulo', () => {
    expect(pyMod(-7, 5)).toBe(3);
    // min -7 -> lowBound -10; max 3 -> arange(-10, 13, 5) = -10,-5,0,5,10
    expect(Array.from(getBinEdges(-7, 3, { binWidth: 5 }))).toEqual([-10, -5, 0, 5, 10]);
    const r = discretize(Float64Array.of(-7, -5, 0, 3), Uint8Array.of(1, 1, 1, 1), { binWidth: 5 });
    expect(Array.from(r.binned)).toEqual([1, 2, 3, 3]);
  });

  it('flat region whose value is a multiple of W with W dividing the value yields one bin', () => {
    // min = max = 0, W = 5000: arange(0, 10000, 5000) = [0, 5000] -> 2 edges, one bin.
    expect(Array.from(getBinEdges(0, 0, { binWidth: 5000 }))).toEqual([0, 5000]);
    const r = discretize(Float64Array.of(0, 0), Uint8Array.of(1, 1), { binWidth: 5000 });
    expect(Array.from(r.binned)).toEqual([1, 1]);
  });

  it('fixed bin count: linspace edges, max value in the top bin', () => {
    // values 0..10, N=5: linspace(0,10,6) = 0,2,4,6,8,10 ; top edge +1 -> 11
    const edges = getBinEdges(0, 10, { binCount: 5 });
    expect(Array.from(edges)).toEqual([0, 2, 4, 6, 8, 11]);
    const r = discretize(Float64Array.of(0, 1.99, 2, 9.99, 10), Uint8Array.of(1, 1, 1, 1, 1), { binCount: 5 });
    expect(Array.from(r.binned)).toEqual([1, 1, 2, 5, 5]);
    expect(r.nBins).toBe(5);
  });

  it('fixed bin count on a flat region: edges min-0.5 .. max+0.5', () => {
    expect(Array.from(getBinEdges(3, 3, { binCount: 2 }))).toEqual([2.5, 3, 4.5]);
  });

  it('the O(1) binning equals numpy.digitize by binary search, values on and next to every edge', () => {
    // Reference: digitize() (binary search, searchsorted side='right') over the same edges.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const settings of [{ binWidth: 25 }, { binWidth: 0.1 }, { binWidth: 3 }, { binCount: 7 }, { binCount: 64 }]) {
      const v: number[] = [];
      for (let k = 0; k < 500; k++) v.push(-300 + 1300 * rand());
      v.push(-300, 1000);
      const edges = getBinEdges(-300, 1000, settings);
      for (const e of edges) if (e >= -300 && e <= 1000) v.push(e, e - 1e-9, e + 1e-9, e * (1 - Number.EPSILON), e * (1 + Number.EPSILON));
      const values = Float64Array.from(v.filter((x) => x >= -300 && x <= 1000));
      const r = discretize(values, new Uint8Array(values.length).fill(1), settings);
      expect(Array.from(r.edges)).toEqual(Array.from(edges));
      expect(Array.from(r.binned)).toEqual(Array.from(values, (x) => digitize(x, edges)));
    }
  });

  it('rejects empty mask and NaN voxels with stable codes', () => {
    expect(() => discretize(Float64Array.of(1), Uint8Array.of(0), {})).toThrow(expect.objectContaining({ code: 'RADIOMICS_EMPTY_MASK' }));
    expect(() => discretize(Float64Array.of(NaN), Uint8Array.of(1), {})).toThrow(expect.objectContaining({ code: 'RADIOMICS_NAN_VOXELS' }));
  });
});
