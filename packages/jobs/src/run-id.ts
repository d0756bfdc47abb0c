import { createHash } from 'node:crypto';

/**
 * The run id is deterministic in (study UID, segmentation UID, model id + version): the same
 * inputs give the same BullMQ job id and the same RiskAssessment identifier, which is what makes
 * a duplicate trigger (EHR retry, two systems asking at once) collapse into one run.
 * It is a hash, so it carries no identifier of the patient, and it never contains `|` (which
 * would break FHIR token search on the identifier).
 */
export function computeRunId(i: { studyInstanceUid: string; segmentationUid: string; modelId: string; modelVersion: string }): string {
  const canonical = JSON.stringify([i.studyInstanceUid, i.segmentationUid, i.modelId, i.modelVersion]);
  return 'run-' + createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export const RUN_ID_PATTERN = /^run-[0-9a-f]{32}$/;
