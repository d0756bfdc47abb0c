import { OperationOutcomeError, type MedplumClient } from '@medplum/core';
import { isTaceError, TaceError, type Logger } from '@tace/common';
import { pickSegmentation, segmentationSummary, type StudySource } from '@tace/dicom';
import { isNotFound, isTransientFhirError, patientIdOf, withFhirRetry } from '@tace/fhir';
import { computeRunId, type AssessmentRequest, type RunRecord, type RunRegistry } from '@tace/jobs';

export interface SubmitDeps {
  fhir: MedplumClient;
  studies: StudySource;
  registry: RunRegistry;
  model: { id: string; version: string };
  log: Logger;
  /** Retries of the synchronous patient read (default 2, backoff 200 ms doubling). */
  fhirRetries?: number;
  fhirBackoffMs?: number;
}

/** What a log line may say about a failed call: code, HTTP status, message; never a body or an identifier. */
export function causeOf(e: unknown): Record<string, unknown> {
  if (isTaceError(e)) return { code: e.code, message: e.message, ...(e.detail?.status ? { status: e.detail.status } : {}) };
  // A server's OperationOutcome text may quote the request (ids): keep only its issue code.
  if (e instanceof OperationOutcomeError) return { name: e.name, issue: e.outcome.issue?.[0]?.code };
  if (e instanceof Error) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    return { name: e.name, message: e.message.slice(0, 200), ...(c?.code ? { cause: c.code } : {}) };
  }
  return { message: String(e).slice(0, 200) };
}

/** Starts a claimed run's first stage (queue or inline). */
export interface RunStarter {
  start(runId: string): Promise<void>;
}

/**
 * Checks what must be answered synchronously (the patient and the study exist), picks the
 * segmentation when none is named, derives the run id and claims the run. A second identical
 * submission finds the claimed run and starts nothing.
 */
export async function submitAssessment(
  deps: SubmitDeps,
  starter: RunStarter,
  req: AssessmentRequest,
): Promise<{ runId: string; created: boolean; record: RunRecord }> {
  const patientId = patientIdOf(req.patientReference); // `.`/`..` and other non-ids: 400
  try {
    const p = await withFhirRetry('checking the patient', () => deps.fhir.readResource('Patient', patientId), {
      retries: deps.fhirRetries ?? 2,
      backoffMs: deps.fhirBackoffMs ?? 200,
      onRetry: (attempt, delayMs, e) => deps.log.warn({ attempt, delayMs, cause: causeOf(e) }, 'patient check: FHIR read failed, retrying'),
    });
    if (p.resourceType !== 'Patient' || p.id !== patientId) throw new TaceError('FHIR_PATIENT_NOT_FOUND', 'The patient is not known to the FHIR server', { httpStatus: 404 });
  } catch (e) {
    if (isTaceError(e) && e.code === 'FHIR_PATIENT_NOT_FOUND') throw e;
    if (isNotFound(e)) {
      throw new TaceError('FHIR_PATIENT_NOT_FOUND', 'The patient is not known to the FHIR server', { httpStatus: 404 });
    }
    deps.log.error({ cause: causeOf(e) }, 'patient check failed');
    if (isTransientFhirError(e)) throw new TaceError('FHIR_UNAVAILABLE', 'The FHIR server could not be read; try again', { httpStatus: 503, retryable: true, cause: e });
    // A 4xx other than 404 (401/403 to our credentials, 400 to a malformed id): not the caller's
    // fault and not fixed by retrying at once.
    throw new TaceError('FHIR_REQUEST_REFUSED', 'The FHIR server refused to read the patient; see the service log', { httpStatus: 502, cause: e });
  }
  // Pick the segmentation now: its UID is part of the run id. From the source's header index when
  // it has one (no pixel data read in the request); else from the whole study. A study without
  // one still gets a run, which fails at ingest with DICOM_NO_SEGMENTATION (visible, replayable
  // once a SEG exists).
  const candidates = deps.studies.listSegmentations
    ? await deps.studies.listSegmentations(req.studyInstanceUid)
    : (await deps.studies.getStudy(req.studyInstanceUid)).series.flatMap((s) => s.instances).flatMap((i) => segmentationSummary(i) ?? []);
  let segUid = req.segmentationSopInstanceUid ?? '';
  try {
    segUid = pickSegmentation(candidates, req.segmentationSopInstanceUid).sopInstanceUid;
  } catch (e) {
    if (!isTaceError(e) || !['DICOM_NO_SEGMENTATION', 'DICOM_SEGMENTATION_NOT_FOUND'].includes(e.code)) throw e;
  }
  const request: AssessmentRequest = { ...req, ...(segUid ? { segmentationSopInstanceUid: segUid } : {}) };
  const runId = computeRunId({ patientReference: `Patient/${patientId}`, studyInstanceUid: req.studyInstanceUid, segmentationUid: segUid, modelId: deps.model.id, modelVersion: deps.model.version });
  let claimed: { created: boolean; record: RunRecord };
  try {
    claimed = await deps.registry.claim({ runId, status: 'queued', stage: 'ingest', request, model: deps.model });
  } catch (e) {
    throw new TaceError('QUEUE_UNAVAILABLE', 'The run registry (Redis) is unavailable; nothing was started, try again', { httpStatus: 503, retryable: true, cause: e });
  }
  const { created, record } = claimed;
  if (created) {
    deps.log.info({ runId, trigger: req.trigger }, 'run created');
    try {
      await starter.start(runId);
    } catch (e) {
      await deps.registry.update(runId, { status: 'failed', stage: 'ingest', error: { code: 'QUEUE_UNAVAILABLE', message: 'the run could not be queued; replay it', stage: 'ingest' } });
      throw new TaceError('QUEUE_UNAVAILABLE', 'The job queue is unavailable; the run is recorded as failed and can be replayed', { httpStatus: 503, retryable: true, cause: e });
    }
  }
  return { runId, created, record: (await deps.registry.get(runId)) ?? record };
}
