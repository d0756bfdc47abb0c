import { createHash } from 'node:crypto';
import type { MedplumClient } from '@medplum/core';
import type { Redis } from 'ioredis';
import { isTaceError, TaceError, type Logger } from '@tace/common';
import { dicomPatientOf, selectCtAndSegmentation, studyHeaders, type StudyFiles, type StudySource } from '@tace/dicom';
import { isTransientFhirError, withFhirRetry } from '@tace/fhir';
import type { AssessmentRequest, RunRecord } from '@tace/jobs';
import type { IdentityConfig } from './identity.ts';
import type { StableVia } from './study-tracker.ts';

export interface StableStudyDeps {
  studies: StudySource;
  fhir: MedplumClient;
  identity: IdentityConfig;
  redis: Redis;
  log: Logger;
  submit: (req: AssessmentRequest) => Promise<{ runId: string; created: boolean; record: RunRecord }>;
  /** Re-queue a failed run whose inputs changed (same run id: same patient, study, segmentation, model). */
  replay: (runId: string) => Promise<unknown>;
  /** Redis key prefix; default 'tace:studies' (as StudyTracker). */
  prefix?: string;
}

export type StableOutcome =
  | { kind: 'started' | 'replayed'; runId: string }
  | { kind: 'unchanged'; runId: string }
  | { kind: 'failed'; code: string; runId?: string };

/** A stable study that could not be scored and why: kept until it is handled, for an operator to see and replay. */
export interface StudyFailure { studyInstanceUid: string; code: string; message: string; via: StableVia; at: string; runId?: string }

/**
 * How logs name a study: a short hash of its StudyInstanceUID (DICOM de-identification replaces
 * that UID, so logs carry none; an operator matches it with the failures list or the run record).
 */
export const studyLogRef = (studyInstanceUid: string): string => `study-${createHash('sha256').update(studyInstanceUid).digest('hex').slice(0, 12)}`;

const keys = (prefix = 'tace:studies') => ({ inputs: `${prefix}:inputs`, failed: `${prefix}:failed` });

/**
 * What the run would be computed from: the segmentation and the CT series it was drawn on with
 * its instance set; when nothing can be selected yet, every instance of the study (so any
 * arrival counts as a change).
 */
export function inputsFingerprint(study: StudyFiles): string {
  let parts: string[];
  try {
    const sel = selectCtAndSegmentation(study);
    parts = ['sel', sel.seg.sopInstanceUid, ...sel.ct.map((i) => i.sopInstanceUid).sort()];
  } catch {
    parts = ['all', ...study.series.flatMap((s) => s.instances.map((i) => `${s.seriesInstanceUid}/${i.sopInstanceUid}`)).sort()];
  }
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** FHIR token search value: `\`, `|`, `,` and `$` escaped (FHIR R4 search 3.1.1.9.1). */
const escapeToken = (s: string): string => s.replace(/[\\|,$]/g, (c) => `\\${c}`);

/**
 * The FHIR Patient a study belongs to, from its PatientID (+ IssuerOfPatientID) under the
 * configured identifier systems. None → DIMSE_PATIENT_UNKNOWN, several → DIMSE_PATIENT_AMBIGUOUS
 * (never a guess); messages name no identifier.
 */
export async function resolveStudyPatient(fhir: MedplumClient, identity: IdentityConfig, study: StudyFiles): Promise<string> {
  const first = study.series.flatMap((s) => s.instances)[0];
  const p = first ? dicomPatientOf(first) : {};
  if (!p.patientId) throw new TaceError('IDENTITY_DICOM_PATIENT_MISSING', 'The study carries no PatientID (0010,0020)');
  let systems: readonly string[];
  if (p.issuerOfPatientId !== undefined) {
    const system = identity.issuers?.[p.issuerOfPatientId];
    if (!system) throw new TaceError('IDENTITY_ISSUER_UNKNOWN', 'The study names an IssuerOfPatientID (0010,0021) that TACE_PATIENT_ID_ISSUERS does not map to an identifier system');
    systems = [system];
  } else {
    systems = identity.patientIdSystems;
  }
  const ids = new Set<string>();
  for (const system of systems) {
    const found = await withFhirRetry('finding the study\'s patient', () => fhir.searchResources('Patient', { identifier: `${system}|${escapeToken(p.patientId!)}`, _count: '2' }, { cache: 'no-cache' }), { retries: 2, backoffMs: 200 });
    for (const r of found) if (r.id) ids.add(r.id);
  }
  if (ids.size === 0) throw new TaceError('DIMSE_PATIENT_UNKNOWN', "No FHIR Patient has the study's PatientID under the configured identifier systems (TACE_PATIENT_ID_SYSTEMS / TACE_PATIENT_ID_ISSUERS)");
  if (ids.size > 1) throw new TaceError('DIMSE_PATIENT_AMBIGUOUS', "Several FHIR Patients have the study's PatientID; the study is not scored until one remains");
  return `Patient/${[...ids][0]}`;
}

/**
 * The stable-study callback: resolve the patient, and start a run only when the inputs differ
 * from those of the last run started for this study. A changed segmentation is a new run id; a
 * changed CT instance set under the same segmentation is the same run id, so a failed run is
 * replayed and a finished one is recorded as DIMSE_INPUTS_CHANGED_AFTER_RESULT for an operator.
 * A failure that may heal throws (the tracker tries again); any other is recorded (listed by
 * `studyFailures`) and logged with its code, never with an identifier.
 */
export async function handleStableStudy(deps: StableStudyDeps, studyInstanceUid: string, via: StableVia): Promise<StableOutcome> {
  const k = keys(deps.prefix);
  const log = deps.log.child({ study: studyLogRef(studyInstanceUid), via });
  const fail = async (e: TaceError, runId?: string): Promise<StableOutcome> => {
    const rec: StudyFailure = { studyInstanceUid, code: e.code, message: e.message, via, at: new Date().toISOString(), ...(runId ? { runId } : {}) };
    await deps.redis.hset(k.failed, studyInstanceUid, JSON.stringify(rec));
    log.warn({ code: e.code, ...(runId ? { runId } : {}) }, 'stable study not scored');
    return { kind: 'failed', code: e.code, ...(runId ? { runId } : {}) };
  };
  try {
    // Headers only: the fingerprint and the patient need no pixel; ingest reads the pixels once.
    const study = await studyHeaders(deps.studies, studyInstanceUid);
    const fingerprint = inputsFingerprint(study);
    const patientReference = await resolveStudyPatient(deps.fhir, deps.identity, study);
    const last = await deps.redis.hget(k.inputs, studyInstanceUid);
    const lastRun = last ? (JSON.parse(last) as { fingerprint: string; runId: string }) : undefined;
    if (lastRun?.fingerprint === fingerprint) {
      await deps.redis.hdel(k.failed, studyInstanceUid);
      log.info({ runId: lastRun.runId }, 'stable study: inputs unchanged, no new run');
      return { kind: 'unchanged', runId: lastRun.runId };
    }
    const { runId, created, record } = await deps.submit({ patientReference, studyInstanceUid, trigger: 'dicom-stable' });
    let outcome: StableOutcome = { kind: 'started', runId };
    if (!created) {
      if (record.status === 'failed' || record.status === 'cancelled') {
        await deps.replay(runId);
        outcome = { kind: 'replayed', runId };
      } else if (record.status === 'done' && lastRun) {
        await deps.redis.hset(k.inputs, studyInstanceUid, JSON.stringify({ fingerprint, runId }));
        return await fail(new TaceError('DIMSE_INPUTS_CHANGED_AFTER_RESULT', 'The CT series changed after its result was published under the same segmentation; retract the result and replay the run if the new images matter'), runId);
      }
    }
    await deps.redis.hset(k.inputs, studyInstanceUid, JSON.stringify({ fingerprint, runId }));
    await deps.redis.hdel(k.failed, studyInstanceUid);
    log.info({ runId, outcome: outcome.kind }, 'stable study submitted');
    return outcome;
  } catch (e) {
    if (isTaceError(e) && e.retryable) throw e;
    // An operator asking for a study that was never received: say so, keep no record.
    if (via === 'replay' && isTaceError(e) && e.code === 'DICOM_STUDY_NOT_FOUND') throw e;
    if (!isTaceError(e) && isTransientFhirError(e)) throw new TaceError('FHIR_UNAVAILABLE', 'The FHIR server could not be read; tried again later', { httpStatus: 503, retryable: true, cause: e });
    return fail(isTaceError(e) ? e : new TaceError('STABLE_STUDY_FAILED', (e as Error).message.slice(0, 200), { cause: e }));
  }
}

/** Stable studies that could not be scored, oldest first. */
export async function studyFailures(redis: Redis, prefix?: string): Promise<StudyFailure[]> {
  const all = await redis.hvals(keys(prefix).failed);
  return all.map((v) => JSON.parse(v) as StudyFailure).sort((a, b) => a.at.localeCompare(b.at));
}
