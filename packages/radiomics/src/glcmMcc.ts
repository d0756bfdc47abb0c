/**
 * GLCM Maximal Correlation Coefficient (PyRadiomics glcm.getMCCFeatureValue), kept apart from glcm.ts:
 * it is the one GLCM feature needing an eigen-solver.
 */
import type { GlcmAngle } from './glcm.ts';
import { EPS } from './textureCommon.ts';
import { eigenvalues, symmetricEigenvalues } from './kernels/eigen.ts';

/** Q(i,j) = Σ_k p(i,k) p(j,k) / (p_x(i) p_y(k) + ε), the MCC matrix; its eigenvalues as numpy.linalg.eigvals. */
export function mccEigenvalues(c: GlcmAngle): { re: ArrayLike<number>; im: ArrayLike<number> } {
  const n = c.n;
  // M(i,k) = p(i,k) / (p_x(i) p_y(k) + ε), then Q = M pᵀ: O(n³) multiply-adds, n² divisions.
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) M[i * n + k] = c.p[i * n + k]! / (c.px[i]! * c.py[k]! + EPS);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += M[i * n + k]! * c.p[j * n + k]!;
      Q[i * n + j] = s;
    }
  }
  return eigenvalues(Q, n);
}

/**
 * √ of the second largest eigenvalue, numpy semantics: eigenvalues sorted ascending (by real, then
 * imaginary part); when the eigenvalue array is complex (any angle has a complex eigenvalue — numpy
 * computes all angles as one stack) the principal complex root's real part, else the real root (NaN for
 * a negative eigenvalue, which nanmean then skips).
 */
export function mccFromEigenvalues(ev: { re: ArrayLike<number>; im: ArrayLike<number> }, complexStack: boolean): number {
  const { re, im } = ev;
  const idx = Array.from(re, (_, k) => k).sort((a, b) => re[a]! - re[b]! || im[a]! - im[b]!);
  const k2 = idx[idx.length - 2]!;
  const x = re[k2]!;
  const y = im[k2]!;
  if (!complexStack) return Math.sqrt(x);
  return Math.sqrt((Math.hypot(x, y) + x) / 2);
}

/**
 * Fast exact path for a symmetrical GLCM (p = pᵀ, p_x = p_y). Without ε, Q₀ = D⁻¹ p D⁻¹ p is similar to
 * S = A², A = D^{−½} p D^{−½} (D = diag p_x, gray levels with p_x = 0 dropped: their Q rows/columns are
 * zero), so its eigenvalues are μ² for the eigenvalues μ of the symmetric A (Householder + QL, ~8× cheaper
 * than the general solver). ε only perturbs Q: Q_ε = Q₀ − E, E(i,j) = Σ_k p(i,k)p(j,k)·ε/(q(q+ε)),
 * q = p_x(i)p_y(k); by Bauer–Fike every eigenvalue moves by at most ‖D^{½} E D^{−½}‖_F, computed here.
 * The result is returned only when that bound is below 1e-9 of λ₂ and λ₂ > 1e-6 (so numpy's real/complex
 * sqrt semantics cannot differ); otherwise `undefined` and the caller uses the general eigen-solver.
 */
export function mccSymmetric(c: GlcmAngle): number | undefined {
  const { n, p, px, py } = c;
  for (let i = 0; i < n; i++) {
    if (px[i] !== py[i]) return undefined;
    for (let j = i + 1; j < n; j++) if (p[i * n + j] !== p[j * n + i]) return undefined;
  }
  const act: number[] = [];
  for (let i = 0; i < n; i++) if (px[i]! > 0) act.push(i);
  const m = act.length;
  if (m < 2) return undefined;
  const sq = act.map((i) => Math.sqrt(px[i]!));
  const A = new Float64Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) A[a * m + b] = p[act[a]! * n + act[b]!]! / (sq[a]! * sq[b]!);
  const lam = Array.from(symmetricEigenvalues(A, m), (mu) => mu * mu).sort((x, y) => x - y);
  const l2 = lam[m - 2]!;
  if (!(l2 > 1e-6)) return undefined;
  // G(i,k) = p(i,k)·ε/(q(q+ε)); E = G pᵀ; bound = ‖D^{½} E D^{−½}‖_F over the active gray levels.
  const G = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      const q = px[act[a]!]! * py[act[b]!]!;
      G[a * m + b] = (p[act[a]! * n + act[b]!]! * EPS) / (q * (q + EPS));
    }
  }
  let f2 = 0;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      let e = 0;
      for (let k = 0; k < m; k++) e += G[a * m + k]! * p[act[b]! * n + act[k]!]!;
      const f = (sq[a]! / sq[b]!) * e;
      f2 += f * f;
    }
  }
  if (Math.sqrt(f2) > 1e-9 * l2) return undefined;
  return Math.sqrt(l2);
}

/**
 * Maximal Correlation Coefficient = √(second largest eigenvalue of Q),
 * Q(i,j) = Σ_k p(i,k) p(j,k) / (p_x(i) p_y(k) + ε); 1 for a flat region (1×1 Q). No IBSI code.
 */
export function MCC(c: GlcmAngle): number {
  if (c.n < 2) return 1;
  const fast = mccSymmetric(c);
  if (fast !== undefined) return fast;
  const ev = mccEigenvalues(c);
  return mccFromEigenvalues(ev, Array.from(ev.im).some((v) => v !== 0));
}

