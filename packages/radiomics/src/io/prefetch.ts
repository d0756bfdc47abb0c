/**
 * Input files read and decompressed ahead of time. A fresh `radiomics extract` process spends ~35 ms
 * loading the engine's modules before it reads its inputs, then ~18 ms inflating them on the main
 * thread; bin/radiomics.mjs instead starts reading and inflating the image and mask (NRRD, or gzip-
 * compressed NIfTI; on the thread pool) first, so that work overlaps the module loading. readImageFile
 * then takes the decoded volume when the file is still the one read; otherwise it decodes as usual.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import type { Volume } from '@tace/common';
import { readImageBufferAsync } from './decode.ts';
import { isGzip, isNrrd } from './magic.ts';

interface Prefetched {
  bytes?: Uint8Array;
  /** the file as it was read: size, mtime, ctime, inode (prefetchedBytes hands the bytes out only while they match) */
  stamp?: string;
  volume?: Volume;
  /** settled when the decode has (fulfilled either way) */
  done?: Promise<void>;
}

const ahead = new Map<string, Prefetched>();

/**
 * Start reading and decoding NRRD and .nii.gz files (others are left alone); failures are ignored here and reported
 * by the real read. The returned promise (settled when all decodes have) is for tests; callers need not wait.
 */
export function prefetchImageFiles(paths: readonly string[]): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const path of paths) {
    if (ahead.has(path)) continue;
    // Read synchronously (page-cached inputs: ~1 ms): fs/promises reads in 512 kB chunks, one main-thread
    // turn each, and the main thread is busy loading modules; the inflate then runs on the thread pool.
    // Only NRRD (raw or gzip) and .nii.gz, told from the first 4 bytes before the whole file is read: a
    // DICOM SEG, an uncompressed .nii (nothing to inflate) or a folder costs no read here.
    let buf: Buffer;
    let stamp: string;
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      const head = Buffer.alloc(4);
      readSync(fd, head, 0, 4, 0);
      if (!isNrrd(head) && !isGzip(head)) continue;
      stamp = stampOf(fstatSync(fd));
      buf = readFileSync(fd);
    } catch {
      continue;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const entry: Prefetched = { bytes: buf, stamp };
    ahead.set(path, entry);
    entry.done = readImageBufferAsync(buf, path)
      .then((v) => { entry.volume = v; })
      .catch(() => { ahead.delete(path); });
    pending.push(entry.done);
  }
  return Promise.all(pending).then(() => undefined);
}

function stampOf(st: Stats): string {
  return `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
}

/**
 * The bytes prefetched from `path` if the file is still the one that was read (same size, mtime, ctime
 * and inode), so the reader need not read it a second time; undefined otherwise.
 */
export function prefetchedBytes(path: string): Uint8Array | undefined {
  const e = ahead.get(path);
  if (!e?.bytes || !e.stamp) return undefined;
  const st = statSync(path, { throwIfNoEntry: false });
  return st && stampOf(st) === e.stamp ? e.bytes : undefined;
}

/**
 * As takePrefetched, but waits for a decode still under way instead of giving up on it: the caller
 * would otherwise inflate the same bytes a second time on the main thread (a slow machine reaches its
 * readers before the thread pool has finished).
 */
export async function takePrefetchedAsync(path: string, bytes: Uint8Array): Promise<Volume | undefined> {
  const e = ahead.get(path);
  if (e?.done && !e.volume) await e.done;
  return takePrefetched(path, bytes);
}

/** The prefetched volume of `path` if it is decoded and was read from exactly `bytes` (taken once). */
export function takePrefetched(path: string, bytes: Uint8Array): Volume | undefined {
  const e = ahead.get(path);
  ahead.delete(path); // taken or not, the caller decodes `bytes` itself from now on
  if (!e?.volume || !e.bytes) return undefined;
  if (bytes === e.bytes) return e.volume; // the prefetched bytes themselves (prefetchedBytes)
  const a = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return a.equals(e.bytes) ? e.volume : undefined;
}
