import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { shapeFeatures } from './shape.ts';
import { shape2DFeatures } from './shape2D.ts';
import { meshDiameters } from './hull.ts';

describe('shape (marching cubes on a padded mask)', () => {
  it('one voxel of spacing (2, 3, 4) mm is an octahedron with half-diagonals 1, 1.5, 2', () => {
    const f = shapeFeatures({ data: Uint8Array.of(1), size: [1, 1, 1], spacingMm: [2, 3, 4] });
    expect(f.MeshVolume).toBeCloseTo((4 / 3) * 1 * 1.5 * 2, 12); // octahedron: (4/3)·a·b·c
    // 8 congruent faces with vertices (1,0,0), (0,1.5,0), (0,0,2): area ½|(−1,1.5,0)×(−1,0,2)| = ½·√(3² + 2² + 1.5²)
    expect(f.SurfaceArea).toBeCloseTo(8 * 0.5 * Math.sqrt(9 + 4 + 2.25), 12);
    expect(f.Maximum3DDiameter).toBeCloseTo(4, 12); // ±2 mm along z
    expect(f.Maximum2DDiameterSlice).toBeCloseTo(3, 12); // in the z = 0 plane: ±1.5 mm along y
    expect(f.Maximum2DDiameterColumn).toBeCloseTo(4, 12); // y = 0 plane: x and z
    expect(f.Maximum2DDiameterRow).toBeCloseTo(4, 12); // x = 0 plane: y and z
    expect(f.VoxelVolume).toBe(24);
  });
  it('a 2×1×1 bar: principal axes from voxel centres (covariance of ±1 mm in x → λ = 1)', () => {
    const f = shapeFeatures({ data: Uint8Array.of(1, 1), size: [2, 1, 1], spacingMm: [2, 1, 1] });
    expect(f.MajorAxisLength).toBeCloseTo(4, 12); // 4·√1
    expect(f.MinorAxisLength).toBe(0);
    expect(f.LeastAxisLength).toBe(0);
  });
});

describe('shape2D (marching squares)', () => {
  it('one pixel is a diamond: area ½, perimeter 4·√½', () => {
    const f = shape2DFeatures({ data: Uint8Array.of(1), size: [1, 1], spacingMm: [1, 1] });
    expect(f.MeshSurface).toBeCloseTo(0.5, 14);
    expect(f.Perimeter).toBeCloseTo(4 * Math.SQRT1_2, 14);
    expect(f.MaximumDiameter).toBeCloseTo(1, 14);
    expect(f.PixelSurface).toBe(1);
  });
  it('a 3×3 square: area 9 − 4·⅛, perimeter 8 + 4·√½', () => {
    const f = shape2DFeatures({ data: new Uint8Array(9).fill(1), size: [3, 3], spacingMm: [1, 1] });
    expect(f.MeshSurface).toBeCloseTo(9 - 0.5, 12);
    expect(f.Perimeter).toBeCloseTo(8 + 4 * Math.SQRT1_2, 12);
  });
});

describe('hull-based diameters equal the brute-force all-pairs maxima', () => {
  it('random half-grid point sets', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 })), { minLength: 2, maxLength: 60 }),
      fc.tuple(fc.double({ min: 0.3, max: 5, noNaN: true }), fc.double({ min: 0.3, max: 5, noNaN: true }), fc.double({ min: 0.3, max: 5, noNaN: true })),
      (pts, s) => {
        const p = { z: Int32Array.from(pts.map((q) => q[0])), y: Int32Array.from(pts.map((q) => q[1])), x: Int32Array.from(pts.map((q) => q[2])), count: pts.length };
        const brute = [0, 0, 0, 0];
        for (let i = 0; i < pts.length; i++) for (let j = i + 1; j < pts.length; j++) {
          const a = pts[i]!, b = pts[j]!;
          const d = ((a[0] - b[0]) * s[0] / 2) ** 2 + ((a[1] - b[1]) * s[1] / 2) ** 2 + ((a[2] - b[2]) * s[2] / 2) ** 2;
          if (a[0] === b[0]) brute[0] = Math.max(brute[0]!, d);
          if (a[1] === b[1]) brute[1] = Math.max(brute[1]!, d);
          if (a[2] === b[2]) brute[2] = Math.max(brute[2]!, d);
          brute[3] = Math.max(brute[3]!, d);
        }
        const got = meshDiameters(p, s);
        for (let k = 0; k < 4; k++) expect(got[k]).toBeCloseTo(Math.sqrt(brute[k]!), 9);
      },
    ), { numRuns: 300 });
  });
});
