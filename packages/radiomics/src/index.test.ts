/**
 * The package entry: extractIbsi is a lazy wrapper (the IBSI module loads on first call), so check that
 * it reaches the IBSI module and returns what the module itself returns.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { extractIbsi, IBSI_CODES, ibsiCodeOf } from './index.ts';
import { extractIbsi as extractIbsiDirect } from './ibsi/index.ts';
import { readImageFile, toLabelMap } from './io/index.ts';

const dir = referencePath('ibsi1-digital-phantom');

describe('package entry', () => {
  it('re-exports the IBSI code table', () => {
    // IBSI 1 manual: mean intensity is Q4LE.
    expect(Object.keys(IBSI_CODES).length).toBeGreaterThan(100);
    expect(Object.values(IBSI_CODES)).toContain('Q4LE');
    expect(ibsiCodeOf('no_such_feature_tag')).toBeUndefined();
  });

  it.skipIf(!dir)('extractIbsi (lazy) gives the IBSI module\'s own result on the digital phantom', async () => {
    const d = dir ?? '';
    const image = await readImageFile(join(d, 'image.nii.gz'));
    const mask = toLabelMap(await readImageFile(join(d, 'mask.nii.gz')));
    const config = { mode: 'all', discretisation: { method: 'none' } } as const;
    const lazy = extractIbsi(image, mask, config);
    expect(lazy.length).toBeGreaterThan(100);
    expect(lazy).toEqual(extractIbsiDirect(image, mask, config));
  });
});
