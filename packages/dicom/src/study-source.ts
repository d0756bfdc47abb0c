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
