import { describe, expect, it } from 'vitest';
import { meshOfMask } from './mesh.ts';
import { ellipsoidArea, symmetricEigenvalues3 } from './morphology.ts';
import { moranGeary } from './autocorrelation.ts';

describe('marching-cubes mesh', () => {
  it('a single voxel gives the octahedron through the face midpoints of its cell', () => {
    // Vertices at ±s/2 on each axis: V = 4/3 · (sx/2)(sy/2)(sz/2) = 4/3 · 1 · 1.5 · 2 = 4 mm³.
    const m = meshOfMask(Uint8Array.of(1), 1, 1, 1, [2, 3, 4]);
    expect(m.volumeMm3).toBeCloseTo(4, 12);
    expect(m.vertices.length / 3).toBe(6);
  });

  it('a unit-spacing single voxel has the regular octahedron area 8 · (√3/4)(√2/2)² = √3', () => {
    expect(meshOfMask(Uint8Array.of(1), 1, 1, 1, [1, 1, 1]).areaMm2).toBeCloseTo(Math.sqrt(3), 12);
  });

  it('a long bar of n voxels: volume n − 1/3 (prism of the mid-plane diamond plus two pyramid caps)', () => {
    // Cross-section: the diamond |y|+|z| ≤ 1/2, area 1/2; length n − 1 between end-voxel centres
    // contributes (n−1)/2... plus the end caps: pyramids of height 1/2 on the diamond, 2 · (1/3)(1/2)(1/2).
    const n = 7;
    const m = meshOfMask(new Uint8Array(n).fill(1), n, 1, 1, [1, 1, 1]);
    expect(m.volumeMm3).toBeCloseTo((n - 1) * 0.5 + 2 * (1 / 3) * 0.5 * 0.5, 12);
  });

  it('a closed cavity subtracts its own volume', () => {
    const n = 5;
    const solid = new Uint8Array(n * n * n).fill(1);
    const holed = solid.slice();
    holed[2 + n * (2 + n * 2)] = 0;
    const a = meshOfMask(solid, n, n, n, [1, 1, 1]).volumeMm3;
    const b = meshOfMask(holed, n, n, n, [1, 1, 1]).volumeMm3;
    expect(a - b).toBeCloseTo(1 / 6, 12); // the inner octahedron of the removed voxel
  });
});

describe('geometry helpers', () => {
  it('eigenvalues of [[2,1,0],[1,2,0],[0,0,5]] are 5, 3, 1', () => {
    const [a, b, c] = symmetricEigenvalues3(2, 2, 5, 1, 0, 0);
    expect(a).toBeCloseTo(5, 12);
    expect(b).toBeCloseTo(3, 12);
    expect(c).toBeCloseTo(1, 12);
  });

  it('ellipsoid area follows the IBSI series: sphere 4πr²; spheroid (1.2, 1, 1) = 4π·1.2·Σ z^ν/(1−4ν²)', () => {
    expect(ellipsoidArea(3, 3, 3)).toBeCloseTo(4 * Math.PI * 9, 9);
    // α = β = e: P_ν(1) = 1, so each term is (e²)^ν/(1 − 4ν²), with e² = 1 − 1/1.44.
    const z = 1 - 1 / 1.44;
    let sum = 0;
    for (let v = 0; v <= 20; v++) sum += z ** v / (1 - 4 * v * v);
    expect(ellipsoidArea(1.2, 1, 1)).toBeCloseTo(4 * Math.PI * 1.2 * sum, 10);
    // Continuous through αβ → 0 (oblate limit), where P_ν's argument diverges.
    expect(ellipsoidArea(1.2, 1.2, 1)).toBeCloseTo(ellipsoidArea(1.2, 1.2 - 1e-9, 1), 6);
  });
});

describe("Moran's I and Geary's C (FFT) against the all-pairs definition", () => {
  it('agree with a direct O(N²) sum on an irregular ROI with anisotropic spacing', () => {
    const [nx, ny, nz] = [7, 5, 4];
    const sp: [number, number, number] = [0.8, 1.3, 2.5];
    const n = nx * ny * nz;
    const img = new Float64Array(n);
    const mask = new Uint8Array(n);
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      img[i] = Math.round(rnd() * 20) + (i % 7);
      mask[i] = rnd() < 0.7 ? 1 : 0;
    }
    const pts: { p: number[]; v: number }[] = [];
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = x + nx * (y + ny * z);
          if (mask[i]) pts.push({ p: [x * sp[0], y * sp[1], z * sp[2]], v: img[i] ?? 0 });
        }
    const N = pts.length;
    const mu = pts.reduce((a, q) => a + q.v, 0) / N;
    let W = 0;
    let num = 0;
    let gnum = 0;
    let den = 0;
    for (const a of pts) den += (a.v - mu) ** 2;
    for (let k = 0; k < N; k++)
      for (let l = 0; l < N; l++) {
        if (k === l) continue;
        const a = pts[k]!;
        const b = pts[l]!;
        const w = 1 / Math.hypot(a.p[0]! - b.p[0]!, a.p[1]! - b.p[1]!, a.p[2]! - b.p[2]!);
        W += w;
        num += w * (a.v - mu) * (b.v - mu);
        gnum += w * (a.v - b.v) ** 2;
      }
    const r = moranGeary(img, mask, nx, ny, nz, sp);
    expect(r.moranI).toBeCloseTo(((N / W) * num) / den, 10);
    expect(r.gearyC).toBeCloseTo((((N - 1) / (2 * W)) * gnum) / den, 10);
  });
  it('refuses a ROI box whose padded FFT grid would pass the memory limit → IBSI_AUTOCORRELATION_TOO_LARGE', () => {
    // (only the dimensions matter for the check, made before any grid-sized allocation)
    const mask = Uint8Array.of(1, 1, 0, 0);
    const img = Float64Array.of(1, 2, 3, 4);
    expect(() => moranGeary(img, mask, 301, 300, 100, [1, 1, 1])).toThrow(expect.objectContaining({ code: 'IBSI_AUTOCORRELATION_TOO_LARGE' }));
    expect(() => moranGeary(img, mask, 2, 2, 1, [1, 1, 1])).not.toThrow();
  });
});
