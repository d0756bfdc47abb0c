/**
 * IBSI 1 CT phantom (PAT1, GTV-1), configurations A and C of the IBSI manual, section 5.2:
 *  A — 2D, no interpolation, re-segmentation [−500, 400] HU, FBS 25 HU, IVH without discretisation.
 *  C — 3D, 2 mm isotropic trilinear interpolation on the centre-aligned grid, intensities rounded,
 *      mask trilinear with partial-volume threshold 0.5, re-segmentation [−1000, 400] HU, FBS 25 HU,
 *      IVH re-discretised with FBS 2.5 HU.
 * Diagnostic rows (grid sizes, voxel counts and intensities after each step) come first.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import type { LabelMap, Volume } from '@tace/common';
import { readImageFile, toLabelMap } from '../io/index.ts';
import { extractIbsi } from './index.ts';
import { defineIbsiConformance } from './testing/conformanceSuite.ts';

const dir = referencePath('ibsi1-ct-phantom');

let loaded: Promise<{ image: Volume; mask: LabelMap }> | undefined;
function load(): Promise<{ image: Volume; mask: LabelMap }> {
  loaded ??= (async () => {
    const d = dir ?? '';
    const raw = await readImageFile(join(d, 'nifti', 'image.nii.gz'));
    // The manual: convert the NIfTI image to floating point and round to the nearest integer first.
    const data = Float64Array.from(raw.data, (v) => Math.round(v));
    const mask = toLabelMap(await readImageFile(join(d, 'nifti', 'mask.nii.gz')));
    return { image: { ...raw, data }, mask };
  })();
  return loaded;
}

defineIbsiConformance('configuration A', dir && join(dir, 'config_A_reference_values.csv'), async () => {
  const { image, mask } = await load();
  return extractIbsi(image, mask, {
    mode: '2D',
    resegmentationRange: [-500, 400],
    discretisation: { method: 'FBS', binWidth: 25 },
  });
});

defineIbsiConformance('configuration C', dir && join(dir, 'config_C_reference_values.csv'), async () => {
  const { image, mask } = await load();
  return extractIbsi(image, mask, {
    mode: '3D',
    resampling: { spacingMm: [2, 2, 2], interpolation: 'linear', maskInterpolation: 'linear', maskThreshold: 0.5, roundIntensities: true },
    resegmentationRange: [-1000, 400],
    discretisation: { method: 'FBS', binWidth: 25 },
    ivhDiscretisation: { method: 'FBS', binWidth: 2.5 },
  });
});

describe.skipIf(!dir)('IBSI CT phantom, configuration B-style in-plane interpolation (no reference table here)', () => {
  it('resamples only within slices: ⌈204·0.977/2⌉ × ⌈201·0.977/2⌉ × 60 = 100 × 99 × 60, 2 × 2 × 3 mm', async () => {
    const { image, mask } = await load();
    const rows = extractIbsi(image, mask, {
      mode: '2D',
      resampling: { spacingMm: [2, 2, 2], interpolation: 'linear', maskInterpolation: 'linear', roundIntensities: true },
      resegmentationRange: [-500, 400],
      discretisation: { method: 'FBN', binCount: 32 },
      families: ['intensity_histogram'],
    });
    const v = (tag: string): number | undefined => rows.find((r) => r.tag === tag)?.value;
    expect([v('img_dim_x_interp_img'), v('img_dim_y_interp_img'), v('img_dim_z_interp_img')]).toEqual([100, 99, 60]);
    expect(v('vox_dim_z_interp_img')).toBeCloseTo(3, 6);
    expect(v('ih_max')).toBe(32); // FBN: the ROI maximum falls in the last bin
  }, 120_000);
});
