/**
 * Seeded pseudo-random numbers, so that synthetic cohorts and data splits are reproducible
 * from a seed written in the bundle's provenance.
 */

import { mulberry32, type Rng } from '@tace/common';

export { mulberry32, type Rng };

/** Standard normal draw by the Box–Muller transform (one of the pair; simple and exact). */
export function randomNormal(rng: Rng, mean = 0, sd = 1): number {
  let u = rng();
  while (u <= 0) u = rng();
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(arr: T[], rng: Rng): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}
