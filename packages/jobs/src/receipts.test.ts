import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisWebhookReceipts } from './receipts.ts';
import { startRedisServer, type RedisServerHandle } from './testing.ts';

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

describe('RedisWebhookReceipts', () => {
  it('processes an id once: new, then in-progress, then done after completion', async () => {
    const r = new RedisWebhookReceipts(redis, 600, 60);
    expect(await r.claim('a')).toBe('new');
    expect(await r.claim('a')).toBe('in-progress');
    await r.complete('a');
    expect(await r.claim('a')).toBe('done');
    expect(await redis.ttl('tace:webhook:a')).toBeGreaterThan(500);
  });

  it('lets a released id come again', async () => {
    const r = new RedisWebhookReceipts(redis, 600, 60);
    expect(await r.claim('b')).toBe('new');
    await r.release('b');
    expect(await r.claim('b')).toBe('new');
  });

  it('lets a claim lapse when nobody could release it (Redis down at the time, or the process died)', async () => {
    const r = new RedisWebhookReceipts(redis, 600, 1);
    expect(await r.claim('c')).toBe('new');
    expect(await redis.ttl('tace:webhook:c')).toBeLessThanOrEqual(1);
    await new Promise((res) => setTimeout(res, 1200));
    expect(await r.claim('c')).toBe('new');
  });

  it('answers REGISTRY_UNAVAILABLE when Redis is down', async () => {
    const down = new Redis(`redis://127.0.0.1:1`, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    down.on('error', () => undefined);
    await expect(new RedisWebhookReceipts(down, 600).claim('d')).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE', httpStatus: 503 });
    down.disconnect();
  });
});
