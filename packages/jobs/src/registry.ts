import type { Redis } from 'ioredis';
import type { AssessmentRequest, StageName } from './payloads.ts';

export type RunStatus = 'queued' | 'running' | 'failed' | 'done';

export interface RunError {
  code: string;
  message: string;
  stage: StageName;
}

export interface FhirRefs {
  riskAssessment: string;
  device: string;
  provenance: string;
  task?: string;
}

export interface RunContext {
  patientRef: string;
  procedure: { reference: string; performedDateTime: string };
  imagingStudyRef?: string;
  observationRefs: string[];
}

/** The visible state of one run: what was asked, where it is, and how it ended. */
export interface RunRecord {
  runId: string;
  status: RunStatus;
  stage: StageName;
  request: AssessmentRequest;
  model: { id: string; version: string };
  createdAt: string;
  updatedAt: string;
  caseKey?: string;
  /** FHIR references resolved at ingest (no pixel data), used by the publisher. */
  context?: RunContext;
  /** The score (JSON), written by the inference worker, read by the publisher. */
  result?: Record<string, unknown>;
  fhir?: FhirRefs;
  error?: RunError;
  /** Per-stage wall time in ms, for the operators. */
  timingsMs?: Partial<Record<StageName, number>>;
}

export type RunPatch = Partial<Omit<RunRecord, 'runId' | 'request' | 'createdAt' | 'model' | 'error'>> & { error?: RunError | null };

/**
 * Where runs are recorded. `claim` is atomic: exactly one caller creates a run; the others get
 * the existing record — the guard that makes concurrent identical submissions one run.
 */
export interface RunRegistry {
  claim(rec: Omit<RunRecord, 'createdAt' | 'updatedAt'>): Promise<{ created: boolean; record: RunRecord }>;
  get(runId: string): Promise<RunRecord | undefined>;
  update(runId: string, patch: RunPatch): Promise<RunRecord>;
  /** Most recent runs first; for the worklist and operators. */
  list(opts?: { status?: RunStatus; limit?: number }): Promise<RunRecord[]>;
}

function applyPatch(r: RunRecord, patch: RunPatch): RunRecord {
  const next: RunRecord = { ...r, updatedAt: new Date().toISOString() };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'error' && v === null) delete next.error;
    else if (k === 'timingsMs') next.timingsMs = { ...r.timingsMs, ...(v as RunRecord['timingsMs']) };
    else if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  }
  return next;
}

/** In-process registry: the demo and unit tests. */
export class MemoryRunRegistry implements RunRegistry {
  private readonly runs = new Map<string, RunRecord>();

  async claim(rec: Omit<RunRecord, 'createdAt' | 'updatedAt'>): Promise<{ created: boolean; record: RunRecord }> {
    const existing = this.runs.get(rec.runId);
    if (existing) return { created: false, record: existing };
    const now = new Date().toISOString();
    const record = { ...rec, createdAt: now, updatedAt: now };
    this.runs.set(rec.runId, record);
    return { created: true, record };
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return this.runs.get(runId);
  }

  async update(runId: string, patch: RunPatch): Promise<RunRecord> {
    const r = this.runs.get(runId);
    if (!r) throw new Error(`unknown run ${runId}`);
    const next = applyPatch(r, patch);
    this.runs.set(runId, next);
    return next;
  }

  async list(opts: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    return [...this.runs.values()]
      .filter((r) => !opts.status || r.status === opts.status)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, opts.limit ?? 100);
  }
}

const KEY = (runId: string) => `tace:run:${runId}`;
const INDEX = 'tace:runs';

/**
 * Redis registry. Each run is one JSON document; `claim` uses SET NX so two ingestion
 * processes racing on the same run id cannot both create it. Updates are read-modify-write
 * under WATCH so a stage never overwrites another stage's concurrent field.
 */
export class RedisRunRegistry implements RunRegistry {
  private readonly redis: Redis;
  /** WATCH is per connection: serialise this process's updates on its own connection. */
  private chain: Promise<unknown> = Promise.resolve();
  constructor(redis: Redis) {
    this.redis = redis;
  }

  async claim(rec: Omit<RunRecord, 'createdAt' | 'updatedAt'>): Promise<{ created: boolean; record: RunRecord }> {
    const now = new Date().toISOString();
    const record: RunRecord = { ...rec, createdAt: now, updatedAt: now };
    const ok = await this.redis.set(KEY(rec.runId), JSON.stringify(record), 'NX');
    if (ok === 'OK') {
      await this.redis.zadd(INDEX, Date.parse(now), rec.runId);
      return { created: true, record };
    }
    const existing = await this.get(rec.runId);
    if (!existing) return this.claim(rec); // deleted in between: try again
    return { created: false, record: existing };
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const s = await this.redis.get(KEY(runId));
    return s ? (JSON.parse(s) as RunRecord) : undefined;
  }

  update(runId: string, patch: RunPatch): Promise<RunRecord> {
    const p = this.chain.then(() => this.updateNow(runId, patch));
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async updateNow(runId: string, patch: RunPatch): Promise<RunRecord> {
    for (let attempt = 0; attempt < 50; attempt++) {
      await this.redis.watch(KEY(runId));
      const s = await this.redis.get(KEY(runId));
      if (!s) {
        await this.redis.unwatch();
        throw new Error(`unknown run ${runId}`);
      }
      const next = applyPatch(JSON.parse(s) as RunRecord, patch);
      const res = await this.redis.multi().set(KEY(runId), JSON.stringify(next)).exec();
      if (res) return next;
    }
    throw new Error(`run ${runId}: too much contention updating the record`);
  }

  async list(opts: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = opts.limit ?? 100;
    const ids = await this.redis.zrevrange(INDEX, 0, opts.status ? 999 : limit - 1);
    if (ids.length === 0) return [];
    const docs = await this.redis.mget(ids.map(KEY));
    return docs
      .filter((d): d is string => d !== null)
      .map((d) => JSON.parse(d) as RunRecord)
      .filter((r) => !opts.status || r.status === opts.status)
      .slice(0, limit);
  }
}
