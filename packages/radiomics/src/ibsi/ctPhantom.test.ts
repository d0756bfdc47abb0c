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
import type { IbsiConfig } from './types.ts';
import { defineIbsiConformance } from './testing/conformanceSuite.ts';
import { ctConfigTable } from './testing/referenceTable.ts';

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

defineIbsiConformance('configuration A', ctConfigTable(dir, 'A'), async () => {
  const { image, mask } = await load();
  return extractIbsi(image, mask, {
    mode: '2D',
    resegmentationRange: [-500, 400],
    discretisation: { method: 'FBS', binWidth: 25 },
  });
});

defineIbsiConformance('configuration C', ctConfigTable(dir, 'C'), async () => {
  const { image, mask } = await load();
  return extractIbsi(image, mask, {
    mode: '3D',
    resampling: { spacingMm: [2, 2, 2], interpolation: 'linear', maskInterpolation: 'linear', maskThreshold: 0.5, roundIntensities: true },
    resegmentationRange: [-1000, 400],
    discretisation: { method: 'FBS', binWidth: 25 },
    ivhDiscretisation: { method: 'FBS', binWidth: 2.5 },
  });
});

// B, D and E (IBSI manual table 5.2) run when their reference tables are beside A's and C's, or in
// the folder TACE_IBSI_CT_TABLES names; the image-processing settings are the manual's:
//  B — 2D, in-plane 2 × 2 mm bilinear (centre-aligned), intensities rounded, mask bilinear ≥ 0.5,
//      re-segmentation [−500, 400] HU, FBN 32, IVH on the (integer) HU values;
//  D — 3D, 2 mm trilinear, outlier re-segmentation mean ± 3 sd, FBN 32, IVH on the HU values;
//  E — 3D, 2 mm tricubic spline, re-segmentation [−1000, 400] HU then mean ± 3 sd, FBN 32, IVH FBN 1000.
const linear2mm = { spacingMm: [2, 2, 2] as [number, number, number], interpolation: 'linear' as const, maskInterpolation: 'linear' as const, maskThreshold: 0.5, roundIntensities: true };
const moreConfigs: Record<string, IbsiConfig> = {
  B: { mode: '2D', resampling: linear2mm, resegmentationRange: [-500, 400], discretisation: { method: 'FBN', binCount: 32 } },
  D: { mode: '3D', resampling: linear2mm, outlierSigma: 3, discretisation: { method: 'FBN', binCount: 32 } },
  E: {
    mode: '3D', resampling: { ...linear2mm, interpolation: 'cubic' }, resegmentationRange: [-1000, 400], outlierSigma: 3,
    discretisation: { method: 'FBN', binCount: 32 }, ivhDiscretisation: { method: 'FBN', binCount: 1000 },
  },
};
for (const [config, cfg] of Object.entries(moreConfigs)) {
  const table = ctConfigTable(dir, config);
  if (!table) console.warn(`SKIP IBSI CT phantom configuration ${config}: no reference table for it (${dir ?? 'reference data absent'}; TACE_IBSI_CT_TABLES unset or without it)`);
  defineIbsiConformance(`configuration ${config}`, table, async () => {
    const { image, mask } = await load();
    return extractIbsi(image, mask, cfg);
  });
}

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
