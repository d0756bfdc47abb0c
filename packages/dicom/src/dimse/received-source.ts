import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTaceError, TaceError } from '@tace/common';
import { parseDicom } from '../instance.ts';
import { segmentationSummary, type SegmentationSummary } from '../select.ts';
import { readDicomHeader } from '../folder-scan.ts';
import { groupSeries, mapConcurrent, studyHeaders, type StudyFiles, type StudySource } from '../study-source.ts';
import { isValidUid } from './part10.ts';

const notFound = () => new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID among the received instances', { httpStatus: 404 });

/**
 * The studies the Storage SCP received, read straight from the store's layout
 * (`<study>/<series>/<sop>.dcm`): no index to go stale, so an instance that arrived a moment ago
 * is always seen (a folder index refreshes on an interval).
 */
export class ReceivedStudySource implements StudySource {
  readonly dir: string;
  constructor(dir: string) { this.dir = dir; }

  /** Paths of the study's instances, by series folder; DICOM_STUDY_NOT_FOUND when there are none. */
  async paths(studyInstanceUid: string): Promise<string[]> {
    if (!isValidUid(studyInstanceUid)) throw notFound();
    const studyDir = join(this.dir, studyInstanceUid);
    let series: string[];
    try {
      series = (await readdir(studyDir)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound();
      throw new TaceError('DICOM_SOURCE_UNAVAILABLE', 'The received-instances store cannot be read', { httpStatus: 503, retryable: true, cause: e });
    }
    const out: string[] = [];
    for (const s of series) {
      const files = await readdir(join(studyDir, s)).catch(() => [] as string[]);
      out.push(...files.filter((f) => f.endsWith('.dcm')).sort().map((f) => join(studyDir, s, f)));
    }
    if (out.length === 0) throw notFound();
    return out;
  }

  async getStudy(studyInstanceUid: string): Promise<StudyFiles> {
    const paths = await this.paths(studyInstanceUid);
    const instances = await mapConcurrent(paths, 8, async (p) => {
      const b = await readFile(p);
      try {
        return parseDicom(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      } catch (e) {
        throw new TaceError('DICOM_PARSE_ERROR', `Received file ${p.slice(this.dir.length + 1)} is not readable DICOM: ${(e as Error).message}`, { cause: e });
      }
    });
    return groupSeries(studyInstanceUid, instances);
  }

  /** Headers only (each file read up to Pixel Data): what selection, identity and fingerprints need. */
  async getStudyHeaders(studyInstanceUid: string): Promise<StudyFiles> {
    const paths = await this.paths(studyInstanceUid);
    const instances = await mapConcurrent(paths, 8, async (p) => {
      const r = await readDicomHeader(p);
      if ('header' in r) return r.header;
      throw new TaceError('DICOM_PARSE_ERROR', `Received file ${p.slice(this.dir.length + 1)} is not readable DICOM`, 'error' in r ? { cause: r.error } : {});
    });
    return groupSeries(studyInstanceUid, instances);
  }

  async listSegmentations(studyInstanceUid: string): Promise<SegmentationSummary[]> {
    return (await this.getStudyHeaders(studyInstanceUid)).series.flatMap((s) => s.instances).flatMap((i) => segmentationSummary(i) ?? []);
  }
}

/** Several sources asked in turn: the first that knows the study answers (DICOM_STUDY_NOT_FOUND moves on). */
export class CompositeStudySource implements StudySource {
  private readonly sources: readonly StudySource[];
  constructor(sources: readonly StudySource[]) { this.sources = sources; }

  private async first<T>(f: (s: StudySource) => Promise<T>): Promise<T> {
    let last: unknown = notFound();
    for (const s of this.sources) {
      try {
        return await f(s);
      } catch (e) {
        if (!isTaceError(e) || e.code !== 'DICOM_STUDY_NOT_FOUND') throw e;
        last = e;
      }
    }
    throw last;
  }

  getStudy(uid: string): Promise<StudyFiles> { return this.first((s) => s.getStudy(uid)); }

  listSegmentations(uid: string): Promise<SegmentationSummary[]> {
    return this.first((s) => s.listSegmentations ? s.listSegmentations(uid) : s.getStudy(uid).then((st) => st.series.flatMap((x) => x.instances).flatMap((i) => segmentationSummary(i) ?? [])));
  }

  getStudyHeaders(uid: string): Promise<StudyFiles> { return this.first((s) => studyHeaders(s, uid)); }

  async warm(): Promise<void> { await Promise.all(this.sources.map((s) => s.warm?.())); }
}
