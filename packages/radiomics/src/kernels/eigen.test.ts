import { describe, expect, it } from 'vitest';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { eigenvalues } from './eigen.ts';

function sorted(re: ArrayLike<number>, im: ArrayLike<number>): [number, number][] {
  return Array.from(re, (r, k) => [r, im[k]!] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

describe('eigenvalues (Hessenberg + Francis QR)', () => {
  it('known spectra: diagonal, triangular, rotation (±i), companion of (x−1)(x−2)(x−3)', () => {
    expect(sorted(...Object.values(eigenvalues(Float64Array.of(3, 0, 0, 0, 1, 0, 0, 0, 2), 3)) as [Float64Array, Float64Array])).toEqual([[1, 0], [2, 0], [3, 0]]);
    const rot = eigenvalues(Float64Array.of(0, -1, 1, 0), 2);
    expect(sorted(rot.re, rot.im)).toEqual([[0, -1], [0, 1]]);
    // Companion matrix of x³ − 6x² + 11x − 6 has eigenvalues 1, 2, 3.
    const c = eigenvalues(Float64Array.of(6, -11, 6, 1, 0, 0, 0, 1, 0), 3);
    sorted(c.re, c.im).forEach(([r, i], k) => {
      expect(r).toBeCloseTo(k + 1, 10);
      expect(i).toBe(0);
    });
  });

  it('agrees with ml-matrix (JAMA) on random non-symmetric matrices to 1e-10', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [2, 5, 17, 40]) {
      const a = Float64Array.from({ length: n * n }, () => rand() - 0.3);
      const mine = eigenvalues(a, n);
      const ref = new EigenvalueDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))));
      const A = sorted(mine.re, mine.im);
      const B = sorted(ref.realEigenvalues, ref.imaginaryEigenvalues);
      A.forEach(([r, i], k) => {
        expect(Math.abs(r - B[k]![0])).toBeLessThan(1e-10);
        expect(Math.abs(Math.abs(i) - Math.abs(B[k]![1]))).toBeLessThan(1e-10);
      });
    }
  });
});

import { symmetricEigenvalues } from './eigen.ts';

describe('symmetricEigenvalues (Householder + implicit QL)', () => {
  it('known spectrum: [[2,1],[1,2]] has 1 and 3; a diagonal matrix its diagonal', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.of(2, 1, 1, 2), 2)).map((x) => Math.round(x * 1e12) / 1e12)).toEqual([1, 3]);
    expect(Array.from(symmetricEigenvalues(Float64Array.of(5, 0, 0, 0, -1, 0, 0, 0, 2), 3))).toEqual([-1, 2, 5]);
  });
  it('agrees with ml-matrix (JAMA) on random symmetric matrices to 1e-11', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [1, 2, 3, 8, 33, 60]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rand() - 0.5;
      // a sparse-ish row/column of zeros exercises the already-reduced branch
      if (n > 3) for (let j = 0; j < n; j++) if (j !== 2) a[2 * n + j] = a[j * n + 2] = 0;
      const mine = symmetricEigenvalues(a, n);
      const ref = new EigenvalueDecomposition(new Matrix(Array.from({ length: n }, (_, i) => Array.from(a.subarray(i * n, (i + 1) * n)))));
      const r = [...ref.realEigenvalues].sort((x, y) => x - y);
      r.forEach((x, k) => expect(Math.abs(mine[k]! - x)).toBeLessThan(1e-11));
    }
  });
});
