/**
 * IBSI 1 digital phantom (reference_values.csv): every feature and aggregation, without
 * resampling or discretisation, as the IBSI manual prescribes for the phantom (section 5.1).
 */
import { join } from 'node:path';
import { referencePath } from '@tace/common';
import { readImageFile, toLabelMap } from '../io/index.ts';
import { extractIbsi } from './index.ts';
import { defineIbsiConformance } from './testing/conformanceSuite.ts';

const dir = referencePath('ibsi1-digital-phantom');

defineIbsiConformance('digital phantom', dir && join(dir, 'reference_values.csv'), async () => {
  const d = dir ?? '';
  const image = await readImageFile(join(d, 'image.nii.gz'));
  const mask = toLabelMap(await readImageFile(join(d, 'mask.nii.gz')));
  // GLCM/NGTDM/NGLDM at Chebyshev distance 1, NGLDM α = 0, no discretisation (grey levels 1..6).
  return extractIbsi(image, mask, { mode: 'all', discretisation: { method: 'none' } });
});
