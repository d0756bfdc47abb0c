/** Eigenvalues of a real symmetric matrix (cyclic Jacobi rotations), ascending. Used for 2×2 and 3×3 covariances. */
export function symmetricEigenvalues(m: number[][]): number[] {
  const n = m.length;
  const a = m.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! * a[p]![q]!;
    if (off < 1e-300) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i]!).sort((x, y) => x - y);
}

/**
 * PyRadiomics' principal-axis eigenvalues: covariance of the physical voxel-centre coordinates
 * (centred, divided by Np), eigenvalues in (−1e-10, 0) rounded to 0, sorted ascending.
 * `coords` holds `dims` interleaved coordinates (already multiplied by spacing) of Np voxels.
 */
export function principalEigenvalues(coords: Float64Array, dims: number): number[] {
  const np = coords.length / dims;
  const mean = new Array<number>(dims).fill(0);
  for (let i = 0; i < np; i++) for (let d = 0; d < dims; d++) mean[d]! += coords[i * dims + d]!;
  for (let d = 0; d < dims; d++) mean[d] = mean[d]! / np;
  const cov = Array.from({ length: dims }, () => new Array<number>(dims).fill(0));
  const sq = Math.sqrt(np);
  const c = new Array<number>(dims);
  for (let i = 0; i < np; i++) {
    for (let d = 0; d < dims; d++) c[d] = (coords[i * dims + d]! - mean[d]!) / sq;
    for (let p = 0; p < dims; p++) for (let q = p; q < dims; q++) cov[p]![q]! += c[p]! * c[q]!;
  }
  for (let p = 0; p < dims; p++) for (let q = 0; q < p; q++) cov[p]![q] = cov[q]![p]!;
  return symmetricEigenvalues(cov).map((e) => (e < 0 && e > -1e-10 ? 0 : e));
}
