/**
 * Per-Subscription state in Redis (never in process memory: several ingestion replicas share it
 * and a restart keeps it):
 * - `tace:subscription:{id}` hash — the registration `tace-risk fhir subscribe` wrote (topic,
 *   content, heartbeat, …) and the progress: `watermark` = every event number up to it is
 *   processed, `watermarkTime` = that event's time, `eventsSince` = the highest
 *   events-since-subscription-start the EHR has told, `lastNotificationAt`, `status`/`error`,
 *   `gapSince`, counters;
 * - `…:done` sorted set — event numbers above the watermark already processed (out of order);
 * - `…:times` hash — their event times (the watermark time follows the watermark);
 * - `…:ev:{n}` — a short lease while one replica processes event n (a crash lets it lapse).
 * Advancing the watermark is one Lua script, so concurrent deliveries cannot lose an event.
 */
import type { Redis } from 'ioredis';
import { isTaceError, TaceError } from '@tace/common';
import type { PayloadContent, TopicKey } from '@tace/fhir';

export interface SubscriptionRegistration {
  id: string;
  topic: TopicKey;
  topicUrl: string;
  content: PayloadContent;
  heartbeatS: number;
  maxCount: number;
  endpoint: string;
  registeredAt: string;
}

export interface SubscriptionState extends SubscriptionRegistration {
  watermark: number;
  watermarkTime?: string;
  eventsSince: number;
  lastNotificationAt?: string;
  status: 'active' | 'error';
  error?: string;
  gapSince?: string;
  /** Event numbers above the watermark processed so far (out of order). */
  doneAbove: number;
  recoveredEvents: number;
  failedEvents: number;
  lastRecovery?: string;
}

const K = (id: string) => `tace:subscription:${id}`;
const INDEX = 'tace:subscriptions';

const unavailable = (e: unknown): never => {
  if (isTaceError(e)) throw e;
  throw new TaceError('REGISTRY_UNAVAILABLE', 'Redis is unavailable; the notification was not processed, send it again', { httpStatus: 503, retryable: true, cause: e });
};

/** ZADD n to done, then move the watermark over every consecutive done number; returns the watermark. */
const COMPLETE = `
local w = tonumber(redis.call('HGET', KEYS[1], 'watermark') or '0')
local n = tonumber(ARGV[1])
if n > w then
  redis.call('ZADD', KEYS[2], n, ARGV[1])
  if ARGV[2] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) end
end
while true do
  local nx = string.format('%d', w + 1)
  if not redis.call('ZSCORE', KEYS[2], nx) then break end
  w = w + 1
  redis.call('ZREM', KEYS[2], nx)
  local t = redis.call('HGET', KEYS[3], nx)
  if t then redis.call('HSET', KEYS[1], 'watermarkTime', t); redis.call('HDEL', KEYS[3], nx) end
end
redis.call('HSET', KEYS[1], 'watermark', string.format('%d', w))
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[1], 'recoveredEvents', 1) end
return w`;

/** Everything up to ARGV[1] is accounted for (search recovery): watermark jumps there. */
const SKIP_TO = `
local w = tonumber(redis.call('HGET', KEYS[1], 'watermark') or '0')
local s = tonumber(ARGV[1])
if s > w then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', s)
  redis.call('HSET', KEYS[1], 'watermark', ARGV[1], 'watermarkTime', ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'recoveredEvents', s - w - tonumber(ARGV[3]))
  w = s
end
return w`;

const MAX = `
local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > cur then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1`;

export class RedisSubscriptionStore {
  private readonly redis: Redis;
  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Record (or refresh) a Subscription this service created; progress is kept across re-registrations. */
  async register(r: SubscriptionRegistration): Promise<void> {
    await this.redis
      .multi()
      .hset(K(r.id), { id: r.id, topic: r.topic, topicUrl: r.topicUrl, content: r.content, heartbeatS: String(r.heartbeatS), maxCount: String(r.maxCount), endpoint: r.endpoint })
      .hsetnx(K(r.id), 'registeredAt', r.registeredAt)
      .hsetnx(K(r.id), 'watermark', '0')
      .hsetnx(K(r.id), 'status', 'active')
      .sadd(INDEX, r.id)
      .exec()
      .catch(unavailable);
  }

  async get(id: string): Promise<SubscriptionState | undefined> {
    const [h, doneAbove] = await Promise.all([this.redis.hgetall(K(id)), this.redis.zcard(`${K(id)}:done`)]).catch(unavailable);
    if (!h.id) return undefined;
    const n = (v: string | undefined) => (v ? Number(v) : 0);
    return {
      id: h.id,
      topic: h.topic as TopicKey,
      topicUrl: h.topicUrl!,
      content: h.content as PayloadContent,
      heartbeatS: n(h.heartbeatS),
      maxCount: n(h.maxCount),
      endpoint: h.endpoint!,
      registeredAt: h.registeredAt!,
      watermark: n(h.watermark),
      ...(h.watermarkTime ? { watermarkTime: h.watermarkTime } : {}),
      eventsSince: n(h.eventsSince),
      ...(h.lastNotificationAt ? { lastNotificationAt: h.lastNotificationAt } : {}),
      status: h.status === 'error' ? 'error' : 'active',
      ...(h.error ? { error: h.error } : {}),
      ...(h.gapSince ? { gapSince: h.gapSince } : {}),
      doneAbove,
      recoveredEvents: n(h.recoveredEvents),
      failedEvents: n(h.failedEvents),
      ...(h.lastRecovery ? { lastRecovery: h.lastRecovery } : {}),
    };
  }

  async list(): Promise<SubscriptionState[]> {
    const ids = (await this.redis.smembers(INDEX).catch(unavailable)).sort();
    return (await Promise.all(ids.map((id) => this.get(id)))).filter((s): s is SubscriptionState => !!s);
  }

  /** A notification arrived: the subscription is alive (error cleared), and the EHR's event count. */
  async touch(id: string, eventsSince: number | undefined, at = new Date()): Promise<void> {
    const m = this.redis.multi().hset(K(id), { lastNotificationAt: at.toISOString(), status: 'active' }).hdel(K(id), 'error');
    if (eventsSince !== undefined) m.eval(MAX, 1, K(id), 'eventsSince', String(eventsSince));
    await m.exec().catch(unavailable);
  }

  async noteEventsSince(id: string, eventsSince: number): Promise<void> {
    await this.redis.eval(MAX, 1, K(id), 'eventsSince', String(eventsSince)).catch(unavailable);
  }

  async isDone(id: string, n: number): Promise<boolean> {
    const [w, score] = await Promise.all([this.redis.hget(K(id), 'watermark'), this.redis.zscore(`${K(id)}:done`, String(n))]).catch(unavailable);
    return n <= Number(w ?? '0') || score !== null;
  }

  /** Lease event n for processing (another replica holding it: false). */
  async claimEvent(id: string, n: number, leaseS = 120): Promise<boolean> {
    return (await this.redis.set(`${K(id)}:ev:${n}`, '1', 'EX', leaseS, 'NX').catch(unavailable)) === 'OK';
  }

  async releaseEvent(id: string, n: number): Promise<void> {
    await this.redis.del(`${K(id)}:ev:${n}`).catch(() => undefined);
  }

  /** Event n is processed (its time for the watermark); returns the new watermark. */
  async completeEvent(id: string, n: number, timestamp: string | undefined, o: { recovered?: boolean; failed?: boolean } = {}): Promise<number> {
    const w = (await this.redis.eval(COMPLETE, 3, K(id), `${K(id)}:done`, `${K(id)}:times`, String(n), timestamp ?? '', o.recovered ? '1' : '0').catch(unavailable)) as number;
    if (o.failed) await this.redis.hincrby(K(id), 'failedEvents', 1).catch(unavailable);
    await this.releaseEvent(id, n);
    return w;
  }

  /** Search recovery accounted for every event up to `upTo`; `alreadyDone` of them had been processed before. */
  async skipTo(id: string, upTo: number, time: string, alreadyDone: number): Promise<number> {
    return (await this.redis.eval(SKIP_TO, 2, K(id), `${K(id)}:done`, String(upTo), time, String(alreadyDone)).catch(unavailable)) as number;
  }

  /**
   * Event numbers in (watermark, upTo] not processed yet: the first `cap` of them (an EHR's count
   * far ahead must not make a list of millions) and how many there are in all.
   */
  async missing(id: string, upTo: number, cap = 10_000): Promise<number[] & { total: number }> {
    const [w, done] = await Promise.all([this.redis.hget(K(id), 'watermark'), this.redis.zrangebyscore(`${K(id)}:done`, '-inf', upTo)]).catch(unavailable);
    const from = Number(w ?? '0') + 1;
    const seen = new Set(done.map(Number));
    const out: number[] = [];
    for (let n = from; n <= upTo && out.length < cap; n++) if (!seen.has(n)) out.push(n);
    const total = Math.max(0, upTo - from + 1) - done.filter((d) => Number(d) >= from).length;
    return Object.assign(out, { total });
  }

  async doneBetween(id: string, from: number, to: number): Promise<number> {
    return this.redis.zcount(`${K(id)}:done`, from, to).catch(unavailable);
  }

  async setGap(id: string, since: string | undefined): Promise<void> {
    if (since) await this.redis.hsetnx(K(id), 'gapSince', since).catch(unavailable);
    else await this.redis.hdel(K(id), 'gapSince').catch(unavailable);
  }

  async setError(id: string, error: string): Promise<void> {
    await this.redis.hset(K(id), { status: 'error', error }).catch(unavailable);
  }

  async setLastRecovery(id: string, at: string): Promise<void> {
    await this.redis.hset(K(id), 'lastRecovery', at).catch(unavailable);
  }

  /** One recovery per subscription at a time across replicas (a lease). */
  async lockRecovery(id: string, leaseS = 300): Promise<boolean> {
    return (await this.redis.set(`${K(id)}:recovering`, '1', 'EX', leaseS, 'NX').catch(unavailable)) === 'OK';
  }

  async unlockRecovery(id: string): Promise<void> {
    await this.redis.del(`${K(id)}:recovering`).catch(() => undefined);
  }
}
