/**
 * CDS Hooks feedback (`POST /cds-services/{id}/feedback`): what clinicians did with the cards —
 * accepted, or overridden with a reason — kept in Redis for monitoring (counts per service,
 * outcome and override reason, and the latest 1000 records), read back with
 * `GET /v1/cds-feedback` (scope assessments:read). The user's free-text comment is not stored
 * (it may name the patient); only whether there was one.
 */
export interface FeedbackItem {
  card: string;
  outcome: 'accepted' | 'overridden';
  outcomeTimestamp: string;
  acceptedSuggestions?: Array<{ id: string }>;
  overrideReason?: { reason?: { code: string; system?: string; display?: string }; userComment?: string };
}

export interface FeedbackRecord {
  service: string;
  card: string;
  outcome: 'accepted' | 'overridden';
  outcomeTimestamp: string;
  receivedAt: string;
  client: string;
  overrideReason?: string;
  hasComment?: boolean;
  acceptedSuggestions?: number;
}

export interface FeedbackSummary {
  counts: Array<{ service: string; outcome: string; overrideReason?: string; count: number }>;
  recent: FeedbackRecord[];
}

export interface FeedbackStore {
  record(items: FeedbackRecord[]): Promise<void>;
  read(limit: number): Promise<FeedbackSummary>;
}

const LIST = 'tace:cds:feedback:recent';
const COUNTS = 'tace:cds:feedback:counts';
const KEEP = 1000;

export function toRecord(service: string, client: string, item: FeedbackItem, now = new Date()): FeedbackRecord {
  return {
    service,
    card: item.card,
    outcome: item.outcome,
    outcomeTimestamp: item.outcomeTimestamp,
    receivedAt: now.toISOString(),
    client,
    ...(item.overrideReason?.reason?.code ? { overrideReason: item.overrideReason.reason.code } : {}),
    ...(item.overrideReason?.userComment ? { hasComment: true } : {}),
    ...(item.acceptedSuggestions ? { acceptedSuggestions: item.acceptedSuggestions.length } : {}),
  };
}

const countKey = (r: FeedbackRecord) => [r.service, r.outcome, r.overrideReason ?? ''].join('\u0001');

interface RedisLike {
  multi(): { lpush(k: string, ...v: string[]): unknown; ltrim(k: string, a: number, b: number): unknown; hincrby(k: string, f: string, n: number): unknown; exec(): Promise<unknown> };
  lrange(k: string, a: number, b: number): Promise<string[]>;
  hgetall(k: string): Promise<Record<string, string>>;
}

export function redisFeedbackStore(redis: RedisLike): FeedbackStore {
  return {
    async record(items) {
      if (items.length === 0) return;
      const m = redis.multi();
      m.lpush(LIST, ...items.map((r) => JSON.stringify(r)));
      m.ltrim(LIST, 0, KEEP - 1);
      for (const r of items) m.hincrby(COUNTS, countKey(r), 1);
      await m.exec();
    },
    async read(limit) {
      const [recent, counts] = await Promise.all([redis.lrange(LIST, 0, limit - 1), redis.hgetall(COUNTS)]);
      return { counts: summarise(counts), recent: recent.map((r) => JSON.parse(r) as FeedbackRecord) };
    },
  };
}

export function memoryFeedbackStore(): FeedbackStore {
  const recent: FeedbackRecord[] = [];
  const counts: Record<string, string> = {};
  return {
    async record(items) {
      for (const r of items) {
        recent.unshift(r);
        counts[countKey(r)] = String(Number(counts[countKey(r)] ?? 0) + 1);
      }
      recent.splice(KEEP);
    },
    async read(limit) {
      return { counts: summarise(counts), recent: recent.slice(0, limit) };
    },
  };
}

function summarise(counts: Record<string, string>): FeedbackSummary['counts'] {
  return Object.entries(counts)
    .map(([k, v]) => {
      const [service, outcome, reason] = k.split('\u0001');
      return { service: service!, outcome: outcome!, ...(reason ? { overrideReason: reason } : {}), count: Number(v) };
    })
    .sort((a, b) => a.service.localeCompare(b.service) || a.outcome.localeCompare(b.outcome) || (a.overrideReason ?? '').localeCompare(b.overrideReason ?? ''));
}
