import { describe, expect, it } from 'vitest';
import type { LabelMap, Volume } from '@tace/common';
import { IMAGE_TYPES } from './index.ts';
import { computeImageTypesParallel } from './parallel.ts';

const n = 16;
const geo = { size: [n, n, n] as [number, number, number], spacingMm: [1, 1, 2] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
const image: Volume<Float64Array> = { ...geo, data: Float64Array.from({ length: n ** 3 }, (_, i) => Math.sin(i * 0.05) * 100 + (i % 7)) };
const mask: LabelMap = { ...geo, data: Uint8Array.from({ length: n ** 3 }, (_, i) => (i % 3 === 0 ? 1 : 0)) };

describe('computeImageTypesParallel', () => {
  it('returns, per job and in job order, exactly the sequential results', async () => {
    const jobs = [
      { type: 'LoG', opts: { sigma: [1.0] } },
      { type: 'Wavelet', opts: {} },
      { type: 'LoG', opts: { sigma: [2.0] } },
      { type: 'Gradient', opts: {} },
    ];
    const par = await computeImageTypesParallel(image, mask, jobs, 2);
    jobs.forEach((j, k) => {
      const seq = IMAGE_TYPES[j.type](image, mask, j.opts);
      expect(par[k].map((d) => d.name)).toEqual(seq.map((d) => d.name));
      seq.forEach((d, i) => expect(Array.from(par[k][i].image.data)).toEqual(Array.from(d.image.data)));
    });
  });

  it('a failing job rejects with its stable code', async () => {
    await expect(computeImageTypesParallel(image, mask, [{ type: 'Wavelet', opts: { wavelet: 'nope' } }], 1)).rejects.toMatchObject({
      code: 'RADIOMICS_WAVELET_UNSUPPORTED',
    });
  });
});
