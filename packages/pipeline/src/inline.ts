import { setTimeout as sleep } from 'node:timers/promises';
import type { StageName } from '@tace/jobs';
import { doInfer, doIngest, doPublish, StageFailure, type ScoreFn, type StageContext } from './processors.ts';
import type { IngestDeps } from './ingest.ts';
import type { RunStarter } from './submit.ts';
import type { MedplumClient } from '@medplum/core';

/**
 * Runs the three stages in this process, one after the other, with the same stage code and
 * the same retry rule as the queues (a few attempts with backoff for transient faults). Used by
 * `npm run demo` and the CLI, where no Redis is wanted.
 */
export class InlineRunner implements RunStarter {
  private readonly ctx: StageContext & IngestDeps & { score: ScoreFn; fhir: MedplumClient };
  private readonly attempts: number;
  constructor(ctx: StageContext & IngestDeps & { score: ScoreFn; fhir: MedplumClient }, attempts = 3) {
    this.ctx = ctx;
    this.attempts = attempts;
  }

  async start(runId: string): Promise<void> {
    await this.runFrom('ingest', runId, {});
  }

  async runFrom(stage: StageName, runId: string, payload: Record<string, unknown>): Promise<void> {
    const next = (s: StageName, id: string, p: Record<string, unknown>) => this.runFrom(s, id, p);
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.attempts;
      try {
        if (stage === 'ingest') return await doIngest(this.ctx, next, runId, last);
        if (stage === 'infer') return await doInfer(this.ctx, next, runId, String(payload.caseKey), last);
        return await doPublish(this.ctx, runId, last);
      } catch (e) {
        if (e instanceof StageFailure && e.final) return; // recorded in the registry
        if (!(e instanceof StageFailure)) throw e;
        await sleep(200 * 2 ** (attempt - 1));
      }
    }
  }
}
