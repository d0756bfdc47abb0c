/**
 * The `roi` hint of the image-type functions (types.ts): inside it, every derived image must hold the
 * whole image's values bit for bit; filters that use the hint (LoG, Square, SquareRoot, Logarithm,
 * Exponential, Gradient, LBP2D) leave the voxels outside it 0.
 */
import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { IMAGE_TYPES } from './index.ts';

const size: Vec3 = [29, 26, 19];
let seed = 99;
const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const data = new Float64Array(size[0] * size[1] * size[2]).map(() => Math.round(rnd() * 3000 - 1000));
const image: Volume<Float64Array> = { size, spacingMm: [0.8, 0.9, 2.5], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
const roi = { lower: [7, 9, 5], upper: [19, 17, 12] };
const inRoi = (i: number) => {
  const x = i % size[0], y = Math.floor(i / size[0]) % size[1], z = Math.floor(i / (size[0] * size[1]));
  return x >= 7 && x <= 19 && y >= 9 && y <= 17 && z >= 5 && z <= 12;
};
const mask: LabelMap = { ...image, data: Uint8Array.from(data, (_, i) => (inRoi(i) && rnd() < 0.7 ? 1 : 0)) };
const USES_HINT = new Set(['LoG', 'Square', 'SquareRoot', 'Logarithm', 'Exponential', 'Gradient', 'LBP2D']);
const OPTS: Record<string, Record<string, unknown>> = {
  LoG: { sigma: [1, 2.5] },
  LBP2D: { lbp2DRadius: 2, lbp2DSamples: 12 },
  LBP3D: { label: 1 },
};

describe('image types with the ROI hint', () => {
  it.each(Object.keys(IMAGE_TYPES).filter((t) => t !== 'Original'))('%s: the whole image’s values inside the hint', (type) => {
    const fn = IMAGE_TYPES[type]!;
    const opts = OPTS[type] ?? {};
    const whole = fn(image, mask, opts);
    const part = fn(image, mask, opts, roi);
    expect(part.map((d) => d.name)).toEqual(whole.map((d) => d.name));
    expect(whole.length).toBeGreaterThan(0);
    for (let k = 0; k < whole.length; k++) {
      const w = whole[k]!.image.data, p = part[k]!.image.data;
      for (let i = 0; i < w.length; i++) {
        if (inRoi(i)) {
          if (!Object.is(p[i], w[i])) expect.fail(`${whole[k]!.name} voxel ${i}: ${p[i]} vs ${w[i]}`);
        } else if (USES_HINT.has(type) && p[i] !== 0) expect.fail(`${whole[k]!.name} voxel ${i} outside the hint is ${p[i]}`);
      }
      // (the whole image's output is non-zero outside the hint, so the zeros checked above are the hint's doing)
      if (USES_HINT.has(type)) expect(w.some((v, i) => !inRoi(i) && v !== 0)).toBe(true);
    }
  });
});
