import { createHash } from 'node:crypto';

/**
 * The run id is deterministic in (patient, study UID, segmentation UID, model id + version): the same
 * inputs give the same BullMQ job id and the same RiskAssessment identifier, which is what makes
 * a duplicate trigger (EHR retry, two systems asking at once) collapse into one run.
 * It is a hash, so it carries no identifier of the patient, and it never contains `|` (which
 * would break FHIR token search on the identifier).
 */
export function computeRunId(i: { patientReference: string; studyInstanceUid: string; segmentationUid: string; modelId: string; modelVersion: string }): string {
  // The patient is part of it: a request naming the wrong patient gets a run of its own, which
  // fails, and cannot occupy the id the correct request needs.
  const canonical = JSON.stringify([i.patientReference, i.studyInstanceUid, i.segmentationUid, i.modelId, i.modelVersion]);
  return 'run-' + createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

export const RUN_ID_PATTERN = /^run-[0-9a-f]{32}$/;
