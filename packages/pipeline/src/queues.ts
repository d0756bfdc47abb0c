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

/**
 * How fast a job held by a dead process goes back to the queue: its lock (renewed every
 * lockDuration / 2 by a live worker's event loop) expires, and the next stalled check (every
 * stalledIntervalMs, by any worker of the stage) moves it back: at most lock + interval.
 * BullMQ's defaults (30 s + 30 s) made a crash cost a minute. Infer and publish do their heavy
 * work off the event loop (scoring threads, network I/O), so a short lock is safe; ingest decodes
 * the CT on the event loop (seconds for a large series), so its lock tolerates a 15 s block.
 * maxStalledCount 1: the second stall fails the job ("stalled more than allowable limit"), which
 * the failure watcher turns into WORKER_CRASHED and quarantine.
 */
export const STALL_SETTINGS: Record<StageName, { lockDuration: number; stalledInterval: number; maxStalledCount: number }> = {
  ingest: { lockDuration: 30_000, stalledInterval: 5_000, maxStalledCount: 1 },
  infer: { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1 },
  publish: { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 1 },
};

/** A consumer for one stage, on its own blocking connection, with an error listener. */
export function createStageWorker(stage: StageName, redisUrl: string, log: Logger, processor: StageProcessor, concurrency = 1): Worker {
  const connection = redisConnection(redisUrl, log, 'blocking');
  const w = new Worker(QUEUES[stage], processor, { connection, concurrency, autorun: true, ...STALL_SETTINGS[stage] });
  w.on('error', (e) => log.warn({ stage, err: { message: e.message } }, 'worker error'));
  w.on('failed', (job, e) => log.warn({ stage, runId: job?.id, attempt: job?.attemptsMade, code: (e as { code?: string }).code }, 'job attempt failed'));
  return w;
}

export { UnrecoverableError };
