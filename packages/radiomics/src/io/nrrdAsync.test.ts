/** readNrrdAsync / readImageBufferAsync: the same volume as the synchronous readers, errors with the same codes. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { readImageBufferAsync, readNrrd, readNrrdAsync } from './index.ts';

function nrrd(encoding: string, payload: Uint8Array): Uint8Array {
  const head = `NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 1\nspacings: 1 2 3\nendian: little\nencoding: ${encoding}\n\n`;
  const out = new Uint8Array(head.length + payload.length);
  out.set(new TextEncoder().encode(head));
  out.set(payload, head.length);
  return out;
}
// Four int16 samples written by hand: 1, -2, 300, 0 (little endian).
const SAMPLES = Uint8Array.of(1, 0, 0xfe, 0xff, 0x2c, 0x01, 0, 0);

describe('readNrrdAsync', () => {
  it.each(['raw', 'gzip'])('decodes a %s NRRD to the hand-written samples', async (enc) => {
    const buf = nrrd(enc, enc === 'gzip' ? gzipSync(SAMPLES) : SAMPLES);
    const v = await readNrrdAsync(buf);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect([...v.data]).toEqual([1, -2, 300, 0]);
    expect(v.spacingMm).toEqual([1, 2, 3]);
    expect(v.size).toEqual([2, 2, 1]);
  });
  it('decodes a raw NRRD handed over as a Node Buffer (whose slice() is a view, not a copy)', async () => {
    const buf = Buffer.from(nrrd('raw', SAMPLES));
    expect([...readNrrd(buf).data]).toEqual([1, -2, 300, 0]);
    expect([...(await readNrrdAsync(buf)).data]).toEqual([1, -2, 300, 0]);
  });
  it('rejects corrupt gzip data with RADIOMICS_FILE_UNREADABLE', async () => {
    await expect(readNrrdAsync(nrrd('gzip', Uint8Array.of(0x1f, 0x8b, 8, 0, 1, 2, 3)))).rejects.toMatchObject({ code: 'RADIOMICS_FILE_UNREADABLE' });
  });
  const dir = referencePath('pyradiomics/data');
  it.skipIf(!dir)('reads brain1 exactly as readNrrd does', async () => {
    for (const f of ['brain1_image.nrrd', 'brain1_label.nrrd']) {
      const buf = readFileSync(`${dir}/${f}`);
      const a = readNrrd(buf);
      const b = await readImageBufferAsync(buf, f);
      expect(b.size).toEqual(a.size);
      expect(b.direction).toEqual(a.direction);
      expect(b.data.constructor).toBe(a.data.constructor);
      expect(Buffer.compare(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength), Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength))).toBe(0);
    }
  });
});
