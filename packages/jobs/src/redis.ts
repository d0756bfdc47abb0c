import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@tace/common';

/**
 * Connections for BullMQ. Blocking connections (Workers, QueueEvents) need
 * `maxRetriesPerRequest: null`; the HTTP-facing Queue fails fast with `enableOfflineQueue: false`
 * so a request does not hang while Redis is down, and a command timeout so it does not hang
 * while Redis is stopped either. Every connection gets an `error` listener:
 * without one, a Redis restart kills the process.
 */
export function redisConnection(url: string, log: Logger, kind: 'blocking' | 'fail-fast' | 'plain'): Redis {
  const opts: RedisOptions = {
    maxRetriesPerRequest: kind === 'blocking' ? null : 3,
    enableOfflineQueue: kind !== 'fail-fast',
    // A Redis that accepts the connection but never answers (stopped, swapping) must not hold a
    // request or a stage forever; blocking connections wait by design and get none.
    ...(kind === 'blocking' ? {} : { commandTimeout: kind === 'fail-fast' ? 2000 : 10_000 }),
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
