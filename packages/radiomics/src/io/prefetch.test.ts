/** Prefetched NRRD inputs: handed out once, and only for exactly the bytes that were prefetched. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prefetchedBytes, prefetchImageFiles, takePrefetched } from './prefetch.ts';
import { readImageBuffer, readImageFile } from './index.ts';

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
});
