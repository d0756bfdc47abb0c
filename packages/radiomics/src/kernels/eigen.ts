/**
 * Eigenvalues of a real non-symmetric matrix (what numpy.linalg.eigvals / LAPACK dgeev return, up to
 * round-off): Householder reduction to upper Hessenberg form, then the Francis double-shift QR iteration
 * on the active window only (eigenvalues, no Schur vectors). Adapted from the public-domain JAMA /
 * EISPACK orthes + hqr2 routines (as in ml-matrix's EigenvalueDecomposition, which the tests use as an
 * oracle), with the eigenvector work removed and flat Float64Array storage: ~10× faster on the
 * 30–100-level matrices of GLCM MCC.
 */

/** Eigenvalues of the n×n row-major matrix `a` (not modified). Returns real and imaginary parts. */
export function eigenvalues(a: Float64Array, n: number): { re: Float64Array; im: Float64Array } {
  const H = Float64Array.from(a);
  hessenberg(H, n);
  return hqr(H, n);
}

function hessenberg(H: Float64Array, n: number): void {
  const ort = new Float64Array(n);
  const high = n - 1;
  for (let m = 1; m <= high - 1; m++) {
    let scale = 0;
    for (let i = m; i <= high; i++) scale += Math.abs(H[i * n + m - 1]!);
    if (scale === 0) continue;
    let h = 0;
    for (let i = high; i >= m; i--) {
      ort[i] = H[i * n + m - 1]! / scale;
      h += ort[i]! * ort[i]!;
    }
    let g = Math.sqrt(h);
    if (ort[m]! > 0) g = -g;
    h -= ort[m]! * g;
    ort[m] = ort[m]! - g;
    for (let j = m; j < n; j++) {
      let f = 0;
      for (let i = high; i >= m; i--) f += ort[i]! * H[i * n + j]!;
      f /= h;
      for (let i = m; i <= high; i++) H[i * n + j] = H[i * n + j]! - f * ort[i]!;
    }
    for (let i = 0; i <= high; i++) {
      let f = 0;
      for (let j = high; j >= m; j--) f += ort[j]! * H[i * n + j]!;
      f /= h;
      for (let j = m; j <= high; j++) H[i * n + j] = H[i * n + j]! - f * ort[j]!;
    }
    ort[m] = scale * ort[m]!;
    H[m * n + m - 1] = scale * g;
  }
}

function hqr(H: Float64Array, nn: number): { re: Float64Array; im: Float64Array } {
  const d = new Float64Array(nn);
  const e = new Float64Array(nn);
  const at = (i: number, j: number): number => H[i * nn + j]!;
  const eps = Number.EPSILON;
  let n = nn - 1;
  let exshift = 0;
  let norm = 0;
  let p = 0, q = 0, r = 0, s = 0, z = 0, w = 0, x = 0, y = 0;
  let iter = 0;
  for (let i = 0; i < nn; i++) for (let j = Math.max(i - 1, 0); j < nn; j++) norm += Math.abs(at(i, j));

  while (n >= 0) {
    let l = n;
    while (l > 0) {
      s = Math.abs(at(l - 1, l - 1)) + Math.abs(at(l, l));
      if (s === 0) s = norm;
      if (Math.abs(at(l, l - 1)) < eps * s) break;
      l--;
    }
    if (l === n) {
      // One root found.
      d[n] = at(n, n) + exshift;
      e[n] = 0;
      n--;
      iter = 0;
    } else if (l === n - 1) {
      // Two roots found.
      w = at(n, n - 1) * at(n - 1, n);
      p = (at(n - 1, n - 1) - at(n, n)) / 2;
      q = p * p + w;
      z = Math.sqrt(Math.abs(q));
      x = at(n, n) + exshift;
      if (q >= 0) {
        z = p >= 0 ? p + z : p - z;
        d[n - 1] = x + z;
        d[n] = z !== 0 ? x - w / z : x + z;
        e[n - 1] = 0;
        e[n] = 0;
      } else {
        d[n - 1] = x + p;
        d[n] = x + p;
        e[n - 1] = z;
        e[n] = -z;
      }
      n -= 2;
      iter = 0;
    } else {
      // No convergence yet: form shift.
      x = at(n, n);
      y = 0;
      w = 0;
      if (l < n) {
        y = at(n - 1, n - 1);
        w = at(n, n - 1) * at(n - 1, n);
      }
      if (iter === 10) {
        // Wilkinson's original ad hoc shift.
        exshift += x;
        for (let i = 0; i <= n; i++) H[i * nn + i] = at(i, i) - x;
        s = Math.abs(at(n, n - 1)) + Math.abs(at(n - 1, n - 2));
        x = y = 0.75 * s;
        w = -0.4375 * s * s;
      }
      if (iter === 30) {
        // MATLAB's new ad hoc shift.
        s = (y - x) / 2;
        s = s * s + w;
        if (s > 0) {
          s = Math.sqrt(s);
          if (y < x) s = -s;
          s = x - w / ((y - x) / 2 + s);
          for (let i = 0; i <= n; i++) H[i * nn + i] = at(i, i) - s;
          exshift += s;
          x = y = w = 0.964;
        }
      }
      if (iter > 1000 * nn) throw new Error('eigenvalue iteration did not converge');
      iter++;
      // Look for two consecutive small sub-diagonal elements.
      let m = n - 2;
      while (m >= l) {
        z = at(m, m);
        r = x - z;
        s = y - z;
        p = (r * s - w) / at(m + 1, m) + at(m, m + 1);
        q = at(m + 1, m + 1) - z - r - s;
        r = at(m + 2, m + 1);
        s = Math.abs(p) + Math.abs(q) + Math.abs(r);
        p /= s;
        q /= s;
        r /= s;
        if (m === l) break;
        if (Math.abs(at(m, m - 1)) * (Math.abs(q) + Math.abs(r)) < eps * (Math.abs(p) * (Math.abs(at(m - 1, m - 1)) + Math.abs(z) + Math.abs(at(m + 1, m + 1))))) break;
        m--;
      }
      for (let i = m + 2; i <= n; i++) {
        H[i * nn + i - 2] = 0;
        if (i > m + 2) H[i * nn + i - 3] = 0;
      }
      // Double QR step on rows/columns l..n (the active window).
      for (let k = m; k <= n - 1; k++) {
        const notlast = k !== n - 1;
        if (k !== m) {
          p = at(k, k - 1);
          q = at(k + 1, k - 1);
          r = notlast ? at(k + 2, k - 1) : 0;
          x = Math.abs(p) + Math.abs(q) + Math.abs(r);
          if (x !== 0) {
            p /= x;
            q /= x;
            r /= x;
          }
        }
        if (x === 0) break;
        s = Math.sqrt(p * p + q * q + r * r);
        if (p < 0) s = -s;
        if (s !== 0) {
          if (k !== m) H[k * nn + k - 1] = -s * x;
          else if (l !== m) H[k * nn + k - 1] = -at(k, k - 1);
          p += s;
          x = p / s;
          y = q / s;
          z = r / s;
          q /= p;
          r /= p;
          for (let j = k; j <= n; j++) {
            p = at(k, j) + q * at(k + 1, j);
            if (notlast) {
              p += r * at(k + 2, j);
              H[(k + 2) * nn + j] = at(k + 2, j) - p * z;
            }
            H[k * nn + j] = at(k, j) - p * x;
            H[(k + 1) * nn + j] = at(k + 1, j) - p * y;
          }
          for (let i = l; i <= Math.min(n, k + 3); i++) {
            p = x * at(i, k) + y * at(i, k + 1);
            if (notlast) {
              p += z * at(i, k + 2);
              H[i * nn + k + 2] = at(i, k + 2) - p * r;
            }
            H[i * nn + k] = at(i, k) - p;
            H[i * nn + k + 1] = at(i, k + 1) - p * q;
          }
        }
      }
    }
  }
  return { re: d, im: e };
}
