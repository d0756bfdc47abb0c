import type { DicomInstance } from './instance.ts';
import type { SegmentationSummary } from './select.ts';

export interface SeriesFiles {
  seriesInstanceUid: string;
  modality: string;
  instances: DicomInstance[];
}

export interface StudyFiles {
  studyInstanceUid: string;
  series: SeriesFiles[];
}

/**
 * Where studies come from. Implementations: FolderStudySource (a folder tree of Part 10
 * files); a DICOMweb source (QIDO-RS to list series, WADO-RS to fetch instances) fits the same
 * interface. Unknown studies reject with TaceError DICOM_STUDY_NOT_FOUND (httpStatus 404);
 * transient failures with retryable errors.
 */
export interface StudySource {
  getStudy(studyInstanceUid: string): Promise<StudyFiles>;
  /**
   * The study's SEG/RTSTRUCT instances from headers only (an index), so a request handler can pick
   * the segmentation without reading the whole study; DICOM_STUDY_NOT_FOUND like getStudy.
   * Optional: sources without it are asked getStudy.
   */
  listSegmentations?(studyInstanceUid: string): Promise<SegmentationSummary[]>;
  /** Build whatever index the source keeps, at start-up, so the first request does not pay for it. */
  warm?(): Promise<void>;
  /**
   * The study's instances parsed up to Pixel Data only: enough to select, check identity or
   * fingerprint a study without reading its pixels. Optional: sources without it are asked getStudy.
   */
  getStudyHeaders?(studyInstanceUid: string): Promise<StudyFiles>;
}

/** The study's headers: getStudyHeaders where the source has it, else the whole study. */
export function studyHeaders(source: StudySource, studyInstanceUid: string): Promise<StudyFiles> {
  return source.getStudyHeaders ? source.getStudyHeaders(studyInstanceUid) : source.getStudy(studyInstanceUid);
}

/**
 * `fn` over every item with at most `limit` calls in flight, results in input order. Reading a
 * study's files one after another leaves the disk idle between files (libuv's pool has 4
 * threads): a 300-slice series took 4–5× its raw read time.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const n = next++;
      out[n] = await fn(items[n]!, n);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Group instances into series (order of first appearance; instances keep their order). */
export function groupSeries(studyInstanceUid: string, instances: readonly DicomInstance[]): StudyFiles {
  const bySeries = new Map<string, SeriesFiles>();
  for (const inst of instances) {
    const uid = inst.seriesInstanceUid;
    let s = bySeries.get(uid);
    if (!s) { s = { seriesInstanceUid: uid, modality: inst.modality, instances: [] }; bySeries.set(uid, s); }
    s.instances.push(inst);
  }
  return { studyInstanceUid, series: [...bySeries.values()] };
}
