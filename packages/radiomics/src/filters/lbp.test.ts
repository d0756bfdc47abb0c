import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { lbp2DImages, localBinaryPattern2D } from './lbp2d.ts';
import { lbp3DImages, sphHarm } from './lbp3d.ts';
import { icosphereVertices } from './icosphere.ts';

function vol(size: Vec3, f: (x: number, y: number, z: number) => number): Volume<Float64Array> {
  const data = new Float64Array(size[0] * size[1] * size[2]);
  let p = 0;
  for (let z = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++) for (let x = 0; x < size[0]; x++) data[p++] = f(x, y, z);
  return { size, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}
const maskOf = (v: Volume, f: (x: number, y: number, z: number) => boolean): LabelMap => {
  const m = vol(v.size, (x, y, z) => (f(x, y, z) ? 1 : 0));
  return { ...m, data: Uint8Array.from(m.data) };
};

describe('LBP 2D (scikit-image local_binary_pattern)', () => {
  // Constant 3×3 slice, P = 8, R = 1: a neighbour counts when its bilinear sample (0 outside the
  // slice) is ≥ the centre. Worked by hand: the centre sees 8 full neighbours; an edge pixel 5
  // (3 outside, 1 diagonal half-outside and below threshold... see comment); a corner pixel 3.
  it('uniform codes on a constant slice: corners 3, edges 5, centre 8', () => {
    const img = new Float64Array(9).fill(9);
    expect(Array.from(localBinaryPattern2D(img, 3, 3, 8, 1, 'uniform'))).toEqual([3, 5, 3, 5, 8, 5, 3, 5, 3]);
  });

  it('default code Σ s_i 2^i and its rotation-invariant minimum', () => {
    const img = new Float64Array(9).fill(9);
    const def = localBinaryPattern2D(img, 3, 3, 8, 1, 'default');
    expect(def[4]).toBe(255);
    // corner (0,0): neighbours i = 0 (right), 6 (down), 7 (down-right) → 1 + 64 + 128 = 193
    expect(def[0]).toBe(193);
    // ror: smallest rotation of 11000001b is 00000111b = 7
    expect(localBinaryPattern2D(img, 3, 3, 8, 1, 'ror')[0]).toBe(7);
  });

  it('a non-uniform pattern gets P + 1', () => {
    // centre 5 with alternating brighter/darker 4-neighbours → many 0/1 changes
    const img = Float64Array.from([0, 9, 0, 0, 5, 0, 0, 9, 0]);
    expect(localBinaryPattern2D(img, 3, 3, 8, 1, 'uniform')[4]).toBe(9);
  });

  it('slices follow force2Ddimension (numpy axis 0 = z → (y, x) planes)', () => {
    const v = vol([3, 3, 2], () => 9);
    const out = lbp2DImages(v, maskOf(v, () => true), {});
    expect(out[0].name).toBe('lbp-2D');
    expect(Array.from(out[0].image.data.slice(0, 9))).toEqual([3, 5, 3, 5, 8, 5, 3, 5, 3]);
    // voxel (x=1, y=1, z=0) of a 4×3×2 volume: interior of its 3×4 (y, x) plane → 8, but an edge
    // pixel of its 3×2 (y rows, z cols) plane when slicing perpendicular to x (numpy axis 2) → 5
    const w = vol([4, 3, 2], () => 9);
    expect(lbp2DImages(w, maskOf(w, () => true), {})[0].image.data[1 + 4 * 1]).toBe(8);
    expect(lbp2DImages(w, maskOf(w, () => true), { force2Ddimension: 2 })[0].image.data[1 + 4 * 1]).toBe(5);
  });
});

describe('LBP 3D (spherical harmonics)', () => {
  it('icosphere: 10·4^s + 2 vertices on the sphere of the radius (trimesh icosphere)', () => {
    expect(icosphereVertices(0, 1)).toHaveLength(12);
    expect(icosphereVertices(1, 2)).toHaveLength(42);
    expect(icosphereVertices(2, 1)).toHaveLength(162);
    for (const v of icosphereVertices(1, 2)) expect(Math.hypot(v[0], v[1], v[2])).toBeCloseTo(2, 12);
  });

  it('sph_harm(m, n, azimuth, polar) against closed forms', () => {
    const [az, pol] = [0.3, 1.1];
    // Y_0^0 = 1/(2√π); Y_1^0 = ½√(3/π) cos(polar); Y_1^1 = −½√(3/2π) sin(polar) e^{i·azimuth}
    expect(sphHarm(0, 0, az, pol)[0]).toBeCloseTo(0.5 / Math.sqrt(Math.PI), 15);
    expect(sphHarm(0, 1, az, pol)[0]).toBeCloseTo(0.5 * Math.sqrt(3 / Math.PI) * Math.cos(pol), 15);
    const y11 = sphHarm(1, 1, az, pol);
    const k = -0.5 * Math.sqrt(3 / (2 * Math.PI)) * Math.sin(pol);
    expect(y11[0]).toBeCloseTo(k * Math.cos(az), 15);
    expect(y11[1]).toBeCloseTo(k * Math.sin(az), 15);
    const y1m1 = sphHarm(-1, 1, az, pol); // (−1)^m conj(Y_1^1)
    expect(y1m1[0]).toBeCloseTo(-y11[0], 15);
    expect(y1m1[1]).toBeCloseTo(y11[1], 15);
  });

  it('strict local minimum: every sign set → m1 = N^{3/2}/(4π), m2 from the definition', () => {
    // f = 100 + |p − c|²: cubic splines reproduce the quadratic, so all 42 samples at radius 1 are 101 > 100
    const v = vol([7, 7, 7], (x, y, z) => 100 + (x - 3) ** 2 + (y - 3) ** 2 + (z - 3) ** 2);
    const mask = maskOf(v, (x, y, z) => x === 3 && y === 3 && z === 3);
    const out = new Map(lbp3DImages(v, mask, {}).map((d) => [d.name, d.image.data]));
    const p = 3 + 7 * (3 + 7 * 3);
    expect(out.get('lbp-3D-m1')![p]).toBeCloseTo(Math.pow(42, 1.5) / (4 * Math.PI), 10);
    // m2 from the definition with closed-form Y_1^m and PyRadiomics' argument order
    // (azimuth θ = arccos(v2), polar φ = atan2(v1, v0)); note Σ_v Y_1^{±1} ≠ 0 with that order.
    const Y = (m: number, v: number[]): [number, number] => {
      const th = Math.acos(v[2]);
      const ph = Math.atan2(v[1], v[0]);
      if (m === 0) return [0.5 * Math.sqrt(3 / Math.PI) * Math.cos(ph), 0];
      // scipy evaluates P_1^1 at cos φ, i.e. −√(1 − cos²φ) = −|sin φ| (φ = atan2 can be negative here)
      const k = 0.5 * Math.sqrt(3 / (2 * Math.PI)) * Math.abs(Math.sin(ph)) * (m === 1 ? -1 : 1);
      return [k * Math.cos(m * th), k * Math.sin(m * th)];
    };
    const verts = icosphereVertices(1, 1);
    const c = [-1, 0, 1].map((m) => verts.reduce<[number, number]>((a, v) => [a[0] + Y(m, v)[0], a[1] + Y(m, v)[1]], [0, 0]));
    let re = 0;
    let im = 0;
    for (const v of verts) {
      let fr = 0;
      let fi = 0;
      [-1, 0, 1].forEach((m, j) => {
        const y = Y(m, v);
        fr += c[j][0] * y[0] - c[j][1] * y[1];
        fi += c[j][0] * y[1] + c[j][1] * y[0];
      });
      re += fr * fr - fi * fi;
      im += 2 * fr * fi;
    }
    const r = Math.hypot(re, im);
    const expectedM2 = re >= 0 ? Math.sqrt((r + re) / 2) : Math.abs(im) / (2 * Math.sqrt((r - re) / 2));
    expect(out.get('lbp-3D-m2')![p]).toBeCloseTo(expectedM2, 9);
    expect(out.get('lbp-3D-m1')![0]).toBe(0); // outside the ROI
  });

  it('flat neighbourhood: kurtosis is NaN as scipy.stats.kurtosis gives for zero variance', () => {
    const v = vol([5, 5, 5], () => 0);
    const out = lbp3DImages(v, maskOf(v, (x, y, z) => x === 2 && y === 2 && z === 2), {});
    expect(Number.isNaN(out.at(-1)!.image.data[2 + 5 * (2 + 5 * 2)])).toBe(true);
  });

  it('linear ramp along numpy axis 0: samples are f(p) + v0 (cubic splines reproduce lines), kurtosis of the v0', () => {
    // 21 voxels: the mirror boundary's effect on the spline decays as 0.268^10 ≈ 2e-6 at the centre
    const v = vol([21, 21, 21], (_x, _y, z) => 2 * z);
    const mask = maskOf(v, (x, y, z) => x === 10 && y === 10 && z === 10);
    const out = new Map(lbp3DImages(v, mask, {}).map((d) => [d.name, d.image.data]));
    const xs = icosphereVertices(1, 1).map((a) => a[0]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const m2 = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    const m4 = xs.reduce((a, b) => a + (b - mean) ** 4, 0) / xs.length;
    expect(out.get('lbp-3D-k')![10 + 21 * (10 + 21 * 10)]).toBeCloseTo(m4 / (m2 * m2) - 3, 4);
  });
});
