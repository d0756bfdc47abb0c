/**
 * A small seeded PRNG for the synthetic cohort. Kept in this package (not shared) on purpose:
 * the cohort — and so every number of the demo bundle — must not change when another package
 * changes its generator. Algorithm: sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded
 * through splitmix32 so that neighbouring integer seeds give unrelated streams.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(...seeds: number[]) {
    let s = 0x9e3779b9;
    for (const x of seeds) s = splitmix32(s ^ (x >>> 0)) ^ Math.imul(x | 0, 0x85ebca6b);
    this.a = splitmix32(s);
    this.b = splitmix32(this.a ^ 0x243f6a88);
    this.c = splitmix32(this.b ^ 0x85a308d3);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform on [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform on [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** Standard normal (Marsaglia polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spareNormal = v * f;
        return u * f;
      }
    }
  }

  /** Poisson(λ) by Knuth's multiplication method (λ is small here). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)];
  }

  /** A random unit vector (uniform on the sphere). */
  unitVector(): [number, number, number] {
    for (;;) {
      const x = this.normal();
      const y = this.normal();
      const z = this.normal();
      const n = Math.hypot(x, y, z);
      if (n > 1e-9) return [x / n, y / n, z / n];
    }
  }
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
