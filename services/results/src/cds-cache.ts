/**
 * The CDS Hooks answer cache, keyed by patient, so a `patient-view` is answered in a few
 * milliseconds: the EHR is asked once, then the entry is refreshed from the run registry (a run
 * requested by a hook becomes a result there when it publishes; a published run that is
 * retracted or cancelled there drops its entry) and invalidated when a run of the patient
 * publishes (results/main.ts, after the publish stage). In Redis, so every replica shares it;
 * the key is a hash of the patient id (no identifiers in key names).
 */
import { createHash } from 'node:crypto';

export type CdsEntry =
  | {
      kind: 'result';
      runId?: string;
      riskAssessment?: string;
      /** Percent, 0..100, as in RiskAssessment.prediction.probabilityDecimal. */
      percent: number;
      riskGroup: 'low' | 'moderate' | 'high';
      modelId: string;
      modelVersion: string;
      synthetic: boolean;
      occurrence?: string;
      at: string;
    }
  | { kind: 'requested'; runId: string; at: string }
  | { kind: 'failed'; runId: string; code: string; at: string }
  | { kind: 'none'; reason: 'no-tace' | 'no-study' | 'submit-not-configured' | 'run-ended'; at: string };

export interface CdsCache {
  get(patientId: string): Promise<CdsEntry | undefined>;
  set(patientId: string, entry: CdsEntry, ttlS: number): Promise<void>;
  invalidate(patientId: string): Promise<void>;
}

export function cacheKey(patientId: string): string {
  return 'tace:cds:patient:' + createHash('sha256').update(patientId).digest('hex').slice(0, 40);
}

interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ex: 'EX', ttl: number): Promise<unknown>;
  del(key: string): Promise<number>;
}

export function redisCdsCache(redis: RedisLike): CdsCache {
  return {
    async get(patientId) {
      const raw = await redis.get(cacheKey(patientId));
      return raw ? (JSON.parse(raw) as CdsEntry) : undefined;
    },
    async set(patientId, entry, ttlS) {
      await redis.set(cacheKey(patientId), JSON.stringify(entry), 'EX', Math.max(1, Math.round(ttlS)));
    },
    async invalidate(patientId) {
      await redis.del(cacheKey(patientId));
    },
  };
}

/** One process only (the embedded demo, a single replica without Redis). */
export function memoryCdsCache(): CdsCache {
  const m = new Map<string, { entry: CdsEntry; until: number }>();
  return {
    async get(patientId) {
      const e = m.get(cacheKey(patientId));
      if (!e || e.until <= Date.now()) return undefined;
      return e.entry;
    },
    async set(patientId, entry, ttlS) {
      m.set(cacheKey(patientId), { entry, until: Date.now() + ttlS * 1000 });
    },
    async invalidate(patientId) {
      m.delete(cacheKey(patientId));
    },
  };
}

/**
 * After the publish stage: a run that published invalidates its patient's CDS answer, so the next
 * hook reads the new result (every replica shares the Redis cache).
 */
export async function invalidateOnPublish(registry: { get(runId: string): Promise<{ status: string; request: { patientReference: string } } | undefined> }, cache: CdsCache, runId: string): Promise<boolean> {
  const rec = await registry.get(runId).catch(() => undefined);
  if (rec?.status !== 'done') return false;
  const m = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(rec.request.patientReference);
  if (!m) return false;
  await cache.invalidate(m[1]!).catch(() => undefined);
  return true;
}
