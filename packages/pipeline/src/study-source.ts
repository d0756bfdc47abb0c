import { CompositeStudySource, DicomWebStudySource, dicomWebAuthFromSettings, FolderStudySource, ReceivedStudySource, type DicomWebAuth, type StudySource } from '@tace/dicom';
import { dicomWebAuthMode, type Config } from './config.ts';

/** The TACE_DICOMWEB_AUTH credentials (secret files read now), for reading studies and for STOW. */
export function dicomWebAuthFrom(cfg: Config, timeoutMs: number): DicomWebAuth {
  return dicomWebAuthFromSettings({
    mode: dicomWebAuthMode(cfg),
    username: cfg.dicomWebUsername, passwordFile: cfg.dicomWebPasswordFile,
    token: cfg.dicomWebToken, tokenFile: cfg.dicomWebTokenFile,
    tokenUrl: cfg.dicomWebTokenUrl, clientId: cfg.dicomWebClientId, clientSecretFile: cfg.dicomWebClientSecretFile, scope: cfg.dicomWebScope,
  }, { timeoutMs: Math.min(timeoutMs, 30_000) });
}

/**
 * The configured study source: the PACS over DICOMweb when TACE_DICOMWEB_URL is set (with the
 * TACE_DICOMWEB_AUTH credentials, secret files read now), else the folder; with the DIMSE SCP on,
 * the received-instances store is asked first.
 */
export function studySourceFrom(cfg: Config): StudySource {
  const configured = configuredSource(cfg);
  return cfg.dimsePort !== undefined ? new CompositeStudySource([new ReceivedStudySource(cfg.dimseStoreDir ?? './var/received'), configured]) : configured;
}

function configuredSource(cfg: Config): StudySource {
  if (cfg.dicomWebUrl) {
    const timeoutMs = cfg.dicomWebTimeoutMs ?? 60_000;
    const auth = dicomWebAuthFrom(cfg, timeoutMs);
    return new DicomWebStudySource({ baseUrl: cfg.dicomWebUrl, timeoutMs, auth, maxPartBytes: (cfg.dicomWebMaxPartMb ?? 1024) * 1024 * 1024 });
  }
  return new FolderStudySource(cfg.dicomFolder!);
}
