import { readFileSync, stat as statCallback, type Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TaceError } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { readDicomHeader } from './folder-scan.ts';
import { parseDicom, sourceName, type DicomInstance } from './instance.ts';
import { segmentationSummary, type SegmentationSummary } from './select.ts';
import { groupSeries, mapConcurrent, type StudyFiles, type StudySource } from './study-source.ts';
import { TAG } from './tags.ts';

/** Header bytes read per file when indexing; files whose header is longer are read whole. */
// Calls in flight during a walk: a first build of 17k files must not hold 17k descriptors open,
// and a short libuv queue lets the reads of a study being served pass between them.
const HEADER_CONCURRENCY = 16;
const STAT_CONCURRENCY = 32;

/**
 * Parse a file held in a Node Buffer. `readFileSync(p).buffer` may be Node's shared pool for
 * small files, so the view must keep the Buffer's byteOffset and length.
 */
function parseBuffer(b: Buffer, path?: string): DicomInstance {
  return parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path ? { source: sourceName(path) } : {});
}

/** Read and parse one DICOM Part 10 file (synchronous; for tools and tests). */
export function readDicomFile(path: string): DicomInstance {
  return parseBuffer(readFileSync(path), path);
}

/** The header of a Part 10 file; undefined when the file is not DICOM (or unreadable). Throws when it cannot be opened. */
async function readHeader(path: string): Promise<DicomInstance | undefined> {
  const r = await readDicomHeader(path);
  return 'header' in r ? r.header : undefined;
}

const unavailable = (cause: unknown): TaceError =>
  new TaceError('DICOM_SOURCE_UNAVAILABLE', 'The study folder cannot be read', { httpStatus: 503, retryable: true, cause });

/** What the index remembers of a file, so a refresh reads again only files that are new or changed. */
interface FileEntry { size: number; mtimeMs: number; studyUid: string | undefined; segmentation?: SegmentationSummary }
interface Index { files: Map<string, FileEntry>; byStudy: Map<string, string[]> }

export interface FolderStudySourceOptions {
  /** Least time between two refreshes triggered by unknown StudyInstanceUIDs; default 5000 ms. */
  minRefreshIntervalMs?: number;
  /** Monotonic clock in ms (tests inject one); default performance.now. */
  now?: () => number;
}

/**
 * Studies from a folder tree of DICOM Part 10 files (any file with the DICM preamble, `.dcm`
 * or not), indexed by header only. The index is built once (call `warm()` at start-up so the
 * first request does not pay for it) and refreshed incrementally: a refresh lists the tree
 * (readdir + stat) and reads the header only of files new or changed in size or mtime.
 *
 * An unknown StudyInstanceUID must not buy a walk of the tree, or any client can keep the
 * disk busy: a miss refreshes only if the last refresh ended `minRefreshIntervalMs` ago, or if
 * the root folder's mtime moved (one stat: a study folder or file dropped at the top level is
 * found at once; deeper additions wait out the interval). Otherwise the miss answers
 * DICOM_STUDY_NOT_FOUND from the index. Concurrent misses share one refresh; lookups of
 * indexed studies do not wait for it.
 * `getStudy` reads the study's files in full.
 */
export class FolderStudySource implements StudySource {
  readonly rootDir: string;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;
  private current: Index | undefined;
  private walking: Promise<Index> | undefined;
  private probing: Promise<boolean> | undefined;
  private stale = false;
  private lastWalkEnd = -Infinity;
  private rootMtimeMs: number | undefined;
  private readonly counters = { walks: 0, headerReads: 0 };

  constructor(rootDir: string, opts: FolderStudySourceOptions = {}) {
    this.rootDir = rootDir;
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 5000;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Make the next lookup refresh the index (incrementally), whatever the interval. */
  refresh(): void { this.stale = true; }

  /** Build the index now (services call it at start-up); later calls cost nothing. */
  async warm(): Promise<void> { await this.ready(); }

  /** StudyInstanceUID → file paths (names sorted within each folder). Do not mutate. */
  async studies(): Promise<Map<string, string[]>> {
    return (await this.ready()).byStudy;
  }

  /** Walks of the tree and headers read since construction, and the index size (for tests and metrics). */
  indexStats(): { walks: number; headerReads: number; files: number; studies: number } {
    return { ...this.counters, files: this.current?.files.size ?? 0, studies: this.current?.byStudy.size ?? 0 };
  }

  /** The study's SEG/RTSTRUCT from the index (headers read when indexing): no file is read. */
  async listSegmentations(studyInstanceUid: string): Promise<SegmentationSummary[]> {
    const paths = await this.studyPaths(studyInstanceUid);
    const files = this.current!.files; // set by the walk studyPaths awaited
    return paths.flatMap((p) => {
      const seg = files.get(p)?.segmentation;
      return seg ? [seg] : [];
    });
  }

  private async studyPaths(studyInstanceUid: string): Promise<string[]> {
    let paths = (await this.ready()).byStudy.get(studyInstanceUid);
    if (!paths) paths = (await this.refreshForMiss())?.byStudy.get(studyInstanceUid);
    if (!paths) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID in the study folder', { httpStatus: 404 });
    }
    return paths;
  }

  async getStudy(studyInstanceUid: string): Promise<StudyFiles> {
    await loadCodecs();
    const paths = await this.studyPaths(studyInstanceUid);
    const instances = await mapConcurrent(paths, 8, async (p) => {
      let buf: Buffer;
      try { buf = await readFile(p); } catch (e) {
        // The folder changed under us: refresh at the next lookup, reading this file's header again
        // if it is still there (one that cannot be opened then drops out, instead of failing forever).
        this.current?.files.delete(p);
        this.stale = true;
        throw new TaceError('DICOM_SOURCE_UNAVAILABLE', 'A file of the study vanished while reading it', { httpStatus: 503, retryable: true, cause: e });
      }
      // No file name on the service's path: its errors reach logs, and hospital exports name
      // files after patients; the instance is named by its SOP Instance UID instead.
      return parseBuffer(buf);
    });
    return groupSeries(studyInstanceUid, instances);
  }

  /** The index: built on first use; a refresh is awaited only when asked for (refresh(), a vanished file). */
  private ready(): Promise<Index> {
    return this.current && !this.stale ? Promise.resolve(this.current) : this.walk();
  }

  /** The refreshed index for a miss, or undefined when the miss must be answered from the index as is. */
  private async refreshForMiss(): Promise<Index | undefined> {
    if (this.walking) return this.walking;
    // Measured from the end of the last walk, so walks can never run back to back.
    if (this.now() - this.lastWalkEnd < this.minRefreshIntervalMs) {
      this.probing ??= stat(this.rootDir)
        .then((s) => s.mtimeMs !== this.rootMtimeMs, () => false)
        .finally(() => { this.probing = undefined; });
      if (!(await this.probing)) return undefined;
    }
    return this.walk();
  }

  /** Single-flight: callers during a walk share it; the index is swapped whole when it ends. */
  private walk(): Promise<Index> {
    if (this.walking) return this.walking;
    this.stale = false;
    this.counters.walks++;
    this.walking = this.scan().finally(() => { this.walking = undefined; this.lastWalkEnd = this.now(); });
    return this.walking;
  }

  private async scan(): Promise<Index> {
    // The root's mtime is taken before listing it, so a change during the walk shows at the next probe.
    const rootMtimeMs = (await stat(this.rootDir).catch((e: unknown) => { throw unavailable(e); })).mtimeMs;
    const paths = await listFiles(this.rootDir, true);
    const prev = this.current?.files;
    const entries: (FileEntry | undefined)[] = new Array(paths.length);
    const todo: [i: number, size: number, mtimeMs: number][] = [];
    (await statAll(paths)).forEach((s, i) => {
      if (!s) return; // vanished since readdir
      const old = prev?.get(paths[i]!);
      if (old && old.size === s.size && old.mtimeMs === s.mtimeMs) entries[i] = old;
      else todo.push([i, s.size, s.mtimeMs]);
    });
    let next = 0;
    const reader = async (): Promise<void> => {
      for (let k = next++; k < todo.length; k = next++) {
        const [i, size, mtimeMs] = todo[k]!;
        this.counters.headerReads++;
        // A non-DICOM file is remembered too (studyUid undefined) so it is not read at every walk;
        // one that cannot be opened is left out and tried again at the next walk.
        try {
          const head = await readHeader(paths[i]!);
          const segmentation = head ? segmentationSummary(head) : undefined;
          entries[i] = { size, mtimeMs, studyUid: head?.studyInstanceUid || undefined, ...(segmentation ? { segmentation } : {}) };
        } catch { /* vanished */ }
      }
    };
    await Promise.all(Array.from({ length: HEADER_CONCURRENCY }, reader));
    const files = new Map<string, FileEntry>();
    const byStudy = new Map<string, string[]>();
    paths.forEach((p, i) => {
      const e = entries[i];
      if (!e) return;
      files.set(p, e);
      if (!e.studyUid) return;
      const list = byStudy.get(e.studyUid);
      if (list) list.push(p); else byStudy.set(e.studyUid, [p]);
    });
    this.current = { files, byStudy };
    this.rootMtimeMs = rootMtimeMs;
    return this.current;
  }
}

/** Regular files under dir, names sorted within each folder so a study's paths keep a stable order. */
async function listFiles(dir: string, isRoot: boolean): Promise<string[]> {
  let ents;
  try { ents = await readdir(dir, { withFileTypes: true }); } catch (e) {
    if (!isRoot && (e as NodeJS.ErrnoException).code === 'ENOENT') return []; // removed during the walk
    throw unavailable(e);
  }
  const parts = await Promise.all(ents.sort((a, b) => a.name.localeCompare(b.name)).map((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listFiles(p, false) : Promise.resolve(e.isFile() ? [p] : []);
  }));
  return parts.flat();
}

/**
 * stat of every path, STAT_CONCURRENCY in flight, with callbacks: a promise per file made the
 * 17k-file listing about 1.5× slower. Async so a hung network mount cannot freeze the event loop.
 */
function statAll(paths: string[]): Promise<(Stats | undefined)[]> {
  const out: (Stats | undefined)[] = new Array(paths.length);
  let next = 0, done = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      const i = next++;
      statCallback(paths[i]!, (e, s) => {
        out[i] = e ? undefined : s;
        if (++done === paths.length) resolve(out); else if (next < paths.length) pump();
      });
    };
    if (!paths.length) resolve(out);
    for (let k = 0; k < Math.min(STAT_CONCURRENCY, paths.length); k++) pump();
  });
}
