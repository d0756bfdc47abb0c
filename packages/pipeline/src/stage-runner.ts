import { errorInfo, type Logger } from '@tace/common';
import type { RunRecord, RunRegistry, StageName } from '@tace/jobs';

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
  await deps.registry.update(runId, { status: 'running', stage, error: null });
  const t0 = performance.now();
  try {
    const value = await work(rec);
    const ms = Math.round((performance.now() - t0) * 10) / 10;
    await deps.registry.update(runId, { timingsMs: { [stage]: ms } });
    log.info({ ms }, 'stage done');
    return { ok: true, value };
  } catch (e) {
    const info = errorInfo(e);
    const final = !info.retryable || opts.lastAttempt;
    log[final ? 'error' : 'warn']({ code: info.code, reason: info.message, final }, 'stage failed');
    if (final) {
      await deps.registry.update(runId, { status: 'failed', stage, error: { code: info.code, message: info.message, stage } });
    } else {
      await deps.registry.update(runId, { status: 'queued', stage });
    }
    return { ok: false, outcome: { final, code: info.code, message: info.message }, error: e };
  }
}
