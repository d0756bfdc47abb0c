import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { OperationOutcomeError } from '@medplum/core';
import { createLogger, TaceError } from '@tace/common';
import { MemoryRunRegistry, QUEUES, RedisRunRegistry, type RunRecord } from '@tace/jobs';
import { startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { recordFinalFailure, watchFailedJobs } from './failed-jobs.ts';
import { cancelRun, replayRun, retractRun } from './lifecycle.ts';
import { runStage } from './stage-runner.ts';

const log = createLogger('test', { level: 'silent' });
const request = { patientReference: 'Patient/p1', studyInstanceUid: '1.2.3', trigger: 'rest' as const };
async function newRun(reg: MemoryRunRegistry | RedisRunRegistry, runId: string, over: Partial<RunRecord> = {}): Promise<void> {
  await reg.claim({ runId, status: 'queued', stage: 'infer', request, model: { id: 'm', version: '1' } });
  if (Object.keys(over).length) await reg.update(runId, over);
}

describe('runStage: crashes and ended runs', () => {
  it('counts a run found running at its own stage as a crash, and quarantines at the second', async () => {
    const reg = new MemoryRunRegistry();
    await newRun(reg, 'r1', { status: 'running', stage: 'infer' }); // the attempt before died
    let ran = 0;
    const first = await runStage('infer', 'r1', { registry: reg, log }, async () => ++ran, { lastAttempt: false });
    expect(first.ok).toBe(true);
    expect((await reg.get('r1'))!.crashes).toBe(1);
    await reg.update('r1', { status: 'running', stage: 'infer' }); // and that one died too
    const second = await runStage('infer', 'r1', { registry: reg, log }, async () => ++ran, { lastAttempt: false });
    expect(second).toMatchObject({ ok: false, outcome: { final: true, code: 'WORKER_CRASHED' } });
    expect(ran).toBe(1); // the quarantined run is not run again
    expect(await reg.get('r1')).toMatchObject({ status: 'failed', quarantined: true, crashes: 2, error: { code: 'WORKER_CRASHED', stage: 'infer' } });
  });

  it('quarantines after two scoring-thread crashes (retryable WORKER_CRASHED errors)', async () => {
    const reg = new MemoryRunRegistry();
    await newRun(reg, 'r2');
    const crash = async () => {
      throw new TaceError('WORKER_CRASHED', 'scoring thread crashed: out of memory', { retryable: true });
    };
    const a = await runStage('infer', 'r2', { registry: reg, log }, crash, { lastAttempt: false });
    expect(a).toMatchObject({ ok: false, outcome: { final: false } });
    expect(await reg.get('r2')).toMatchObject({ status: 'queued', crashes: 1 });
    const b = await runStage('infer', 'r2', { registry: reg, log }, crash, { lastAttempt: false });
    expect(b).toMatchObject({ ok: false, outcome: { final: true, code: 'WORKER_CRASHED' } });
    expect((await reg.get('r2'))!.quarantined).toBe(true);
  });

  it('does not run, nor move on, a cancelled run; a replay reopens it with its crash count reset', async () => {
    const reg = new MemoryRunRegistry();
    await newRun(reg, 'r3', { crashes: 1 });
    await cancelRun({ registry: reg, log }, 'r3', { sub: 'radiologist-7' }, 'wrong series');
    let ran = false;
    const r = await runStage('infer', 'r3', { registry: reg, log }, async () => (ran = true), { lastAttempt: false });
    expect(r).toMatchObject({ ok: false, outcome: { code: 'RUN_CANCELLED', final: true } });
    expect(ran).toBe(false);
    // A stage still finishing cannot move a cancelled run on.
    expect((await reg.update('r3', { status: 'queued', stage: 'publish' })).status).toBe('cancelled');
    expect(await reg.get('r3')).toMatchObject({ status: 'cancelled', stage: 'infer', cancellation: { by: 'radiologist-7', reason: 'wrong series' } });
    const requeued: string[] = [];
    const fakeQueues = { infer: { getJob: async () => undefined, add: async (_n: string, d: { runId: string }) => requeued.push(d.runId) } } as never;
    const after = await replayRun({ registry: reg, log, queues: fakeQueues }, 'r3');
    expect(after).toMatchObject({ status: 'queued', stage: 'infer', crashes: 0, quarantined: false });
    expect(after.cancellation).toBeUndefined();
    expect(requeued).toEqual(['r3']);
  });

  it('answers a retraction the EHR refuses with FHIR_WRITE_REFUSED (502) and leaves the run done', async () => {
    const reg = new MemoryRunRegistry();
    await newRun(reg, 'r6', { status: 'done', stage: 'publish', fhir: { riskAssessment: 'RiskAssessment/1', device: 'Device/1', provenance: 'Provenance/1' } });
    const fhir = {
      getBaseUrl: () => 'http://ehr.test/fhir/',
      readReference: async () => ({ resourceType: 'RiskAssessment', id: '1', status: 'final', meta: { versionId: '2' } }),
      executeBatch: async () => {
        throw new OperationOutcomeError({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict', details: { text: 'version conflict' } }] });
      },
    } as never;
    await expect(retractRun({ registry: reg, log, fhir }, 'r6', { sub: 'x' }, 'why')).rejects.toMatchObject({ code: 'FHIR_WRITE_REFUSED', httpStatus: 502 });
    expect((await reg.get('r6'))!.status).toBe('done');
    await newRun(reg, 'r7');
    await expect(retractRun({ registry: reg, log, fhir }, 'r7', { sub: 'x' }, 'why')).rejects.toMatchObject({ code: 'RUN_NOT_PUBLISHED', httpStatus: 409 });
  });

  it('refuses a cancel when the publish starts between its read and its write (checked inside the update)', async () => {
    const reg = new MemoryRunRegistry();
    await newRun(reg, 'r8', { status: 'queued', stage: 'publish' });
    // The cancel reads a queued run; the publish worker marks it running right after that read.
    const racing = Object.assign(Object.create(reg) as MemoryRunRegistry, {
      get: async (id: string) => {
        const seen = await reg.get(id);
        await reg.update(id, { status: 'running', stage: 'publish' });
        return seen;
      },
    });
    await expect(cancelRun({ registry: racing, log }, 'r8', { sub: 'x' })).rejects.toMatchObject({ code: 'RUN_PUBLISHING' });
    expect(await reg.get('r8')).toMatchObject({ status: 'running', stage: 'publish' });
    expect((await reg.get('r8'))!.cancellation).toBeUndefined();
  });

  it('refuses to cancel a published run or one being published', async () => {
    const reg = new MemoryRunRegistry();
    await newRun(reg, 'r4', { status: 'done', stage: 'publish' });
    await expect(cancelRun({ registry: reg, log }, 'r4', { sub: 'x' })).rejects.toMatchObject({ code: 'RUN_PUBLISHED', httpStatus: 409 });
    await newRun(reg, 'r5', { status: 'running', stage: 'publish' });
    await expect(cancelRun({ registry: reg, log }, 'r5', { sub: 'x' })).rejects.toMatchObject({ code: 'RUN_PUBLISHING' });
    await expect(cancelRun({ registry: reg, log }, 'nope', { sub: 'x' })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', httpStatus: 404 });
  });
});

describe('jobs BullMQ fails for good fail their run (real redis-server)', () => {
  let srv: RedisServerHandle;
  let redis: Redis;
  beforeAll(async () => {
    srv = await startRedisServer();
    redis = new Redis(srv.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await srv?.stop();
  });

  it('records a stall-limit failure as WORKER_CRASHED + quarantined, and a coded failure with its code', async () => {
    const reg = new RedisRunRegistry(redis);
    await newRun(reg, 's1', { status: 'running' });
    expect(await recordFinalFailure(reg, log, 'infer', 's1', 'job stalled more than allowable limit')).toBe(true);
    expect(await reg.get('s1')).toMatchObject({ status: 'failed', quarantined: true, error: { code: 'WORKER_CRASHED' } });
    expect(await recordFinalFailure(reg, log, 'infer', 's1', 'job stalled more than allowable limit')).toBe(false); // idempotent
    await newRun(reg, 's2');
    await recordFinalFailure(reg, log, 'infer', 's2', 'CASE_CORRUPT: case abc does not match its content hash');
    expect((await reg.get('s2'))!.error).toEqual({ code: 'CASE_CORRUPT', message: 'case abc does not match its content hash', stage: 'infer' });
  });

  it('hears a failure thrown around the stage (no record written by the stage) and one that happened while nobody listened', async () => {
    const reg = new RedisRunRegistry(redis);
    const queue = new Queue(QUEUES.publish, { connection: { url: srv.url } });
    await newRun(reg, 'w1');
    await newRun(reg, 'w2');
    // w2 fails before any watcher runs: the start-up sweep must find it.
    const worker = new Worker(QUEUES.publish, async (job) => {
      throw new UnrecoverableError(`QUEUE_UNAVAILABLE: enqueueing the next stage failed for ${String(job.data.runId)}`);
    }, { connection: { url: srv.url } });
    await queue.add('publish', { runId: 'w2' }, { jobId: 'w2' });
    await waitUntil(async () => (await queue.getJob('w2'))?.failedReason !== undefined && (await (await queue.getJob('w2'))!.getState()) === 'failed');
    const watcher = watchFailedJobs('publish', srv.url, reg, log);
    expect(await watcher.ready).toBe(1);
    expect((await reg.get('w2'))!.error?.code).toBe('QUEUE_UNAVAILABLE');
    await queue.add('publish', { runId: 'w1' }, { jobId: 'w1' });
    await waitUntil(async () => (await reg.get('w1'))!.status === 'failed');
    expect((await reg.get('w1'))!.error).toMatchObject({ code: 'QUEUE_UNAVAILABLE', stage: 'publish' });
    await worker.close();
    await watcher.close();
    await queue.close();
  });
});

async function waitUntil(cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}
