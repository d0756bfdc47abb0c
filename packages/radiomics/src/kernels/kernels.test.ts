/**
 * Kernel unit tests on the worked examples of PyRadiomics' documentation (class docstrings of
 * radiomics/glcm.py, glrlm.py, glszm.py, gldm.py, ngtdm.py) and on the angle generation rule of
 * radiomics/src/cmatrices.c (build_angles), derived by hand.
 */
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '@tace/common';
import { angleCount, generateAngles } from './angles.ts';
import { prepareRoi } from './roi.ts';
import { glcmCounts } from './glcmKernel.ts';
import { glrlmCounts } from './glrlmKernel.ts';
import { glszmCounts } from './glszmKernel.ts';
import { gldmCounts } from './gldmKernel.ts';
import { ngtdmCounts } from './ngtdmKernel.ts';

/** A 2-D image given as rows (y) of columns (x) → x-fastest Int32Array of size [nx, ny, 1]. */
function image2d(rows: number[][]): { binned: Int32Array; size: Vec3 } {
  const ny = rows.length;
  const nx = rows[0]!.length;
  return { binned: Int32Array.from(rows.flat()), size: [nx, ny, 1] };
}

function rowsOf(m: Float64Array, nRows: number, nCols: number, colOffset = 0, stride = nCols): number[][] {
  return Array.from({ length: nRows }, (_, r) => Array.from(m.subarray(r * stride + colOffset, r * stride + colOffset + nCols)));
}

describe('angles (cmatrices.c build_angles)', () => {
  it('3-D distance 1: 13 mono-directional angles in PyRadiomics order (z, y, x)', () => {
    const a = generateAngles([10, 10, 10], [1], false, -1);
    // Offsets run +1..−1 with x fastest; the first half are those listed below.
    expect(Array.from(a)).toEqual([
      1, 1, 1, 1, 1, 0, 1, 1, -1, 1, 0, 1, 1, 0, 0, 1, 0, -1, 1, -1, 1, 1, -1, 0, 1, -1, -1,
      0, 1, 1, 0, 1, 0, 0, 1, -1, 0, 0, 1,
    ]);
  });
  it('counts: 26 bi-directional, (5³−3³)/2 = 49 for distance 2, 4 in-plane with force2D or a 1-slice ROI', () => {
    expect(angleCount([10, 10, 10], [1], true, -1)).toBe(26);
    expect(angleCount([10, 10, 10], [2], false, -1)).toBe(49);
    expect(angleCount([10, 10, 10], [1, 2], false, -1)).toBe(62);
    expect(angleCount([10, 10, 10], [1], false, 0)).toBe(4);
    expect(angleCount([1, 10, 10], [1], false, -1)).toBe(4);
    expect(Array.from(generateAngles([1, 10, 10], [1], false, -1))).toEqual([0, 1, 1, 0, 1, 0, 0, 1, -1, 0, 0, 1]);
    expect(Array.from(generateAngles([10, 10, 10], [1], false, 2))).toEqual([1, 1, 0, 1, 0, 0, 1, -1, 0, 0, 1, 0]);
  });
  it('every generated angle has infinity norm equal to a requested distance', () => {
    const a = generateAngles([10, 10, 10], [2], true, -1);
    for (let k = 0; k < a.length; k += 3) expect(Math.max(Math.abs(a[k]!), Math.abs(a[k + 1]!), Math.abs(a[k + 2]!))).toBe(2);
  });
});

// PyRadiomics glcm.py docstring example and its symmetrical GLCM for θ = 0° (horizontal).
const GLCM_IMAGE = [
  [1, 2, 5, 2, 3],
  [3, 2, 1, 3, 1],
  [1, 3, 5, 5, 2],
  [1, 1, 1, 1, 2],
  [1, 2, 4, 3, 5],
];
// glrlm.py / glszm.py / gldm.py docstring image.
const ZONE_IMAGE = [
  [5, 2, 5, 4, 4],
  [3, 3, 3, 1, 3],
  [2, 1, 1, 1, 3],
  [4, 2, 2, 2, 3],
  [3, 5, 3, 3, 2],
];

describe('matrix kernels on the PyRadiomics documentation examples', () => {
  it('GLCM: P + Pᵀ for the horizontal angle equals the glcm.py docstring matrix', () => {
    const { binned, size } = image2d(GLCM_IMAGE);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], false, -1);
    expect(angles.length / 3).toBe(4);
    expect(Array.from(angles.subarray(9, 12))).toEqual([0, 0, 1]); // horizontal is the 4th angle
    const P = glcmCounts(grid, angles, 5);
    const h = P.subarray(3 * 25, 4 * 25);
    const sym = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => h[i * 5 + j]! + h[j * 5 + i]!));
    expect(sym).toEqual([
      [6, 4, 3, 0, 0],
      [4, 0, 2, 1, 3],
      [3, 2, 0, 1, 2],
      [0, 1, 1, 0, 0],
      [0, 3, 2, 0, 2],
    ]);
  });

  it('GLRLM: horizontal runs equal the glrlm.py docstring matrix', () => {
    const { binned, size } = image2d(ZONE_IMAGE);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], false, -1);
    const P = glrlmCounts(grid, angles, 5, 5);
    expect(rowsOf(P.subarray(3 * 25, 4 * 25), 5, 5)).toEqual([
      [1, 0, 1, 0, 0],
      [3, 0, 1, 0, 0],
      [4, 1, 1, 0, 0],
      [1, 1, 0, 0, 0],
      [3, 0, 0, 0, 0],
    ]);
  });

  it('GLRLM: an angle whose lines never hold two ROI voxels is zeroed (PyRadiomics multiElement rule)', () => {
    // Two voxels on the main diagonal of a 2×2 grid: the (y,x) = (1,1) diagonal holds both (one run of 2);
    // along y, x and the (1,−1) diagonal every line holds one voxel, so those angles are zeroed.
    const { binned, size } = image2d([
      [1, 0],
      [0, 1],
    ]);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], false, -1); // (0,1,1), (0,1,0), (0,1,-1), (0,0,1)
    const P = glrlmCounts(grid, angles, 1, 2);
    expect(Array.from(P)).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('GLSZM: 8-connected zones equal the glszm.py docstring matrix', () => {
    const { binned, size } = image2d(ZONE_IMAGE);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], true, -1);
    expect(angles.length / 3).toBe(8);
    const { P, maxSize } = glszmCounts(grid, angles, 5);
    expect(maxSize).toBe(5);
    expect(rowsOf(P, 5, 5)).toEqual([
      [0, 0, 0, 1, 0],
      [1, 0, 0, 0, 1],
      [1, 0, 1, 0, 1],
      [1, 1, 0, 0, 0],
      [3, 0, 0, 0, 0],
    ]);
  });

  it('GLDM: alpha 0, distance 1 equals the gldm.py docstring matrix', () => {
    const { binned, size } = image2d(ZONE_IMAGE);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], true, -1);
    const { P, nDep } = gldmCounts(grid, angles, 5, 0);
    expect(nDep).toBe(9);
    expect(rowsOf(P, 5, 4, 0, nDep)).toEqual([
      [0, 1, 2, 1],
      [1, 2, 3, 0],
      [1, 4, 4, 0],
      [1, 2, 0, 0],
      [3, 0, 0, 0],
    ]);
    for (let g = 0; g < 5; g++) for (let d = 4; d < 9; d++) expect(P[g * nDep + d]).toBe(0);
  });

  it('GLDM: alpha ≥ the gray-level range counts every ROI neighbour; negative alpha none', () => {
    const { binned, size } = image2d(ZONE_IMAGE);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], true, -1);
    const colSums = (alpha: number) => {
      const { P, nDep } = gldmCounts(grid, angles, 5, alpha);
      return Array.from({ length: nDep }, (_, d) => [0, 1, 2, 3, 4].reduce((s, g) => s + P[g * nDep + d]!, 0));
    };
    // 5×5, 8-neighbourhood: 4 corners have 3 neighbours, 12 edge voxels 5, 9 interior voxels 8.
    expect(colSums(10)).toEqual([0, 0, 0, 4, 0, 12, 0, 0, 9]);
    expect(colSums(-1)).toEqual([25, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('NGTDM: n_i and s_i of the ngtdm.py docstring 4×4 example (s_i re-derived by hand)', () => {
    const { binned, size } = image2d([
      [1, 2, 5, 2],
      [3, 5, 1, 3],
      [1, 3, 5, 5],
      [3, 1, 1, 1],
    ]);
    const grid = prepareRoi(binned, size, 1);
    const angles = generateAngles(grid.bboxSizeZYX, [1], true, -1);
    const P = ngtdmCounts(grid, angles, 5);
    const n = [0, 1, 2, 3, 4].map((g) => P[g * 3]);
    const s = [0, 1, 2, 3, 4].map((g) => P[g * 3 + 1]!);
    expect(n).toEqual([6, 2, 4, 0, 4]);
    // s_1 = |1−10/3|+|1−30/8|+|1−15/5|+|1−13/5|+|1−15/5|+|1−11/3| = 13.35; s_2 = 2;
    // s_3 = 3/5+3/5+1/2+4/3; s_5 = |5−13/5|+|5−21/8|+|5−20/8|+|5−11/5| = 10.075 (docstring total).
    const expected = [13.35, 2, 3 / 5 + 3 / 5 + 1 / 2 + 4 / 3, 0, 10.075];
    s.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 12));
    expect([0, 1, 2, 3, 4].map((g) => P[g * 3 + 2])).toEqual([1, 2, 3, 4, 5]);
  });
});
