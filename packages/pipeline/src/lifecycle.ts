import type { MedplumClient } from '@medplum/core';
import { isTaceError, TaceError, type Logger } from '@tace/common';
import { retractResult } from '@tace/fhir';
import type { RunRecord, RunRegistry } from '@tace/jobs';
import { requeueStage, type Queues } from './queues.ts';
import { causeOf } from './submit.ts';

/** Who asks for a change to a run: the verified token's subject (and its issuer). */
export interface Actor {
  sub: string;
  issuer?: string;
}

export interface LifecycleDeps {
  registry: RunRegistry;
  log: Logger;
  /** The stage queues; absent where stages run inline (the demo). */
  queues?: Queues;
  fhir?: MedplumClient;
}

async function mustGet(registry: RunRegistry, runId: string): Promise<RunRecord> {
  const rec = await registry.get(runId);
  if (!rec) throw new TaceError('RUN_NOT_FOUND', `no run ${runId}`, { httpStatus: 404 });
  return rec;
}

/**
 * Cancel a run that has not been published: its waiting job is removed and its record says
 * cancelled, by whom and why; a stage still running finishes without moving it on (the registry
 * ignores patches to an ended run). A run being published cannot be cancelled (its transaction may
 * already be at the EHR): retract it once done. Cancelling a cancelled run changes nothing.
 */
export async function cancelRun(deps: LifecycleDeps, runId: string, by: Actor, reason?: string): Promise<RunRecord> {
  const rec = await mustGet(deps.registry, runId);
  if (rec.status === 'cancelled') return rec;
  // Checked inside the update, not before it: a publish that starts between a read and a write
  // would otherwise write to the EHR under a run that says cancelled.
  const refusal = (r: RunRecord): TaceError | undefined =>
    r.status === 'done' || r.status === 'retracted'
      ? new TaceError('RUN_PUBLISHED', `run is ${r.status}: its result is in the EHR; retract it instead`, { httpStatus: 409 })
      : r.status === 'running' && r.stage === 'publish'
        ? new TaceError('RUN_PUBLISHING', 'the result is being written to the EHR; wait until it is done, then retract it', { httpStatus: 409 })
        : undefined;
  const cancellation = { by: by.sub, at: new Date().toISOString(), ...(reason ? { reason } : {}) };
  const after = await deps.registry.update(runId, { status: 'cancelled', cancellation, onlyIf: (r) => !refusal(r) });
  if (after.status !== 'cancelled') throw refusal(after) ?? new TaceError('RUN_PUBLISHING', `run is ${after.status}`, { httpStatus: 409 });
  const job = await deps.queues?.[after.stage].getJob(runId);
  if (job && ['waiting', 'delayed', 'prioritized', 'failed', 'waiting-children'].includes(await job.getState())) await job.remove();
  deps.log.info({ runId, stage: after.stage }, 'run cancelled');
  return after;
}

/**
 * Retract a published result: RiskAssessment entered-in-error, worklist Task cancelled, and a
 * Provenance naming the caller and the reason, in one FHIR transaction; then the run is
 * `retracted`. If the EHR write fails nothing changes here and the caller may try again.
 */
export async function retractRun(deps: LifecycleDeps & { fhir: MedplumClient }, runId: string, by: Actor, reason: string): Promise<RunRecord> {
  const rec = await mustGet(deps.registry, runId);
  if (rec.status === 'retracted') return rec;
  if (rec.status !== 'done' || !rec.fhir) {
    throw new TaceError('RUN_NOT_PUBLISHED', `run is ${rec.status}: nothing was written to the EHR; cancel it instead`, { httpStatus: 409 });
  }
  const at = new Date().toISOString();
  let provenance: string;
  try {
    ({ provenance } = await retractResult(deps.fhir, { riskAssessmentRef: rec.fhir.riskAssessment, ...(rec.fhir.task ? { taskRef: rec.fhir.task } : {}), by, reason, at }));
  } catch (e) {
    if (isTaceError(e)) throw e;
    // A refusal by the EHR (the resource changed since it was read, a permission): nothing was
    // written, the run stays done, and the caller may try again.
    deps.log.error({ runId, cause: causeOf(e) }, 'retraction refused by the FHIR server');
    throw new TaceError('FHIR_WRITE_REFUSED', 'The FHIR server refused the retraction; nothing was changed — try again', { httpStatus: 502, cause: e });
  }
  const after = await deps.registry.update(runId, { status: 'retracted', retraction: { by: by.sub, at, reason, provenance } });
  deps.log.info({ runId }, 'result retracted');
  return after;
}

/**
 * Replay a failed (or cancelled) run from the stage where it stopped, with its kept input. A
 * quarantined run is replayed only this way, deliberately; its crash count starts again.
 */
export async function replayRun(deps: LifecycleDeps & { queues: Queues }, runId: string): Promise<RunRecord> {
  const rec = await mustGet(deps.registry, runId);
  if (rec.status !== 'failed' && rec.status !== 'cancelled') {
    throw new TaceError('RUN_NOT_FAILED', `run is ${rec.status}; only failed or cancelled runs are replayed`, { httpStatus: 409 });
  }
  const stage = rec.error?.stage ?? rec.stage;
  const after = await deps.registry.update(runId, { status: 'queued', stage, error: null, cancellation: null, crashes: 0, quarantined: false, reopen: true });
  await requeueStage(deps.queues, stage, runId, stage === 'infer' ? { caseKey: rec.caseKey } : {});
  deps.log.info({ runId, stage }, 'run replayed');
  return after;
}
