/**
 * Wavelet image types are filtered on the ROI's box plus the wavelet's margin (extractor.ts, filters/
 * wavelet.ts waveletMargin), not on the whole image, and the filters told the ROI's box compute only
 * what reaches it (LoG's lines, the point-wise and neighbourhood filters' voxels): every feature must come out exactly as from the whole image, with the
 * margin fitting inside the image or not (then that axis is kept whole).
 */
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { extractFeatures, readImageFile, readLabelMapFile } from './index.ts';

const ref = referencePath('pyradiomics/data');
const ct = referencePath('ibsi1-ct-phantom/nifti');
const ALL = 'featureClass:\n  firstorder:\n  glcm:\n  glrlm:\n  glszm:\n  gldm:\n  ngtdm:\n';

describe('filterOnRoiBox: the same features as filtering the whole image', () => {
  it.skipIf(!ref)('brain1 and breast1, Wavelet (coif1 + LoG σ 1, 3 mm; db2 level 2 + start_level 1; force2D), all intensity classes', async () => {
    for (const name of ['brain1', 'breast1']) {
      const image = await readImageFile(`${ref}/${name}_image.nrrd`);
      const mask = await readLabelMapFile(`${ref}/${name}_label.nrrd`);
      for (const wavelet of ['  Wavelet: {}\n  LoG:\n    sigma: [1.0, 3.0]\n', '  Wavelet:\n    wavelet: db2\n    level: 2\n    start_level: 1\n', '  Wavelet: {}\nsetting:\n  force2D: true\n']) {
        const yaml = `imageType:\n${wavelet.split('setting:')[0]}${ALL}${wavelet.includes('setting:') ? `setting:${wavelet.split('setting:')[1]}` : ''}`;
        const whole = extractFeatures(image, mask, yaml, { filterOnRoiBox: false });
        const boxed = extractFeatures(image, mask, yaml);
        expect(Object.keys(boxed)).toEqual(Object.keys(whole));
        expect(boxed).toEqual(whole);
        expect(Object.keys(whole).filter((k) => k.startsWith('wavelet')).length).toBeGreaterThanOrEqual(4 * 93); // (force2D: 4 decompositions)
      }
    }
  }, 60_000);
  it.skipIf(!ct)('IBSI CT phantom (125 k ROI voxels), Wavelet coif1, LoG σ 1, 3, 5 mm, Square, SquareRoot, Logarithm, Exponential, Gradient, LBP2D, all intensity classes', async () => {
    const image = await readImageFile(`${ct}/image.nii.gz`);
    const mask = await readLabelMapFile(`${ct}/mask.nii.gz`);
    const others = ['Square', 'SquareRoot', 'Logarithm', 'Exponential', 'Gradient', 'LBP2D'].map((t) => `  ${t}: {}\n`).join('');
    const yaml = `imageType:\n  Wavelet: {}\n  LoG:\n    sigma: [1.0, 3.0, 5.0]\n${others}${ALL}`;
    expect(extractFeatures(image, mask, yaml)).toEqual(extractFeatures(image, mask, yaml, { filterOnRoiBox: false }));
  }, 60_000);
});
