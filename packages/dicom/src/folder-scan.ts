/**
 * A folder (or one file) of DICOM Part 10 files read by header, for tools that look at what a folder
 * holds before reading any pixel: `tace-risk dicom inspect|volume|mask`. Unlike FolderStudySource
 * (a service's index, which keeps only what routing needs and drops what it cannot read), the scan
 * keeps every header and says which files were not DICOM or could not be parsed, and why.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isTaceError, TaceError } from '@tace/common';
import { parseDicom, sourceName, type DicomInstance } from './instance.ts';
import { TAG } from './tags.ts';

/** Header bytes read first; a header longer than this (large SEG functional groups) is read whole. */
const HEADER_BYTES = 64 * 1024;
/** Files read at once: enough to overlap I/O, few enough not to hold hundreds of descriptors. */
const CONCURRENCY = 8;

export interface ScannedFile {
  path: string;
  /** Header only (parsed up to Pixel Data): readScannedFile() reads the pixels. */
  header: DicomInstance;
}

export interface FolderScan {
  /** The folder or file given. */
  root: string;
  /** DICOM files, in path order. */
  files: ScannedFile[];
  /** Files without the DICM preamble (relative to root). */
  notDicom: string[];
  /** DICOM files whose header cannot be parsed. */
  unreadable: Array<{ path: string; code: string; message: string }>;
}

const notFound = (path: string, e: unknown): TaceError =>
  new TaceError('DICOM_INPUT_NOT_FOUND', `'${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    { httpStatus: 404, detail: { path } });

/** Regular files under dir (recursive, names sorted). Symlinked files are followed, symlinked folders not (cycles). */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isFile())) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

export type HeaderRead = { header: DicomInstance } | { notDicom: true } | { error: TaceError };

/**
 * The header of one file: parsed up to Pixel Data from its first 64 KiB, else (large SEG
 * functional groups, a deflated data set) from the whole file. Throws only when the file cannot
 * be opened. Shared by the folder scan and the folder study source's index.
 */
export async function readDicomHeader(path: string): Promise<HeaderRead> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEADER_BYTES, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head.length < 132 || head.toString('latin1', 128, 132) !== 'DICM') return { notDicom: true };
  try {
    return { header: parseDicom(head, { untilTag: TAG.PixelData, source: sourceName(path) }) };
  } catch {
    // the header did not fit in the first bytes, or the data set is deflated: parse the whole file
    try {
      const whole = await readFile(path);
      return { header: parseDicom(new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength), { untilTag: TAG.PixelData, source: sourceName(path) }) };
    } catch (e) {
      return { error: isTaceError(e) ? e : new TaceError('DICOM_PARSE_ERROR', String(e)) };
    }
  }
}

/**
 * Read the header of every file under `root` (a folder, walked recursively, or one file).
 * A missing root is DICOM_INPUT_NOT_FOUND (404); a file that vanishes or cannot be opened during
 * the walk is listed as unreadable, not fatal.
 */
export async function scanDicomFolder(root: string): Promise<FolderScan> {
  const st = await stat(root).catch((e: unknown) => { throw notFound(root, e); });
  const paths = st.isDirectory() ? await listFiles(root).catch((e: unknown) => { throw notFound(root, e); }) : [root];
  const reads: HeaderRead[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      reads[i] = await readDicomHeader(paths[i]!).catch((e: unknown) => ({ error: notFound(paths[i]!, e) }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, worker));
  const scan: FolderScan = { root, files: [], notDicom: [], unreadable: [] };
  const rel = (p: string): string => (st.isDirectory() ? relative(root, p) : p);
  reads.forEach((r, i) => {
    const path = paths[i]!;
    if ('header' in r) scan.files.push({ path, header: r.header });
    else if ('notDicom' in r) scan.notDicom.push(rel(path));
    else scan.unreadable.push({ path: rel(path), code: r.error.code, message: r.error.message });
  });
  return scan;
}

/** The whole instance (pixel data included) behind a scanned header. */
export async function readScannedFile(f: ScannedFile): Promise<DicomInstance> {
  const b = await readFile(f.path).catch((e: unknown) => { throw notFound(f.path, e); });
  // a view keeping byteOffset: readFile of a small file may return a slice of Node's shared pool
  return parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}
