import { mulberry32, shuffleInPlace } from './prng.ts';
import type { Labels } from './logistic.ts';

export interface SplitIndices {
  /** Row indices, ascending. */
  train: number[];
  test: number[];
}

/**
 * Stratified random split: within each class, round(count × testFraction) rows go to the test
 * set, chosen by a Fisher–Yates shuffle seeded with `seed` (mulberry32). Same inputs → same split.
 */
export function stratifiedSplit(labels: Labels, testFraction: number, seed: number): SplitIndices {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction ${testFraction} must be in (0, 1)`);
  const rng = mulberry32(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = shuffleInPlace(byClass.get(c) as number[], rng);
    const nTest = Math.round(idx.length * testFraction);
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
