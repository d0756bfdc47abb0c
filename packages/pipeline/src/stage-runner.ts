import { errorInfo, type Logger } from '@tace/common';
import { ENDED_STATUSES, type RunRecord, type RunRegistry, type StageName } from '@tace/jobs';

export interface StageOutcome {
  /** true when the failure is final (bad data, or retries used up): the run is marked failed. */
  final: boolean;
  code: string;
  message: string;
}

/**
 * Runs one stage of one run and keeps its record true: running → (next stage | failed).
 * A data error (non-retryable TaceError) fails the run at once with its stable code; a
 * transient error is rethrown for the queue to retry, and only the last attempt marks the
 * run failed. The run's input stays in its record, so a failed run can be replayed.
 */
export async function runStage<T>(
  stage: StageName,
  runId: string,
  deps: { registry: RunRegistry; log: Logger },
  work: (rec: RunRecord) => Promise<T>,
  opts: { lastAttempt: boolean },
): Promise<{ ok: true; value: T } | { ok: false; outcome: StageOutcome; error: unknown }> {
  const log = deps.log.child({ runId, stage });
  const rec = await deps.registry.get(runId);
  if (!rec) {
    const outcome = { final: true, code: 'RUN_NOT_FOUND', message: `run ${runId} has no record` };
    return { ok: false, outcome, error: new Error(outcome.message) };
  }
  const ended = (r: RunRecord) => {
    const outcome = { final: true, code: 'RUN_CANCELLED', message: `run is ${r.status}; the ${stage} stage does not run` };
    log.info({ status: r.status }, 'stage skipped: run ended');
    return { ok: false as const, outcome, error: new Error(outcome.message) };
  };
  if (ENDED_STATUSES.has(rec.status)) return ended(rec);
  // Found 'running' at this very stage: the attempt before died with its process (a failing
  // attempt sets the run back to queued or failed). Twice is a pattern, not bad luck.
  const died = rec.status === 'running' && rec.stage === stage;
  const crashes = (rec.crashes ?? 0) + (died ? 1 : 0);
  if (crashes >= MAX_CRASHES) return quarantine(deps, log, runId, stage, crashes);
  const started = await deps.registry.update(runId, { status: 'running', stage, error: null, ...(died ? { crashes } : {}) });
  if (ENDED_STATUSES.has(started.status)) return ended(started); // cancelled in between
  const t0 = performance.now();
  try {
    const value = await work(started);
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    await deps.registry.update(runId, { timingsMs: { [stage]: ms } });
    log.info({ ms }, 'stage done');
    return { ok: true, value };
  } catch (e) {
    const info = errorInfo(e);
    if (info.code === 'WORKER_CRASHED' && crashes + 1 >= MAX_CRASHES) return quarantine(deps, log, runId, stage, crashes + 1, info.message);
    const final = !info.retryable || opts.lastAttempt;
    log[final ? 'error' : 'warn']({ code: info.code, reason: info.message, final }, 'stage failed');
    if (final) {
      await deps.registry.update(runId, { status: 'failed', stage, error: { code: info.code, message: info.message, stage } });
    } else {
      await deps.registry.update(runId, { status: 'queued', stage, ...(info.code === 'WORKER_CRASHED' ? { crashes: crashes + 1 } : {}) });
    }
    return { ok: false, outcome: { final, code: info.code, message: info.message }, error: e };
  }
}

/** Crashes of one run's stage (its process or scoring thread died) before it is quarantined. */
export const MAX_CRASHES = 2;

async function quarantine(deps: { registry: RunRegistry }, log: Logger, runId: string, stage: StageName, crashes: number, detail?: string) {
  const message = `the ${stage} stage of this run crashed its worker ${crashes} times${detail ? ` (last: ${detail})` : ''}; quarantined: it is not retried automatically — look at the case, then replay it`;
  log.error({ code: 'WORKER_CRASHED', crashes }, 'run quarantined');
  await deps.registry.update(runId, { status: 'failed', stage, crashes, quarantined: true, error: { code: 'WORKER_CRASHED', message, stage } });
  return { ok: false as const, outcome: { final: true, code: 'WORKER_CRASHED', message }, error: new Error(message) };
}
