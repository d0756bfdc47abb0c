import { TaceError } from '@tace/common';
import { cStoreInstances, resultUids, stowInstances, writeKeyImage, writeRiskSr, type HeadersFn } from '@tace/dicom';
import type { CaseBundle, DirCaseStore, PacsRefs, RunRecord } from '@tace/jobs';
import type { Config } from './config.ts';
import { asPublishable } from './publish.ts';

/** Where a run's SR and key image go (TACE_PACS_RESULTS). */
export type PacsTarget =
  | { mode: 'stow'; url: string; timeoutMs: number; headers?: HeadersFn; verify?: boolean }
  | { mode: 'cstore'; host: string; port: number; calledAeTitle: string; callingAeTitle: string; timeoutMs: number };

/**
 * The PACS target the configuration asks for, or undefined when results stay out of the PACS.
 * `headers` authenticates DICOMweb requests (basic, bearer or OAuth2: given by the caller).
 */
export function pacsTargetFrom(cfg: Config, headers?: HeadersFn): PacsTarget | undefined {
  const timeoutMs = cfg.pacsTimeoutMs ?? 30_000;
  if (cfg.pacsResults === 'stow') return { mode: 'stow', url: cfg.pacsStowUrl!, timeoutMs, ...(headers ? { headers } : {}) };
  if (cfg.pacsResults === 'cstore') {
    const ae = cfg.pacsAe!;
    return { mode: 'cstore', host: ae.host, port: ae.port, calledAeTitle: ae.aeTitle, callingAeTitle: cfg.pacsCallingAe ?? 'TACE_RISK', timeoutMs };
  }
  return undefined;
}

/** The SR and the key image of a run, from its record (the score) and its case (pixels, study header). */
export function buildPacsObjects(rec: RunRecord, c: CaseBundle): { sr: Uint8Array; keyImage: Uint8Array } {
  const score = asPublishable(rec.result);
  const header = c.source.header;
  if (!header) {
    throw new TaceError('CASE_DICOM_HEADER_MISSING', 'the case was stored without the study header the PACS objects copy (an older case); replay the run from ingestion');
  }
  const model = { id: score.model.id, version: score.model.version, name: score.model.name, weightsSha256: score.model.weightsSha256, syntheticDemo: score.model.syntheticDemo };
  const common = { runId: rec.runId, header, probability: score.probability, riskGroup: score.riskGroup, model, scoredAt: score.scoredAt };
  return {
    sr: writeRiskSr({ ...common, factors: score.points, totalPoints: score.totalPoints }),
    keyImage: writeKeyImage({ ...common, image: c.image, mask: c.mask, cropOffset: c.source.cropOffset }),
  };
}

/**
 * Build and send a run's SR and key image: both in one STOW-RS request (or one C-STORE
 * association), so a failure leaves the pair to be sent again whole. The UIDs come from the run
 * id, so a resend replaces the same two instances instead of adding copies.
 */
export async function sendRunToPacs(deps: { target: PacsTarget; cases: DirCaseStore }, rec: RunRecord): Promise<PacsRefs> {
  if (!rec.caseKey) throw new TaceError('RUN_CONTEXT_MISSING', 'the run has no case; replay it from ingestion');
  const c = await deps.cases.get(rec.caseKey);
  const { sr, keyImage } = buildPacsObjects(rec, c);
  const t = deps.target;
  if (t.mode === 'stow') await stowInstances({ url: t.url, timeoutMs: t.timeoutMs, ...(t.headers ? { headers: t.headers } : {}), ...(t.verify === false ? { verify: false } : {}) }, [sr, keyImage]);
  else await cStoreInstances(t, [sr, keyImage]);
  const uids = resultUids(rec.runId);
  return { via: t.mode, studyInstanceUid: c.source.studyInstanceUid, srSopInstanceUid: uids.srInstance, keyImageSopInstanceUid: uids.scInstance, sentAt: new Date().toISOString() };
}
