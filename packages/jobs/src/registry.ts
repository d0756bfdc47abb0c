import type { Redis } from 'ioredis';
import { isTaceError, TaceError } from '@tace/common';
import type { AssessmentRequest, StageName } from './payloads.ts';

/**
 * queued → running → (queued at the next stage | failed | done); `cancelled` (by a user, before
 * publication) and `retracted` (after it: the RiskAssessment marked entered-in-error) are final.
 */
export type RunStatus = 'queued' | 'running' | 'failed' | 'done' | 'cancelled' | 'retracted';

/** Statuses a stage never moves a run out of: only an explicit reopen (replay) does. */
export const ENDED_STATUSES: ReadonlySet<RunStatus> = new Set(['cancelled', 'retracted']);

/** Who did something to a run, and why (an authenticated caller; the reason as typed). */
export interface RunAction {
  by: string;
  at: string;
  reason?: string;
}

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

/** The run's DICOM SR and key image as sent to the PACS (UIDs derived from the run id). */
export interface PacsRefs {
  via: 'stow' | 'cstore';
  studyInstanceUid: string;
  srSopInstanceUid: string;
  keyImageSopInstanceUid: string;
  sentAt: string;
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
  /** How the study's patient was matched to the FHIR Patient (system and fields compared; no values). */
  identity?: { system: string; compared: string[] };
  /** The score (JSON), written by the inference worker, read by the publisher. */
  result?: Record<string, unknown>;
  fhir?: FhirRefs;
  /** Set when the SR and key image reached the PACS (TACE_PACS_RESULTS). */
  pacs?: PacsRefs;
  error?: RunError;
  /** Per-stage wall time in ms, for the operators. */
  timingsMs?: Partial<Record<StageName, number>>;
  /** Times a stage of this run died with its process or thread (out of memory, a codec crash…). */
  crashes?: number;
  /** Set when the run crashed its worker twice: no automatic retry, only a deliberate replay. */
  quarantined?: boolean;
  cancellation?: RunAction;
  retraction?: RunAction & { provenance: string };
}

/**
 * A change to a run. A run that is cancelled or retracted ignores every patch (a stage still
 * finishing cannot move it on) unless the patch says `reopen: true` (a deliberate replay).
 */
export type RunPatch = Partial<Omit<RunRecord, 'runId' | 'request' | 'createdAt' | 'model' | 'error' | 'cancellation'>> & {
  error?: RunError | null;
  cancellation?: RunAction | null;
  reopen?: boolean;
  /** Apply only if the record, as read inside the update (atomically), passes this check. */
  onlyIf?: (r: RunRecord) => boolean;
};

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
  if (ENDED_STATUSES.has(r.status) && !patch.reopen) return r;
  if (patch.onlyIf && !patch.onlyIf(r)) return r;
  const next: RunRecord = { ...r, updatedAt: new Date().toISOString() };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'reopen' || k === 'onlyIf') continue;
    if ((k === 'error' || k === 'cancellation') && v === null) delete (next as unknown as Record<string, unknown>)[k];
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
    if (!r) throw new TaceError('RUN_NOT_FOUND', `unknown run ${runId}`, { httpStatus: 404 });
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

/** A Redis failure as the coded, retryable error a caller can answer 503 with. */
function unavailable(e: unknown): never {
  if (isTaceError(e)) throw e;
  throw new TaceError('REGISTRY_UNAVAILABLE', 'The run registry (Redis) is unavailable; try again', { httpStatus: 503, retryable: true, cause: e });
}
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
    const ok = await this.redis.set(KEY(rec.runId), JSON.stringify(record), 'NX').catch(unavailable);
    if (ok === 'OK') {
      await this.redis.zadd(INDEX, Date.parse(now), rec.runId).catch(unavailable);
      return { created: true, record };
    }
    const existing = await this.get(rec.runId);
    if (!existing) return this.claim(rec); // deleted in between: try again
    return { created: false, record: existing };
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const s = await this.redis.get(KEY(runId)).catch(unavailable);
    return s ? (JSON.parse(s) as RunRecord) : undefined;
  }

  update(runId: string, patch: RunPatch): Promise<RunRecord> {
    const p = this.chain.then(() => this.updateNow(runId, patch)).catch(unavailable);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async updateNow(runId: string, patch: RunPatch): Promise<RunRecord> {
    for (let attempt = 0; attempt < 50; attempt++) {
      await this.redis.watch(KEY(runId));
      const s = await this.redis.get(KEY(runId));
      if (!s) {
        await this.redis.unwatch();
        throw new TaceError('RUN_NOT_FOUND', `unknown run ${runId}`, { httpStatus: 404 });
      }
      const next = applyPatch(JSON.parse(s) as RunRecord, patch);
      const res = await this.redis.multi().set(KEY(runId), JSON.stringify(next)).exec();
      if (res) return next;
    }
    throw new Error(`run ${runId}: too much contention updating the record`);
  }

  async list(opts: { status?: RunStatus; limit?: number } = {}): Promise<RunRecord[]> {
    const limit = opts.limit ?? 100;
    const ids = await this.redis.zrevrange(INDEX, 0, opts.status ? 999 : limit - 1).catch(unavailable);
    if (ids.length === 0) return [];
    const docs = await this.redis.mget(ids.map(KEY)).catch(unavailable);
    return docs
      .filter((d): d is string => d !== null)
      .map((d) => JSON.parse(d) as RunRecord)
      .filter((r) => !opts.status || r.status === opts.status)
      .slice(0, limit);
  }
}
