import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { extractFeatures, readImageFile, readLabelMapFile } from './index.ts';
import { extractFeaturesParallel } from './parallel.ts';

const ref = referencePath('pyradiomics/data');

describe('extractFeaturesParallel', () => {
  it.skipIf(!ref)('gives the serial result, same keys in the same order, image types on worker threads', async () => {
    const image = await readImageFile(`${ref}/breast1_image.nrrd`);
    const mask = await readLabelMapFile(`${ref}/breast1_label.nrrd`);
    const yaml = 'imageType:\n  Original: {}\n  LoG:\n    sigma: [1.0, 2.0]\n  Square: {}\nfeatureClass:\n  shape:\n  firstorder:\n  glcm: [Idmn, Contrast]\n';
    const serial = extractFeatures(image, mask, yaml);
    const parallel = await extractFeaturesParallel(image, mask, yaml, { workers: 2 });
    expect(Object.keys(parallel)).toEqual(Object.keys(serial));
    expect(parallel).toEqual(serial);
    expect(Object.keys(parallel).some((k) => k.startsWith('log-sigma-2-0-mm-3D_glcm_'))).toBe(true);
  });
  it.skipIf(!ref)('Wavelet queued first, results still in the serial order', async () => {
    const image = await readImageFile(`${ref}/breast1_image.nrrd`);
    const mask = await readLabelMapFile(`${ref}/breast1_label.nrrd`);
    for (const yaml of [
      'imageType:\n  Wavelet: {}\nfeatureClass:\n  firstorder: [Mean, Entropy]\n  glcm: [Idmn]\n',
      'imageType:\n  Original: {}\n  Wavelet:\n    level: 2\nfeatureClass:\n  shape: [VoxelVolume]\n  firstorder: [Mean]\n  glszm: [ZoneEntropy]\n',
    ]) {
      const serial = extractFeatures(image, mask, yaml);
      for (const workers of [2, 3]) {
        const parallel = await extractFeaturesParallel(image, mask, yaml, { workers });
        expect(Object.keys(parallel)).toEqual(Object.keys(serial));
        expect(parallel).toEqual(serial);
      }
    }
  });
  it.skipIf(!ref)('reports errors with their code', async () => {
    const image = await readImageFile(`${ref}/breast1_image.nrrd`);
    const mask = await readLabelMapFile(`${ref}/breast1_label.nrrd`);
    await expect(extractFeaturesParallel(image, mask, 'imageType:\n  Original: {}\n  Square: {}\n', { workers: 2, label: 9 }))
      .rejects.toMatchObject({ code: 'RADIOMICS_LABEL_ABSENT' });
  });
});
