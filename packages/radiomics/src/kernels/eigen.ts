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

/**
 * Eigenvalues of a real symmetric n×n row-major matrix (not modified), ascending: Householder
 * tridiagonalization (4/3 n³) then the implicit QL iteration (JAMA tql2 without eigenvectors, O(n²)).
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const A = Float64Array.from(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i] = T[i][i−1], e[0] = 0 (JAMA tred2 convention)
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Householder vector annihilating A[k+2.., k].
    let alpha = 0;
    for (let i = k + 1; i < n; i++) alpha += A[i * n + k]! * A[i * n + k]!;
    alpha = Math.sqrt(alpha);
    const x0 = A[(k + 1) * n + k]!;
    if (alpha === 0) {
      e[k + 1] = 0; // column already reduced
      continue;
    }
    if (x0 > 0) alpha = -alpha;
    let vnorm2 = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = A[i * n + k]!;
      if (i === k + 1) v[i] = v[i]! - alpha;
      vnorm2 += v[i]! * v[i]!;
    }
    // A ← H A H on the trailing block, H = I − 2 v vᵀ / (vᵀv).
    const beta = 2 / vnorm2;
    let K = 0;
    // Row offsets and v[i], p[i] hoisted out of the inner loops (same arithmetic, fewer loads).
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1, r = i * n + k + 1; j < n; j++, r++) s += A[r]! * v[j]!;
      const pi = beta * s;
      p[i] = pi;
      K += v[i]! * pi;
    }
    K *= beta / 2;
    for (let i = k + 1; i < n; i++) p[i] = p[i]! - K * v[i]!;
    for (let i = k + 1; i < n; i++) {
      const vi = v[i]!;
      const pi = p[i]!;
      for (let j = k + 1, r = i * n + k + 1; j < n; j++, r++) A[r] = A[r]! - vi * p[j]! - pi * v[j]!;
    }
    e[k + 1] = alpha;
  }
  if (n >= 2) e[n - 1] = A[(n - 1) * n + n - 2]!;
  for (let i = 0; i < n; i++) d[i] = A[i * n + i]!;
  tql1(n, e, d);
  return d;
}

/** JAMA tql2 (symmetric tridiagonal QL with implicit shifts), eigenvalues only; sorts d ascending. */
function tql1(n: number, e: Float64Array, d: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 1000) throw new Error('symmetric eigenvalue iteration did not converge');
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  d.sort();
}

/** √(a² + b²) without overflow (JAMA's hypot; Math.hypot is several times slower in V8). */
function hypot(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}
