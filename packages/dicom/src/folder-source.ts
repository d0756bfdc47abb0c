import { readFileSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaceError } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { parseDicom, type DicomInstance } from './instance.ts';
import { groupSeries, type StudyFiles, type StudySource } from './study-source.ts';
import { TAG } from './tags.ts';

/** Header bytes read per file when indexing; files whose header is longer are read whole. */
const HEADER_BYTES = 64 * 1024;

/**
 * Parse a file held in a Node Buffer. `readFileSync(p).buffer` may be Node's shared pool for
 * small files, so the view must keep the Buffer's byteOffset and length.
 */
function parseBuffer(b: Buffer): DicomInstance {
  return parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

/** Read and parse one DICOM Part 10 file (synchronous; for tools and tests). */
export function readDicomFile(path: string): DicomInstance {
  return parseBuffer(readFileSync(path));
}

async function readHeader(path: string): Promise<DicomInstance | undefined> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEADER_BYTES, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (head.length < 132 || head.toString('latin1', 128, 132) !== 'DICM') return undefined;
  try {
    return parseDicom(head, { untilTag: TAG.PixelData });
  } catch {
    // The header did not fit (large SEG functional groups) or the data set is deflated: read it whole.
    try { return parseBuffer(await readFile(path)); } catch { return undefined; }
  }
}

/**
 * Studies from a folder tree of DICOM Part 10 files (any file with the DICM preamble, `.dcm`
 * or not). The tree is indexed by header only and the index cached; a study missing from the
 * cache triggers one re-index, so files added later are found. `getStudy` reads that study's
 * files in full.
 */
export class FolderStudySource implements StudySource {
  readonly rootDir: string;
  private index: Promise<Map<string, string[]>> | undefined;

  constructor(rootDir: string) {
    this.rootDir = rootDir;
  }

  refresh(): void {
    this.index = undefined;
  }

  /** StudyInstanceUID → file paths (sorted by path). */
  studies(): Promise<Map<string, string[]>> {
    this.index ??= this.buildIndex().catch((e: unknown) => { this.index = undefined; throw e; });
    return this.index;
  }

  private async buildIndex(): Promise<Map<string, string[]>> {
    const idx = new Map<string, string[]>();
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try { entries = await readdir(dir, { withFileTypes: true }); } catch (e) {
        throw new TaceError('DICOM_SOURCE_UNAVAILABLE', 'The study folder cannot be read', { httpStatus: 503, retryable: true, cause: e });
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) { await walk(p); continue; }
        if (!e.isFile()) continue;
        const uid = (await readHeader(p).catch(() => undefined))?.studyInstanceUid;
        if (!uid) continue;
        idx.set(uid, [...(idx.get(uid) ?? []), p]);
      }
    };
    await walk(this.rootDir);
    return idx;
  }

  async getStudy(studyInstanceUid: string): Promise<StudyFiles> {
    await loadCodecs();
    let paths = (await this.studies()).get(studyInstanceUid);
    if (!paths) {
      this.refresh();
      paths = (await this.studies()).get(studyInstanceUid);
    }
    if (!paths) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID in the study folder', { httpStatus: 404 });
    }
    const instances: DicomInstance[] = [];
    for (const p of paths) {
      let buf: Buffer;
      try { buf = await readFile(p); } catch (e) {
        this.refresh(); // the folder changed under us; the next call re-indexes
        throw new TaceError('DICOM_SOURCE_UNAVAILABLE', 'A file of the study vanished while reading it', { httpStatus: 503, retryable: true, cause: e });
      }
      instances.push(parseBuffer(buf));
    }
    return groupSeries(studyInstanceUid, instances);
  }
}
