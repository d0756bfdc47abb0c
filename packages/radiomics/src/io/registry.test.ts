import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LabelMap, Volume } from '@tace/common';
import { readImageFile, readLabelMapFile } from './index.ts';
import { registerImageReader, registeredImageReaders, unregisterImageReader, type ImageReader, type MaskReadOptions } from './registry.ts';

const dir = mkdtempSync(join(tmpdir(), 'radiomics-registry-'));
const fakePath = join(dir, 'case.fake');
writeFileSync(fakePath, 'fake');
// A 1×1×1 uchar NRRD holding the label 1 (hand-written header, NRRD0004 spec).
const nrrdPath = join(dir, 'one.nrrd');
writeFileSync(nrrdPath, Buffer.concat([Buffer.from('NRRD0004\ntype: uchar\ndimension: 3\nsizes: 1 1 1\nencoding: raw\n\n'), Buffer.from([1])]));

const fakeImage: Volume = { size: [2, 1, 1], spacingMm: [1, 2, 3], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data: new Float32Array([5, 7]) };
const seen: { reference?: Volume; opts?: MaskReadOptions; imageOpts?: unknown } = {};
const fake: ImageReader = {
  name: 'fake',
  canRead: (p) => p.endsWith('.fake'),
  readImage: async (_p, opts) => { seen.imageOpts = opts; return fakeImage; },
  readMask: async (_p, reference, opts): Promise<LabelMap> => {
    seen.reference = reference;
    seen.opts = opts;
    return { ...reference, data: new Uint8Array(reference.data.length).fill(opts.label ?? 1) };
  },
};

afterEach(() => { unregisterImageReader('fake'); });

describe('image reader registry', () => {
  it('a registered reader takes its files before NRRD/NIfTI, with the reader options', async () => {
    registerImageReader(fake);
    expect(await readImageFile(fakePath, { series: '1.2.3' })).toBe(fakeImage);
    expect(seen.imageOpts).toEqual({ series: '1.2.3' });
  });

  it('a mask reader gets the image (awaited from a promise) and the label / segment', async () => {
    registerImageReader(fake);
    const mask = await readLabelMapFile(fakePath, { reference: Promise.resolve(fakeImage), label: 3, segment: 'GTV' });
    expect(seen.reference).toBe(fakeImage);
    expect(seen.opts).toEqual({ label: 3, segment: 'GTV' });
    expect([...mask.data]).toEqual([3, 3]);
  });

  it('a mask reader without the image is a RADIOMICS_FILE_UNREADABLE error', async () => {
    registerImageReader(fake);
    await expect(readLabelMapFile(fakePath)).rejects.toMatchObject({ code: 'RADIOMICS_FILE_UNREADABLE' });
  });

  it('same name replaces; unregistered or not taking the file → built-in readers', async () => {
    registerImageReader(fake);
    registerImageReader({ ...fake, canRead: () => false });
    expect(registeredImageReaders().filter((r) => r.name === 'fake')).toHaveLength(1);
    await expect(readImageFile(fakePath)).rejects.toMatchObject({ code: 'RADIOMICS_FILE_UNREADABLE' });
    expect([...(await readLabelMapFile(nrrdPath)).data]).toEqual([1]);
  });

  it('--series / --segment on an NRRD file: RADIOMICS_READER_OPTION_UNSUPPORTED; a missing file stays RADIOMICS_FILE_UNREADABLE', async () => {
    await expect(readImageFile(nrrdPath, { series: '1.2' })).rejects.toMatchObject({ code: 'RADIOMICS_READER_OPTION_UNSUPPORTED' });
    await expect(readLabelMapFile(nrrdPath, { segment: '1' })).rejects.toMatchObject({ code: 'RADIOMICS_READER_OPTION_UNSUPPORTED' });
    await expect(readImageFile(join(dir, 'missing.nrrd'), { series: '1.2' })).rejects.toMatchObject({ code: 'RADIOMICS_FILE_UNREADABLE' });
  });
});
