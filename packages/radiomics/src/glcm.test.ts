import { describe, expect, it } from 'vitest';
import { glcmCoefficients, mccEigenvalues, mccFromEigenvalues, mccSymmetric, MCC } from './glcm.ts';

/** Random symmetric normalized GLCM over gray levels 1..n with some empty cells and one rare level. */
function randomSymmetricGlcm(n: number, seed: number): Float64Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rand() < 0.3 ? 0 : Math.floor(rand() * 50);
      P[i * n + j] += v;
      P[j * n + i] += v;
    }
  }
  P[0] = 0;
  P[1] = P[n] = 1; // a rare gray level: tiny marginal, where ε matters most
  for (let j = 2; j < n; j++) P[j] = P[j * n] = 0;
  const sum = P.reduce((a, b) => a + b, 0);
  return P.map((v) => v / sum);
}

describe('GLCM MCC', () => {
  it('symmetric fast path equals the general eigen-solver path (1e-9 relative) or declines', () => {
    let used = 0;
    for (const n of [2, 5, 12, 33]) {
      for (let seed = 1; seed <= 5; seed++) {
        const p = randomSymmetricGlcm(n, seed * 7 + n);
        const c = glcmCoefficients(p, n, Int32Array.from({ length: n }, (_, k) => k + 1), n);
        const general = mccFromEigenvalues(mccEigenvalues(c), false);
        const fast = mccSymmetric(c);
        if (fast === undefined) continue;
        used++;
        expect(Math.abs(fast - general)).toBeLessThanOrEqual(1e-9 * general);
      }
    }
    expect(used).toBeGreaterThan(10);
  });

  it('fast path with the first-order ε correction: a very rare gray level (count 1 in ~10⁷ pairs)', () => {
    const n = 6;
    const counts = randomSymmetricGlcm(n, 99).map((v) => Math.round(v * 1e7));
    counts[1] = counts[n] = 1; // gray level 1 pairs once with gray level 2
    const sum = counts.reduce((a, b) => a + b, 0);
    const p = counts.map((v) => v / sum);
    const c = glcmCoefficients(p, n, Int32Array.from({ length: n }, (_, k) => k + 1), n);
    const general = mccFromEigenvalues(mccEigenvalues(c), false);
    const fast = mccSymmetric(c);
    if (fast !== undefined) expect(Math.abs(fast - general)).toBeLessThanOrEqual(1e-9 * general);
  });

  it('hand-derived values: independent rows give MCC 0, a permutation-block matrix gives 1', () => {
    // p = px pyᵀ (independent): Q has rank 1, second eigenvalue 0 → MCC = √0 (general path).
    const px = [0.25, 0.75];
    const indep = Float64Array.from([px[0]! * px[0]!, px[0]! * px[1]!, px[1]! * px[0]!, px[1]! * px[1]!]);
    const ci = glcmCoefficients(indep, 2, Int32Array.of(1, 2), 2);
    expect(MCC(ci)).toBeLessThan(1e-6);
    // Block-diagonal (two disconnected gray-level groups): Q has eigenvalue 1 twice → MCC = 1.
    const block = Float64Array.from([0.5, 0, 0, 0.5]);
    expect(MCC(glcmCoefficients(block, 2, Int32Array.of(1, 2), 2))).toBeCloseTo(1, 12);
  });
});
