import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@tace/common';

/**
 * Connections for BullMQ. Blocking connections (Workers, QueueEvents) need
 * `maxRetriesPerRequest: null`; the HTTP-facing Queue fails fast with `enableOfflineQueue: false`
 * so a request does not hang while Redis is down. Every connection gets an `error` listener:
 * without one, a Redis restart kills the process.
 */
export function redisConnection(url: string, log: Logger, kind: 'blocking' | 'fail-fast' | 'plain'): Redis {
  const opts: RedisOptions = {
    maxRetriesPerRequest: kind === 'blocking' ? null : 3,
    enableOfflineQueue: kind !== 'fail-fast',
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
  const r = new Redis(url, opts);
  let lastLogged = 0;
  r.on('error', (e: Error) => {
    const now = Date.now();
    if (now - lastLogged > 5000) {
      lastLogged = now;
      log.warn({ err: { message: e.message }, kind }, 'redis connection error (will retry)');
    }
  });
  return r;
}
