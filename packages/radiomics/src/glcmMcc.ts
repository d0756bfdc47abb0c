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
 * S = A², A = D^{−½} p D^{−½} (D = diag p_x; gray levels with p_x = 0 dropped, their Q rows/columns are
 * zero), so its eigenvalues are μ² for the eigenvalues μ of the symmetric A (Householder + QL, several
 * times cheaper than the general solver). ε only perturbs: Q_ε = Q₀ − E, E = G pᵀ with
 * G(i,k) = p(i,k)·ε/(q(q+ε)), q = p_x(i)p_y(k); similarly S_ε = S − F, F = D^{½} E D^{−½} ≥ 0.
 *  - Bauer–Fike (S symmetric): every eigenvalue moves by at most ‖F‖₂ ≤ √(‖F‖₁‖F‖∞) (F ≥ 0, so these are
 *    its largest column / row sums, O(n²)). Accept λ₂ when that is ≤ 1e-9 λ₂.
 *  - Otherwise first-order perturbation of the simple eigenvalue λ₂ (eigenvector u of A by inverse
 *    iteration): λ₂(S_ε) = λ₂ − uᵀFu + r, |r| ≤ 4‖F‖²/gap when ‖F‖ ≤ gap/4. Accept when 4‖F‖²/gap ≤ 1e-8 λ₂.
 * λ₂ must exceed 1e-6 (numpy's real/complex square-root semantics then cannot differ). Otherwise
 * `undefined`: the caller uses the general eigen-solver on Q_ε.
 */
export function mccSymmetric(c: GlcmAngle): number | undefined {
  const { n, p, px, py } = c;
  for (let i = 0; i < n; i++) {
    if (px[i] !== py[i]) return undefined;
    for (let j = i + 1; j < n; j++) if (p[i * n + j] !== p[j * n + i]) return undefined;
  }
  const act = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (px[i]! > 0) act[m++] = i;
  if (m < 2) return undefined;
  const sq = new Float64Array(m);
  for (let a = 0; a < m; a++) sq[a] = Math.sqrt(px[act[a]!]!);
  const P = new Float64Array(m * m);
  const A = new Float64Array(m * m);
  const G = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const row = act[a]! * n;
    const pxa = px[act[a]!]!;
    const sqa = sq[a]!;
    for (let b = 0, k = a * m; b < m; b++, k++) {
      const v = p[row + act[b]!]!;
      const q = pxa * py[act[b]!]!;
      P[k] = v;
      A[k] = v / (sqa * sq[b]!);
      G[k] = (v * EPS) / (q * (q + EPS));
    }
  }
  const mu = symmetricEigenvalues(A, m);
  // Index of the second largest μ² as a stable ascending sort by μ² would place it (position m − 2): the
  // largest two by (μ², index), ties going to the higher index. μ is finite here (NaN inputs returned above).
  let k1 = 0;
  for (let k = 1; k < m; k++) if (mu[k]! * mu[k]! >= mu[k1]! * mu[k1]!) k1 = k;
  let k2 = -1;
  for (let k = 0; k < m; k++) if (k !== k1 && (k2 < 0 || mu[k]! * mu[k]! >= mu[k2]! * mu[k2]!)) k2 = k;
  const l2 = mu[k2]! * mu[k2]!;
  if (!(l2 > 1e-6)) return undefined;
  // F·1 = D^{½} G P D^{−½} 1 and 1ᵀF = ((D^{½}1)ᵀ G P) D^{−½}  (P symmetric).
  const rows = mulVec(G, mulVec(P, Float64Array.from(sq, (x) => 1 / x), m), m).map((v, a) => v * sq[a]!);
  const cols = mulVec(P, mulVecT(G, sq, m), m).map((v, a) => v / sq[a]!);
  const normF = Math.sqrt(Math.max(...rows) * Math.max(...cols));
  if (normF <= 1e-9 * l2) return Math.sqrt(l2);
  let gap = Infinity;
  for (let k = 0; k < m; k++) if (k !== k2) gap = Math.min(gap, Math.abs(mu[k]! * mu[k]! - l2));
  if (!(normF <= gap / 4) || (4 * normF * normF) / gap > 1e-8 * l2) return undefined;
  const u = inverseIteration(A, m, mu[k2]!);
  if (u === undefined) return undefined;
  // uᵀFu = (D^{½}u)ᵀ G P (D^{−½}u)
  const z = mulVec(G, mulVec(P, u.map((v, a) => v / sq[a]!), m), m);
  let first = 0;
  for (let a = 0; a < m; a++) first += sq[a]! * u[a]! * z[a]!;
  return Math.sqrt(l2 - first);
}

function mulVec(M: Float64Array, x: Float64Array, m: number): Float64Array {
  const y = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    let s = 0;
    for (let b = 0; b < m; b++) s += M[a * m + b]! * x[b]!;
    y[a] = s;
  }
  return y;
}

function mulVecT(M: Float64Array, x: Float64Array, m: number): Float64Array {
  const y = new Float64Array(m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) y[b]! += x[a]! * M[a * m + b]!;
  return y;
}

/** Unit eigenvector of the symmetric A for its eigenvalue ≈ mu: two steps of shifted inverse iteration. */
function inverseIteration(A: Float64Array, m: number, mu: number): Float64Array | undefined {
  const sigma = mu + 1e-10 * Math.max(1, Math.abs(mu));
  const LU = Float64Array.from(A);
  for (let a = 0; a < m; a++) LU[a * m + a] = LU[a * m + a]! - sigma;
  const piv = Int32Array.from({ length: m }, (_, k) => k);
  for (let k = 0; k < m; k++) {
    let best = k;
    for (let r = k + 1; r < m; r++) if (Math.abs(LU[r * m + k]!) > Math.abs(LU[best * m + k]!)) best = r;
    if (LU[best * m + k] === 0) return undefined;
    if (best !== k) {
      for (let c = 0; c < m; c++) {
        const t = LU[k * m + c]!;
        LU[k * m + c] = LU[best * m + c]!;
        LU[best * m + c] = t;
      }
      const t = piv[k]!;
      piv[k] = piv[best]!;
      piv[best] = t;
    }
    for (let r = k + 1; r < m; r++) {
      const f = (LU[r * m + k] = LU[r * m + k]! / LU[k * m + k]!);
      for (let c = k + 1; c < m; c++) LU[r * m + c] = LU[r * m + c]! - f * LU[k * m + c]!;
    }
  }
  let x = new Float64Array(m).fill(1 / Math.sqrt(m));
  for (let it = 0; it < 3; it++) {
    const y = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      let s = x[piv[r]!]!;
      for (let c = 0; c < r; c++) s -= LU[r * m + c]! * y[c]!;
      y[r] = s;
    }
    for (let r = m - 1; r >= 0; r--) {
      let s = y[r]!;
      for (let c = r + 1; c < m; c++) s -= LU[r * m + c]! * y[c]!;
      y[r] = s / LU[r * m + r]!;
    }
    const norm = Math.hypot(...y);
    if (!Number.isFinite(norm) || norm === 0) return undefined;
    x = y.map((v) => v / norm);
  }
  return x;
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

