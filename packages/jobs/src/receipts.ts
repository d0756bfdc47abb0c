import type { Redis } from 'ioredis';
import { isTaceError, TaceError } from '@tace/common';

/**
 * Webhook deliveries seen, by their `webhook-id`: a delivery is processed once. A sender retrying
 * after our failure keeps the id, so a failed delivery is released and can come again; one that
 * succeeded is answered "already processed"; one still in progress is refused for now.
 * A claim is a lease: if the release cannot be written (Redis went down with the request, or the
 * process died holding it) it lapses after `leaseS`, so the sender's redelivery is processed then
 * instead of being refused until the entry expires. Finished entries outlive the signature's
 * timestamp window, after which a replay is refused anyway.
 */
export interface WebhookReceipts {
  claim(id: string): Promise<'new' | 'done' | 'in-progress'>;
  complete(id: string): Promise<void>;
  release(id: string): Promise<void>;
}

export class RedisWebhookReceipts implements WebhookReceipts {
  private readonly redis: Redis;
  private readonly ttlS: number;
  private readonly leaseS: number;
  constructor(redis: Redis, ttlS: number, leaseS = 90) {
    this.redis = redis;
    this.ttlS = ttlS;
    this.leaseS = leaseS;
  }
  private key(id: string): string {
    return `tace:webhook:${id}`;
  }
  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (isTaceError(e)) throw e;
      throw new TaceError('REGISTRY_UNAVAILABLE', 'Redis is unavailable; the notification was not processed, send it again', { httpStatus: 503, retryable: true, cause: e });
    }
  }
  claim(id: string): Promise<'new' | 'done' | 'in-progress'> {
    return this.run(async () => {
      if ((await this.redis.set(this.key(id), 'in-progress', 'EX', this.leaseS, 'NX')) === 'OK') return 'new';
      return (await this.redis.get(this.key(id))) === 'done' ? 'done' : 'in-progress';
    });
  }
  complete(id: string): Promise<void> {
    return this.run(async () => void (await this.redis.set(this.key(id), 'done', 'EX', this.ttlS)));
  }
  release(id: string): Promise<void> {
    return this.run(async () => void (await this.redis.del(this.key(id))));
  }
}

export class MemoryWebhookReceipts implements WebhookReceipts {
  private readonly seen = new Map<string, 'in-progress' | 'done'>();
  async claim(id: string): Promise<'new' | 'done' | 'in-progress'> {
    const s = this.seen.get(id);
    if (s) return s;
    this.seen.set(id, 'in-progress');
    return 'new';
  }
  async complete(id: string): Promise<void> {
    this.seen.set(id, 'done');
  }
  async release(id: string): Promise<void> {
    this.seen.delete(id);
  }
}
