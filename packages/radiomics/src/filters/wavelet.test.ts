import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { swtn1, waveletImages, waveletMargin } from './wavelet.ts';
import { WAVELET_NAMES, waveletFilters } from './wavelet-filters.ts';

const I3: [number, number, number, number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0, 0, 0, 1];
function vol(size: Vec3, f: (x: number, y: number, z: number) => number): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  let p = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[p++] = f(x, y, z);
  return { size, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [...I3] as typeof I3, data };
}
const noMask = (v: Volume): LabelMap => ({ ...v, data: new Uint8Array(v.data.length) });
const rnd = (s: number) => () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;

describe('wavelet filter banks', () => {
  it('haar: 1/√2 (Haar 1910; PyWavelets Wavelet("haar").dec_lo = [0.7071…, 0.7071…])', () => {
    const w = waveletFilters('haar');
    expect(Array.from(w.decLo)).toEqual([Math.SQRT1_2, Math.SQRT1_2]);
    expect(Array.from(w.decHi)).toEqual([-Math.SQRT1_2, Math.SQRT1_2]);
  });

  it('db2: closed form (1±√3)/(4√2), (3±√3)/(4√2) (Daubechies, Ten Lectures on Wavelets, §6.4)', () => {
    const r3 = Math.sqrt(3);
    const k = 4 * Math.SQRT2;
    // PyWavelets dec_lo = [-0.12940952255126037, 0.2241438680420134, 0.8365163037378079, 0.48296291314453416]
    const expected = [(1 - r3) / k, (3 - r3) / k, (3 + r3) / k, (1 + r3) / k];
    const got = Array.from(waveletFilters('db2').decLo);
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 15));
    expect(got).toEqual([-0.12940952255126037, 0.2241438680420134, 0.8365163037378079, 0.48296291314453416]);
  });

  it('coif1: closed form √2/32·(…√7) (Daubechies 1993, coiflet K=2), PyWavelets dec_lo order', () => {
    const r7 = Math.sqrt(7);
    const k = Math.SQRT2 / 32;
    // PyWavelets Wavelet("coif1").dec_lo =
    // [-0.015655728135791993, -0.07273261951252645, 0.3848648468648578, 0.8525720202116004, 0.3378976624574818, -0.07273261951252645]
    const expected = [(r7 - 3) * k, (1 - r7) * k, (14 - 2 * r7) * k, (14 + 2 * r7) * k, (5 + r7) * k, (1 - r7) * k];
    const got = Array.from(waveletFilters('coif1').decLo);
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 14));
    expect(got).toEqual([-0.015655728135791993, -0.07273261951252645, 0.3848648468648578, 0.8525720202116004, 0.3378976624574818, -0.07273261951252645]);
  });

  it('every tabulated wavelet is an orthonormal filter bank: Σh = √2, Σh[n]h[n+2k] = δ_k', () => {
    for (const name of WAVELET_NAMES.filter((w) => !/^(bior|rbio|dmey)/.test(w))) {
      const h = waveletFilters(name).recLo;
      const tol = name.startsWith('sym') ? 1e-11 : 1e-14; // PyWavelets ships symlets with ~12 digits
      expect(Math.abs(h.reduce((a, b) => a + b, 0) - Math.SQRT2), name).toBeLessThan(tol * 10);
      for (let k = 0; k < h.length / 2; k++) {
        let s = 0;
        for (let i = 0; i + 2 * k < h.length; i++) s += h[i] * h[i + 2 * k];
        expect(Math.abs(s - (k === 0 ? 1 : 0)), `${name} k=${k}`).toBeLessThan(tol * 10);
      }
    }
  });

  it('bior2.2 is the CDF 5/3 pair: dec_lo = √2·(−1/8, 1/4, 3/4, 1/4, −1/8), rec_lo = √2·(1/4, 1/2, 1/4) (Cohen–Daubechies–Feauveau 1992)', () => {
    const r2 = Math.SQRT2;
    const w = waveletFilters('bior2.2');
    [0, -r2 / 8, r2 / 4, (3 * r2) / 4, r2 / 4, -r2 / 8].forEach((e, i) => expect(w.decLo[i]).toBeCloseTo(e, 15));
    [0, r2 / 4, r2 / 2, r2 / 4, 0, 0].forEach((e, i) => expect(w.recLo[i]).toBeCloseTo(e, 15));
    // rbio swaps analysis and synthesis and reverses them (PyWavelets wavelets.c)
    expect(Array.from(waveletFilters('rbio2.2').decLo)).toEqual(Array.from(w.recLo).reverse());
  });

  it('every biorthogonal pair is biorthogonal: Σ_n rec_lo[n]·dec_lo[L−1−n−2k] = δ_k', () => {
    for (const name of WAVELET_NAMES.filter((w) => /^(bior|rbio)/.test(w))) {
      const { decLo, recLo } = waveletFilters(name);
      const d = Array.from(decLo).reverse();
      for (let k = -(recLo.length >> 1); k <= recLo.length >> 1; k++) {
        let s = 0;
        for (let i = 0; i < recLo.length; i++) if (i + 2 * k >= 0 && i + 2 * k < d.length) s += recLo[i] * d[i + 2 * k];
        // bior4.4–6.8 are tabulated with ~13 digits in PyWavelets
        expect(Math.abs(s - (k === 0 ? 1 : 0)), `${name} k=${k}`).toBeLessThan(1e-11);
      }
    }
  });

  it('unknown wavelet names are refused with a stable code', () => {
    expect(() => waveletFilters('bior1.2')).toThrow(expect.objectContaining({ code: 'RADIOMICS_WAVELET_UNSUPPORTED' }));
    expect(() => waveletFilters('db40')).toThrow(expect.objectContaining({ code: 'RADIOMICS_WAVELET_UNSUPPORTED' }));
  });
});

describe('stationary wavelet transform (pywt.swtn level 1)', () => {
  it('reproduces the PyWavelets documentation example pywt.swt([1..8], "db1", level=1)', () => {
    // From the PyWavelets reference, pywt.swt example output (cA1, cD1):
    const cA = [2.12132034, 3.53553391, 4.94974747, 6.36396103, 7.77817459, 9.19238816, 10.60660172, 6.36396103];
    const cD = [-0.70710678, -0.70710678, -0.70710678, -0.70710678, -0.70710678, -0.70710678, -0.70710678, 4.94974747];
    const bands = swtn1(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [8, 1, 1], [0], 'db1');
    Array.from(bands.get('a')!).forEach((v, i) => expect(v).toBeCloseTo(cA[i], 7));
    Array.from(bands.get('d')!).forEach((v, i) => expect(v).toBeCloseTo(cD[i], 7));
  });

  it('energy: the 8 sub-bands of an orthonormal wavelet carry 8× the energy (Σ|H|²+|G|² = 2 per axis)', () => {
    const r = rnd(7);
    const v = vol([8, 6, 10], () => r());
    for (const name of ['coif1', 'db3', 'haar', 'sym4']) {
      const bands = swtn1(v.data, v.size, [0, 1, 2], name);
      let e = 0;
      for (const b of bands.values()) for (const x of b) e += x * x;
      let e0 = 0;
      for (const x of v.data) e0 += x * x;
      expect(e / (8 * e0)).toBeCloseTo(1, name.startsWith('sym') ? 9 : 12);
    }
  });

  it('perfect reconstruction: x = ½ Aᵀ(lo, hi) per axis (adjoint of the circular filter bank)', () => {
    const r = rnd(11);
    const n = 12;
    const x = Float64Array.from({ length: n }, () => r());
    const { decLo, decHi } = waveletFilters('coif1');
    const bands = swtn1(x, [n, 1, 1], [0], 'coif1');
    const lo = bands.get('a')!;
    const hi = bands.get('d')!;
    // Definition: y[o] = Σ_j f[j]·x[(o + ⌊F/2⌋ − j) mod N]; the adjoint scatters back.
    const F = decLo.length;
    const rec = new Float64Array(n);
    for (let o = 0; o < n; o++) for (let j = 0; j < F; j++) {
      const k = (((o + (F >> 1) - j) % n) + n) % n;
      rec[k] += 0.5 * (decLo[j] * lo[o] + decHi[j] * hi[o]);
    }
    Array.from(rec).forEach((v, i) => expect(v).toBeCloseTo(x[i], 13));
  });
});

describe('waveletImages (PyRadiomics getWaveletImage)', () => {
  it('names and order as PyRadiomics yields them, approximation last', () => {
    const v = vol([6, 6, 6], (x, y, z) => x + 2 * y + 3 * z);
    expect(waveletImages(v, noMask(v), {}).map((d) => d.name)).toEqual([
      'wavelet-LLH', 'wavelet-LHL', 'wavelet-LHH', 'wavelet-HLL', 'wavelet-HLH', 'wavelet-HHL', 'wavelet-HHH', 'wavelet-LLL',
    ]);
    const two = waveletImages(v, noMask(v), { level: 2 }).map((d) => d.name);
    expect(two.slice(7, 9)).toEqual(['wavelet2-LLH', 'wavelet2-LHL']);
    expect(two.at(-1)).toBe('wavelet2-LLL');
    expect(two).toHaveLength(15);
  });

  it('letters follow x, y, z: a ramp along z only has detail in the …H (z) band', () => {
    const v = vol([8, 8, 8], (_x, _y, z) => (z % 2 === 0 ? 1 : -1));
    const out = new Map(waveletImages(v, noMask(v), { wavelet: 'haar' }).map((d) => [d.name, d.image]));
    const energy = (name: string) => out.get(name)!.data.reduce((a, b) => a + b * b, 0);
    expect(energy('wavelet-LLH')).toBeGreaterThan(100);
    expect(energy('wavelet-HLL')).toBeLessThan(1e-20);
    expect(energy('wavelet-LHL')).toBeLessThan(1e-20);
  });

  it('odd sizes: wrap-padded by one voxel then cropped back (numpy.pad mode "wrap")', () => {
    const r = rnd(3);
    const v = vol([5, 4, 3], () => r());
    const out = waveletImages(v, noMask(v), { wavelet: 'haar' });
    expect(out.every((d) => d.image.size.join() === '5,4,3')).toBe(true);
    // A volume constant along y and z isolates x: haar low-pass (x[o] + x[o+1])/√2 with the wrap
    // pad x5 := x0, and the y and z low-passes of a constant multiply by √2 each (·2 in total).
    const w = vol([5, 2, 2], (x) => [1, 2, 4, 8, 16][x]);
    const lll = waveletImages(w, noMask(w), { wavelet: 'haar' }).at(-1)!.image.data;
    const expected = [3, 6, 12, 24, 17].map((s) => (2 * s) / Math.SQRT2);
    expected.forEach((e, i) => expect(lll[i]).toBeCloseTo(e, 12));
  });

  it('force2D drops force2Ddimension (numpy axis 0 = z) from the transform and the names', () => {
    const v = vol([6, 6, 4], (x, y, z) => x * y + z);
    const names = waveletImages(v, noMask(v), { force2D: true, force2Ddimension: 0 }).map((d) => d.name);
    expect(names).toEqual(['wavelet-LH', 'wavelet-HL', 'wavelet-HH', 'wavelet-LL']);
  });

  it('float32 input images run in single precision as pywt does for float32 arrays', () => {
    const r = rnd(9);
    const v = vol([6, 6, 6], () => Math.fround(100 * r()));
    const single = waveletImages(v, noMask(v), { imagePixelType: 'float32' });
    const double = waveletImages(v, noMask(v), {});
    for (let k = 0; k < 8; k++) {
      const a = single[k].image.data;
      const b = double[k].image.data;
      expect(a.every((x) => Math.fround(x) === x)).toBe(true);
      // single-precision rounding of 12-term sums of ~100: well under 1e-4 absolute, but not exact
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      expect(maxDiff).toBeLessThan(1e-3);
      expect(maxDiff).toBeGreaterThan(0);
    }
  });

  it('start_level applies the level-1 transform to the approximation first', () => {
    const r = rnd(5);
    const v = vol([6, 6, 6], () => r());
    const direct = waveletImages(v, noMask(v), { start_level: 1 }).at(-1)!.image.data;
    const lll1 = waveletImages(v, noMask(v), {}).at(-1)!.image;
    const again = waveletImages(lll1, noMask(lll1), {}).at(-1)!.image.data;
    expect(Array.from(direct)).toEqual(Array.from(again));
  });
});

describe('waveletMargin: a sub-volume with the margin around a box gives the box the whole image’s coefficients', () => {
  const size: Vec3 = [41, 36, 30]; // odd x: the wrap padding is in play on the whole image
  const r = rnd(20261127);
  const image = vol(size, () => 1000 * r());
  const box = { lower: [14, 11, 9] as Vec3, upper: [25, 22, 18] as Vec3 };
  /** `v` cropped to box ± m (per axis). */
  function sub(v: Volume<Float64Array>, m: readonly number[]): { v: Volume<Float64Array>; at: Vec3 } {
    const lo = [0, 1, 2].map((a) => box.lower[a]! - m[a]!) as Vec3;
    const hi = [0, 1, 2].map((a) => box.upper[a]! + m[a]!) as Vec3;
    const s = [0, 1, 2].map((a) => hi[a]! - lo[a]! + 1) as Vec3;
    return { v: vol(s, (x, y, z) => v.data[x + lo[0] + size[0] * (y + lo[1] + size[1] * (z + lo[2]))]!), at: lo };
  }
  /** Values of a derived volume over the box, in x-fastest order. */
  function boxValues(d: Volume, at: readonly number[]): number[] {
    const out: number[] = [];
    for (let z = box.lower[2]; z <= box.upper[2]; z++) for (let y = box.lower[1]; y <= box.upper[1]; y++) for (let x = box.lower[0]; x <= box.upper[0]; x++) {
      out.push(d.data[x - at[0]! + d.size[0] * (y - at[1]! + d.size[1] * (z - at[2]!))]!);
    }
    return out;
  }
  it.each([
    [{}],
    [{ wavelet: 'db2', level: 2 }],
    [{ wavelet: 'sym3', start_level: 1 }],
    [{ wavelet: 'bior2.2' }],
    [{ wavelet: 'haar', level: 3 }],
    [{ force2D: true, force2Ddimension: 0 }],
    [{ imagePixelType: 'float32' }],
  ])('%o: bit for bit', (opts) => {
    const m = waveletMargin(opts);
    const whole = waveletImages(image, noMask(image), opts);
    const { v, at } = sub(image, m);
    const part = waveletImages(v, noMask(v), opts);
    expect(part.map((d) => d.name)).toEqual(whole.map((d) => d.name));
    for (let k = 0; k < whole.length; k++) expect(boxValues(part[k]!.image, at)).toEqual(boxValues(whole[k]!.image, [0, 0, 0]));
  });
  it('the margin is needed: 2 voxels (coif1 reads 3 samples ahead) change coefficients at the box’s edge', () => {
    const m = [2, 2, 2];
    const whole = waveletImages(image, noMask(image), {});
    const { v, at } = sub(image, m);
    const part = waveletImages(v, noMask(v), {});
    expect(part.some((d, k) => boxValues(d.image, at).some((x, i) => x !== boxValues(whole[k]!.image, [0, 0, 0])[i]))).toBe(true);
  });
  it('coif1 level 1: 6 voxels (filter length × applications) on each transformed axis, none on a force2D axis', () => {
    expect(waveletMargin({})).toEqual([6, 6, 6]);
    expect(waveletMargin({ wavelet: 'db2', level: 2, start_level: 1 })).toEqual([12, 12, 12]);
    expect(waveletMargin({ force2D: true, force2Ddimension: 0 })).toEqual([6, 6, 0]);
  });
});
