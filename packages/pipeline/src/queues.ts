import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Logger } from '@tace/common';
import { QUEUES, redisConnection, type StageName } from '@tace/jobs';

/** Retries with exponential backoff for transient faults (FHIR 503, Redis blips). */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  // Failed jobs are kept: their input and reason stay visible and they can be replayed.
  removeOnFail: false,
};

export type Queues = Record<StageName, Queue>;

/**
 * Producer-side queues. Their connection fails fast (`enableOfflineQueue: false`) so an HTTP
 * request answers 503 at once while Redis is down instead of hanging.
 */
export function createQueues(redisUrl: string, log: Logger): Queues {
  const connection = redisConnection(redisUrl, log, 'fail-fast');
  const make = (stage: StageName): Queue => {
    const q = new Queue(QUEUES[stage], { connection, defaultJobOptions: JOB_OPTIONS });
    q.on('error', (e) => log.warn({ queue: QUEUES[stage], err: { message: e.message } }, 'queue error'));
    return q;
  };
  return { ingest: make('ingest'), infer: make('infer'), publish: make('publish') };
}

export async function closeQueues(q: Queues): Promise<void> {
  await Promise.all(Object.values(q).map((x) => x.close()));
}

/** Add a stage job whose id is the run id (BullMQ ignores a second add of the same id). */
export async function enqueueStage(queues: Queues, stage: StageName, runId: string, payload: Record<string, unknown>): Promise<void> {
  await queues[stage].add(stage, { runId, ...payload }, { jobId: runId });
}

/**
 * Put a failed run's stage job back: retry the kept failed job (same id, same input), or add
 * it again if it was removed.
 */
export async function requeueStage(queues: Queues, stage: StageName, runId: string, payload: Record<string, unknown>): Promise<void> {
  const job = await queues[stage].getJob(runId);
  if (job) {
    const state = await job.getState();
    if (state === 'failed') {
      await job.retry('failed');
      return;
    }
    if (state === 'completed' || state === 'unknown') await job.remove();
    else return; // waiting/active/delayed: already on its way
  }
  await enqueueStage(queues, stage, runId, payload);
}

export type StageProcessor = (job: Job<{ runId: string }>) => Promise<void>;

/** A consumer for one stage, on its own blocking connection, with an error listener. */
export function createStageWorker(stage: StageName, redisUrl: string, log: Logger, processor: StageProcessor, concurrency = 1): Worker {
  const connection = redisConnection(redisUrl, log, 'blocking');
  const w = new Worker(QUEUES[stage], processor, { connection, concurrency, autorun: true });
  w.on('error', (e) => log.warn({ stage, err: { message: e.message } }, 'worker error'));
  w.on('failed', (job, e) => log.warn({ stage, runId: job?.id, attempt: job?.attemptsMade, code: (e as { code?: string }).code }, 'job attempt failed'));
  return w;
}

export { UnrecoverableError };
