import { DicomWebStudySource, dicomWebAuthFromSettings, FolderStudySource, type StudySource } from '@tace/dicom';
import { dicomWebAuthMode, type Config } from './config.ts';

/**
 * The configured study source: the PACS over DICOMweb when TACE_DICOMWEB_URL is set (with the
 * TACE_DICOMWEB_AUTH credentials, secret files read now), else the folder.
 */
export function studySourceFrom(cfg: Config): StudySource {
  if (cfg.dicomWebUrl) {
    const timeoutMs = cfg.dicomWebTimeoutMs ?? 60_000;
    const auth = dicomWebAuthFromSettings({
      mode: dicomWebAuthMode(cfg),
      username: cfg.dicomWebUsername, passwordFile: cfg.dicomWebPasswordFile,
      token: cfg.dicomWebToken, tokenFile: cfg.dicomWebTokenFile,
      tokenUrl: cfg.dicomWebTokenUrl, clientId: cfg.dicomWebClientId, clientSecretFile: cfg.dicomWebClientSecretFile, scope: cfg.dicomWebScope,
    }, { timeoutMs: Math.min(timeoutMs, 30_000) });
    return new DicomWebStudySource({ baseUrl: cfg.dicomWebUrl, timeoutMs, auth, maxPartBytes: (cfg.dicomWebMaxPartMb ?? 1024) * 1024 * 1024 });
  }
  return new FolderStudySource(cfg.dicomFolder!);
}
