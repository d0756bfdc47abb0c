import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { TaceError } from '@tace/common';
import { parseDicom, type DicomInstance } from './instance.ts';
import { groupSeries, type StudyFiles, type StudySource } from './study-source.ts';
import { TAG } from './tags.ts';

/** Header bytes read per file when indexing; files whose header is longer are read whole. */
const HEADER_BYTES = 64 * 1024;

/**
 * Copy a file into its own ArrayBuffer. `readFileSync(p).buffer` may be Node's shared pool for
 * small files, so views must respect byteOffset; a private copy sidesteps that entirely.
 */
export function readDicomFile(path: string): DicomInstance {
  const b = readFileSync(path);
  return parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

function readHeader(path: string): DicomInstance | undefined {
  const fd = openSync(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, head, 0, HEADER_BYTES, 0);
    head = head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  if (head.length < 132 || head.toString('latin1', 128, 132) !== 'DICM') return undefined;
  try {
    return parseDicom(head, { untilTag: TAG.PixelData });
  } catch {
    // The header did not fit (large SEG functional groups) or the file is deflated: read it whole.
    try { return readDicomFile(path); } catch { return undefined; }
  }
}

/**
 * Studies from a folder tree of DICOM Part 10 files (`.dcm`, or any file with the DICM
 * preamble). The tree is indexed once, by header only; `getStudy` then reads that study's
 * files in full. Call `refresh()` after files change.
 */
export class FolderStudySource implements StudySource {
  readonly rootDir: string;
  private index: Map<string, string[]> | undefined;

  constructor(rootDir: string) {
    this.rootDir = rootDir;
  }

  refresh(): void {
    this.index = undefined;
  }

  /** StudyInstanceUID → file paths. */
  studies(): Map<string, string[]> {
    if (this.index) return this.index;
    const idx = new Map<string, string[]>();
    const walk = (dir: string): void => {
      let entries;
      try { entries = readdirSync(dir, { withFileTypes: true }); } catch (e) {
        throw new TaceError('DICOM_SOURCE_UNAVAILABLE', 'The study folder cannot be read', { httpStatus: 503, retryable: true, cause: e });
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) { walk(p); continue; }
        if (!e.isFile()) continue;
        const h = readHeader(p);
        const uid = h?.studyInstanceUid;
        if (!uid) continue;
        idx.set(uid, [...(idx.get(uid) ?? []), p]);
      }
    };
    walk(this.rootDir);
    this.index = idx;
    return idx;
  }

  async getStudy(studyInstanceUid: string): Promise<StudyFiles> {
    const paths = this.studies().get(studyInstanceUid);
    if (!paths) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID in the study folder', { httpStatus: 404 });
    }
    return groupSeries(studyInstanceUid, paths.map(readDicomFile));
  }
}
