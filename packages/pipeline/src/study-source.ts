import { DicomWebStudySource, FolderStudySource, type StudySource } from '@tace/dicom';
import type { Config } from './config.ts';

/** The configured study source: the PACS over DICOMweb when TACE_DICOMWEB_URL is set, else the folder. */
export function studySourceFrom(cfg: Config): StudySource {
  if (cfg.dicomWebUrl) {
    return new DicomWebStudySource({ baseUrl: cfg.dicomWebUrl, timeoutMs: cfg.dicomWebTimeoutMs ?? 60_000, ...(cfg.dicomWebToken ? { headers: { Authorization: `Bearer ${cfg.dicomWebToken}` } } : {}) });
  }
  return new FolderStudySource(cfg.dicomFolder!);
}
