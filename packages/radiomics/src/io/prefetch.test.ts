/** Prefetched NRRD inputs: handed out once, and only for exactly the bytes that were prefetched. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prefetchedBytes, prefetchImageFiles, takePrefetched } from './prefetch.ts';
import { readImageBuffer, readImageFile, readNifti } from './index.ts';
import { gzipSync } from 'node:zlib';

const dir = mkdtempSync(join(tmpdir(), 'radiomics-prefetch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nrrdBytes(samples: number[]): Buffer {
  // Hand-written raw int16 NRRD, 2 x 2 x 1 voxels.
  const head = Buffer.from('NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 1\nendian: little\nencoding: raw\n\n', 'latin1');
  return Buffer.concat([head, Buffer.from(Int16Array.from(samples).buffer)]);
}

describe('prefetchImageFiles / takePrefetched', () => {
  it('hands out the decoded volume once for the same bytes', async () => {
    const path = join(dir, 'a.nrrd');
    const bytes = nrrdBytes([1, 2, 3, 4]);
    writeFileSync(path, bytes);
    await prefetchImageFiles([path]);
    const v = takePrefetched(path, bytes);
    expect(v && [...v.data]).toEqual([1, 2, 3, 4]);
    expect(takePrefetched(path, bytes)).toBeUndefined();
  });
  it('refuses bytes that differ from the prefetched file (changed on disk)', async () => {
    const path = join(dir, 'b.nrrd');
    writeFileSync(path, nrrdBytes([1, 2, 3, 4]));
    await prefetchImageFiles([path]);
    const changed = nrrdBytes([5, 6, 7, 8]);
    expect(takePrefetched(path, changed)).toBeUndefined();
    expect([...readImageBuffer(changed, path).data]).toEqual([5, 6, 7, 8]);
  });
  it('ignores missing and non-NRRD files', async () => {
    const other = join(dir, 'c.nii');
    writeFileSync(other, Buffer.alloc(400));
    await prefetchImageFiles([join(dir, 'missing.nrrd'), other]);
    expect(takePrefetched(other, new Uint8Array(400))).toBeUndefined();
  });
  it('readImageFile takes the prefetched bytes while the file is unchanged (no second read)', async () => {
    const path = join(dir, 'd.nrrd');
    writeFileSync(path, nrrdBytes([9, 8, 7, 6]));
    await prefetchImageFiles([path]);
    expect(prefetchedBytes(path)).toBeDefined();
    expect([...(await readImageFile(path)).data]).toEqual([9, 8, 7, 6]);
    expect(prefetchedBytes(path)).toBeUndefined(); // taken
  });
  it('a file rewritten after the prefetch is read again: its new content, not the prefetched one', async () => {
    const path = join(dir, 'e.nrrd');
    writeFileSync(path, nrrdBytes([1, 1, 1, 1]));
    await prefetchImageFiles([path]);
    // a longer header: the size differs, whatever the clock's resolution
    const head = Buffer.from('NRRD0004\n# rewritten\ntype: short\ndimension: 3\nsizes: 2 2 1\nendian: little\nencoding: raw\n\n', 'latin1');
    writeFileSync(path, Buffer.concat([head, Buffer.from(Int16Array.from([2, 3, 4, 5]).buffer)]));
    expect(prefetchedBytes(path)).toBeUndefined();
    expect([...(await readImageFile(path)).data]).toEqual([2, 3, 4, 5]);
  });
  it('a .nii.gz is inflated on the thread pool too, and read back as the synchronous reader reads it', async () => {
    // a 3 x 2 x 1 int16 NIfTI-1 image, header written field by field
    const hdr = Buffer.alloc(352);
    hdr.writeInt32LE(348, 0);
    hdr.writeInt16LE(3, 40); hdr.writeInt16LE(3, 42); hdr.writeInt16LE(2, 44); hdr.writeInt16LE(1, 46);
    hdr.writeInt16LE(4, 70); hdr.writeInt16LE(16, 72); // datatype int16, 16 bits
    hdr.writeFloatLE(1, 76); hdr.writeFloatLE(0.5, 80); hdr.writeFloatLE(0.5, 84); hdr.writeFloatLE(2, 88);
    hdr.writeFloatLE(352, 108); // vox_offset
    hdr.write('n+1\0', 344, 'latin1');
    const raw = Buffer.concat([hdr, Buffer.from(Int16Array.from([1, -2, 3, -4, 5, -6]).buffer)]);
    const path = join(dir, 'f.nii.gz');
    writeFileSync(path, gzipSync(raw));
    await prefetchImageFiles([path]);
    expect(prefetchedBytes(path)).toBeDefined();
    const v = await readImageFile(path);
    expect([...v.data]).toEqual([1, -2, 3, -4, 5, -6]);
    expect(v).toEqual(readNifti(raw));
    expect(prefetchedBytes(path)).toBeUndefined(); // taken
  });
});
