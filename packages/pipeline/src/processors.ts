import { UnrecoverableError, type Job } from 'bullmq';
import type { MedplumClient } from '@medplum/core';
import type { Logger } from '@tace/common';
import { ENDED_STATUSES, type DirCaseStore, type RunRegistry, type StageName } from '@tace/jobs';
import { ingestCase, type IngestDeps } from './ingest.ts';
import { publishRun } from './publish.ts';
import { sendRunToPacs, type PacsTarget } from './pacs-results.ts';
import { runStage } from './stage-runner.ts';

/** Scores a stored case; the inference worker runs it in a worker thread. */
export type ScoreFn = (caseKey: string, runId: string) => Promise<Record<string, unknown>>;

/** What happens after a stage succeeds: queue the next one (or run it inline). */
export type NextStage = (stage: StageName, runId: string, payload: Record<string, unknown>) => Promise<void>;

export interface StageContext {
  registry: RunRegistry;
  log: Logger;
}

/** Thrown to the job layer: `final` failures must not be retried. */
export class StageFailure extends Error {
  readonly code: string;
  readonly final: boolean;
  constructor(code: string, message: string, final: boolean) {
    super(`${code}: ${message}`);
    this.code = code;
    this.final = final;
  }
}

async function stage<T>(name: StageName, runId: string, ctx: StageContext, lastAttempt: boolean, work: Parameters<typeof runStage<T>>[3]): Promise<T> {
  const r = await runStage(name, runId, ctx, work, { lastAttempt });
  if (!r.ok) throw new StageFailure(r.outcome.code, r.outcome.message, r.outcome.final);
  return r.value;
}

export async function doIngest(ctx: StageContext & IngestDeps, next: NextStage, runId: string, lastAttempt: boolean): Promise<void> {
  await stage('ingest', runId, ctx, lastAttempt, async (rec) => {
    const { caseKey, context, identity, timings } = await ingestCase(ctx, rec);
    await ctx.registry.update(runId, { caseKey, context, identity });
    ctx.log.debug({ runId, ...timings }, 'ingest timings');
  });
  const rec = await ctx.registry.update(runId, { status: 'queued', stage: 'infer' });
  if (ENDED_STATUSES.has(rec.status)) return; // cancelled while it ran
  await next('infer', runId, { caseKey: rec.caseKey });
}

export async function doInfer(ctx: StageContext & { score: ScoreFn }, next: NextStage, runId: string, caseKey: string, lastAttempt: boolean): Promise<void> {
  await stage('infer', runId, ctx, lastAttempt, async () => {
    const result = await ctx.score(caseKey, runId);
    await ctx.registry.update(runId, { result });
  });
  const rec = await ctx.registry.update(runId, { status: 'queued', stage: 'publish' });
  if (ENDED_STATUSES.has(rec.status)) return;
  await next('publish', runId, {});
}

export interface PublishDeps {
  fhir: MedplumClient;
  fhirRetries?: number;
  fhirBackoffMs?: number;
  /** Also send the SR and key image to the PACS (TACE_PACS_RESULTS); the case store holds their pixels. */
  pacs?: { target: PacsTarget; cases: DirCaseStore };
}

export async function doPublish(ctx: StageContext & PublishDeps, runId: string, lastAttempt: boolean): Promise<void> {
  const out = await stage('publish', runId, ctx, lastAttempt, async (rec) => {
    const fhir = await publishRun({ fhir: ctx.fhir, retries: ctx.fhirRetries, backoffMs: ctx.fhirBackoffMs }, rec);
    if (!ctx.pacs) return { fhir };
    // The EHR's RiskAssessment first; the PACS copy follows it. A PACS failure fails the run
    // with its code (retried, replayable); the FHIR write then repeats idempotently.
    await ctx.registry.update(runId, { fhir });
    return { fhir, pacs: await sendRunToPacs(ctx.pacs, rec) };
  });
  await ctx.registry.update(runId, { status: 'done', stage: 'publish', fhir: out.fhir, ...(out.pacs ? { pacs: out.pacs } : {}) });
}

/** Is this the job's last allowed attempt? (attemptsMade counts finished attempts.) */
export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Adapt a stage to BullMQ: a final failure becomes UnrecoverableError (no more attempts, the
 * job stays failed with its reason), a transient one is rethrown for the retry with backoff.
 */
export function bullProcessor(fn: (job: Job<{ runId: string; caseKey?: string }>, lastAttempt: boolean) => Promise<void>) {
  return async (job: Job<{ runId: string; caseKey?: string }>): Promise<void> => {
    try {
      await fn(job, isLastAttempt(job));
    } catch (e) {
      if (e instanceof StageFailure && e.final) throw new UnrecoverableError(e.message);
      throw e;
    }
  };
}
