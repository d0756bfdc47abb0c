/**
 * Features shared by the run-length, size-zone, distance-zone and dependence matrices (IBSI 3.7,
 * 3.8, 3.9, 3.11): all are a count matrix M(i, j) over grey level i = 1..ng and a second index
 * j = 1..nj (run length, zone size, zone distance, dependence count). With N_s = Σ M and
 * p = M / N_s, marginals r_i = Σ_j M, c_j = Σ_i M:
 *   short (Σ M/j²)/N_s, long (Σ M j²)/N_s, low (Σ M/i²)/N_s, high (Σ M i²)/N_s, and the four
 *   cross terms; glnu = Σ r_i²/N_s, jnu = Σ c_j²/N_s (and /N_s² normalised); perc = N_s/N_v;
 *   gl_var = Σ (i−μ_i)² p, j_var = Σ (j−μ_j)² p, j_entr = −Σ p log₂ p, energy = Σ p².
 * Matrices are stored row-major [i·(nj+1) + j].
 */
export interface CountMatrix {
  data: Float64Array;
  ng: number;
  nj: number;
}

export function newCountMatrix(ng: number, nj: number): CountMatrix {
  return { data: new Float64Array((ng + 1) * (nj + 1)), ng, nj };
}

/** Element-wise sum of count matrices with the same ng (the IBSI "merged" aggregation). */
export function mergeMatrices(list: readonly CountMatrix[]): CountMatrix {
  const ng = list[0]?.ng ?? 0;
  let nj = 1;
  for (const m of list) if (m.nj > nj) nj = m.nj;
  const out = newCountMatrix(ng, nj);
  for (const m of list) {
    const w = m.nj + 1;
    for (let i = 1; i <= ng; i++)
      for (let j = 1; j <= m.nj; j++) {
        const v = m.data[i * w + j] ?? 0;
        if (v !== 0) out.data[i * (nj + 1) + j] = (out.data[i * (nj + 1) + j] ?? 0) + v;
      }
  }
  return out;
}

export function matrixFeatures(M: CountMatrix, nv: number): Record<string, number> | undefined {
  const { ng, nj, data } = M;
  const w = nj + 1;
  let ns = 0;
  for (let k = 0; k < data.length; k++) ns += data[k] ?? 0;
  if (ns === 0) return undefined;
  const r = new Float64Array(ng + 1);
  const c = new Float64Array(nj + 1);
  let short = 0;
  let long = 0;
  let low = 0;
  let high = 0;
  let sl = 0;
  let sh = 0;
  let ll = 0;
  let lh = 0;
  let mi = 0;
  let mj = 0;
  let entr = 0;
  let energy = 0;
  for (let i = 1; i <= ng; i++) {
    const i2 = i * i;
    for (let j = 1; j <= nj; j++) {
      const v = data[i * w + j] ?? 0;
      if (v === 0) continue;
      const j2 = j * j;
      r[i] = (r[i] ?? 0) + v;
      c[j] = (c[j] ?? 0) + v;
      short += v / j2;
      long += v * j2;
      low += v / i2;
      high += v * i2;
      sl += v / (i2 * j2);
      sh += (v * i2) / j2;
      ll += (v * j2) / i2;
      lh += v * i2 * j2;
      const p = v / ns;
      mi += i * p;
      mj += j * p;
      entr -= p * Math.log2(p);
      energy += p * p;
    }
  }
  let glVar = 0;
  let jVar = 0;
  for (let i = 1; i <= ng; i++)
    for (let j = 1; j <= nj; j++) {
      const v = data[i * w + j] ?? 0;
      if (v === 0) continue;
      const p = v / ns;
      glVar += (i - mi) * (i - mi) * p;
      jVar += (j - mj) * (j - mj) * p;
    }
  let glnu = 0;
  for (let i = 1; i <= ng; i++) glnu += (r[i] ?? 0) * (r[i] ?? 0);
  let jnu = 0;
  for (let j = 1; j <= nj; j++) jnu += (c[j] ?? 0) * (c[j] ?? 0);
  return {
    short: short / ns,
    long: long / ns,
    low: low / ns,
    high: high / ns,
    short_low: sl / ns,
    short_high: sh / ns,
    long_low: ll / ns,
    long_high: lh / ns,
    glnu: glnu / ns,
    glnu_norm: glnu / (ns * ns),
    jnu: jnu / ns,
    jnu_norm: jnu / (ns * ns),
    perc: ns / nv,
    gl_var: glVar,
    j_var: jVar,
    j_entr: entr,
    energy,
  };
}

/** Rename generic keys to a family's IBSI feature names, in the given order; drops unmapped keys. */
export function renameFeatures(f: Record<string, number>, names: readonly (readonly [string, string])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [generic, ibsi] of names) out[ibsi] = f[generic] ?? NaN;
  return out;
}
