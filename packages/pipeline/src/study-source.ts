import { CompositeStudySource, DicomWebStudySource, FolderStudySource, ReceivedStudySource, type StudySource } from '@tace/dicom';
import type { Config } from './config.ts';

/**
 * The configured study source: the PACS over DICOMweb when TACE_DICOMWEB_URL is set, else the
 * folder; with the DIMSE SCP on, the received-instances store is asked first.
 */
export function studySourceFrom(cfg: Config): StudySource {
  const configured = configuredSource(cfg);
  return cfg.dimsePort !== undefined ? new CompositeStudySource([new ReceivedStudySource(cfg.dimseStoreDir ?? './var/received'), configured]) : configured;
}

function configuredSource(cfg: Config): StudySource {
  if (cfg.dicomWebUrl) {
    return new DicomWebStudySource({ baseUrl: cfg.dicomWebUrl, timeoutMs: cfg.dicomWebTimeoutMs ?? 60_000, ...(cfg.dicomWebToken ? { headers: { Authorization: `Bearer ${cfg.dicomWebToken}` } } : {}) });
  }
  return new FolderStudySource(cfg.dicomFolder!);
}
