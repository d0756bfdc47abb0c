import { Queue, QueueEvents } from 'bullmq';
import type { Logger } from '@tace/common';
import { ENDED_STATUSES, QUEUES, redisConnection, type RunRegistry, type StageName } from '@tace/jobs';

/** BullMQ's reason for a job whose holder died more often than maxStalledCount allows. */
const STALLED = /stalled more than allowable limit/i;

/**
 * The run record of a job BullMQ has failed for good. The stage runner records the failures it
 * sees itself; this covers the ones it cannot: a job whose worker died too often (BullMQ fails
 * it from the stalled check, in no processor), and an error thrown around the stage (the record
 * write, the next enqueue) on the last attempt. Without it such a run stayed `queued` forever
 * and could not be replayed.
 */
export async function recordFinalFailure(registry: RunRegistry, log: Logger, stage: StageName, runId: string, failedReason: string): Promise<boolean> {
  const rec = await registry.get(runId);
  if (!rec || rec.status === 'failed' || rec.status === 'done' || ENDED_STATUSES.has(rec.status)) return false;
  const stalled = STALLED.test(failedReason);
  const code = stalled ? 'WORKER_CRASHED' : (/^([A-Z][A-Z0-9_]+): /.exec(failedReason)?.[1] ?? 'JOB_FAILED');
  const message = stalled
    ? `the ${stage} worker died while holding this run, twice; quarantined: it is not retried automatically — look at the case, then replay it`
    : failedReason.replace(/^[A-Z][A-Z0-9_]+: /, '').slice(0, 500);
  await registry.update(runId, { status: 'failed', stage, error: { code, message, stage }, ...(stalled ? { quarantined: true, crashes: Math.max(2, rec.crashes ?? 0) } : {}) });
  log.error({ runId, stage, code }, 'job failed by the queue; run marked failed');
  return true;
}

export interface FailureWatcher {
  /** The sweep at start-up (failures while no watcher ran) has finished. */
  ready: Promise<number>;
  close(): Promise<void>;
}

/**
 * Listens for jobs of one stage that fail for good (QueueEvents, every process of the stage
 * hears every failure) and sweeps the failed set once at start-up for failures that happened
 * while no watcher was running. Idempotent: a run already failed is left as it is.
 */
export function watchFailedJobs(stage: StageName, redisUrl: string, registry: RunRegistry, log: Logger): FailureWatcher {
  const events = new QueueEvents(QUEUES[stage], { connection: redisConnection(redisUrl, log, 'blocking') });
  const queue = new Queue(QUEUES[stage], { connection: redisConnection(redisUrl, log, 'plain') });
  events.on('error', (e) => log.warn({ stage, err: { message: e.message } }, 'queue events error'));
  queue.on('error', (e) => log.warn({ stage, err: { message: e.message } }, 'queue error'));
  const handle = async (jobId: string, reason: string) => {
    try {
      const job = await queue.getJob(jobId);
      if (!job || (await job.getState()) !== 'failed') return false; // an attempt that will be retried
      return await recordFinalFailure(registry, log, stage, String(job.data?.runId ?? jobId), job.failedReason || reason);
    } catch (e) {
      log.warn({ stage, err: { message: (e as Error).message } }, 'could not record a failed job (the start-up sweep will)');
      return false;
    }
  };
  events.on('failed', ({ jobId, failedReason }) => void handle(jobId, failedReason));
  const ready = (async () => {
    let n = 0;
    for (let start = 0; ; start += 500) {
      const jobs = await queue.getFailed(start, start + 499);
      for (const j of jobs) if (j.id && (await handle(j.id, j.failedReason))) n++;
      if (jobs.length < 500) break;
    }
    return n;
  })().catch((e: unknown) => {
    log.warn({ stage, err: { message: (e as Error).message } }, 'failed-job sweep did not finish');
    return 0;
  });
  return {
    ready,
    async close() {
      await events.close();
      await queue.close();
    },
  };
}
