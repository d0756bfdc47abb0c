/**
 * The pieces of topic-based Subscriptions on their own: reading notification Bundles (what is
 * refused, which references are followed), the CapabilityStatement check, and search recovery's
 * paging against the real test FHIR server (which gives no `next` link: keyset paging by
 * `_lastUpdated` must still return every resource, once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, BundleEntry, CapabilityStatement } from '@medplum/fhirtypes';
import {
  backportSupport,
  BACKPORT_SUBSCRIPTION_PROFILE,
  buildNotificationBundle,
  createFhirClient,
  localReference,
  parseSubscriptionNotification,
  searchTopicSince,
  startFhirServer,
  TOPICS,
  type FhirTestServer,
} from '@tace/fhir';

const BASE = 'https://ehr.example.org/fhir/R4/';
const CT = TOPICS.find((t) => t.key === 'ct-imagingstudy-available')!;

describe('parseSubscriptionNotification', () => {
  const bundle = (o: Partial<Parameters<typeof buildNotificationBundle>[0]> = {}) =>
    buildNotificationBundle({
      subscriptionUrl: `${BASE}Subscription/s1`,
      topic: CT.url,
      type: 'event-notification',
      eventsSinceStart: 7,
      events: [{ eventNumber: 7, timestamp: '2026-01-01T00:00:00Z', focusUrl: `${BASE}ImagingStudy/i7` }],
      ...o,
    });

  it('reads the status, the events and their focus (relative to the configured server)', () => {
    const n = parseSubscriptionNotification(bundle(), BASE);
    expect(n).toMatchObject({ subscriptionId: 's1', type: 'event-notification', eventsSinceStart: 7, topic: CT.url });
    expect(n.events).toEqual([{ eventNumber: 7, timestamp: '2026-01-01T00:00:00Z', focus: 'ImagingStudy/i7' }]);
    const full = bundle({ events: [{ eventNumber: 7, timestamp: '2026-01-01T00:00:00Z', focusUrl: `${BASE}ImagingStudy/i7`, resource: { resourceType: 'ImagingStudy', id: 'i7', status: 'available', subject: { reference: 'Patient/p' } } }] });
    expect(parseSubscriptionNotification(full, BASE).events[0]!.resource?.id).toBe('i7');
  });

  it('never follows a reference to another server', () => {
    expect(localReference('https://evil.example.org/fhir/R4/ImagingStudy/i7', BASE)).toBeUndefined();
    expect(localReference(`${BASE}ImagingStudy/..`, BASE)).toBeUndefined();
    expect(localReference(`${BASE}ImagingStudy/i7/_history/2`, BASE)).toBe('ImagingStudy/i7');
    const n = parseSubscriptionNotification(bundle({ events: [{ eventNumber: 7, timestamp: '2026-01-01T00:00:00Z', focusUrl: 'https://evil.example.org/fhir/R4/ImagingStudy/i7' }] }), BASE);
    expect(n.events[0]!.focus).toBeUndefined();
    expect(() => parseSubscriptionNotification(bundle({ subscriptionUrl: 'https://evil.example.org/fhir/R4/Subscription/s1' }), BASE)).toThrow(expect.objectContaining({ code: 'SUBSCRIPTION_NOTIFICATION_INVALID' }));
  });

  it('refuses what is not a subscription-notification (SUBSCRIPTION_NOTIFICATION_INVALID, 400)', () => {
    const bad: unknown[] = [
      null,
      'text',
      { resourceType: 'Patient' },
      { ...bundle(), type: 'searchset' },
      { ...bundle(), entry: [] },
      { ...bundle(), entry: [{ resource: { resourceType: 'Patient' } }] },
      bundle({ events: [] }), // an event-notification without events
    ];
    const wrongNumber = bundle() as Bundle;
    const ev = (wrongNumber.entry![0]!.resource as { parameter: Array<{ name: string; part?: Array<{ name: string; valueString?: string }> }> }).parameter.find((p) => p.name === 'notification-event')!;
    ev.part!.find((p) => p.name === 'event-number')!.valueString = 'seven';
    bad.push(wrongNumber);
    for (const b of bad) expect(() => parseSubscriptionNotification(b, BASE)).toThrow(expect.objectContaining({ code: 'SUBSCRIPTION_NOTIFICATION_INVALID', httpStatus: 400 }));
  });
});

describe('backportSupport', () => {
  const cs = (resource: object): CapabilityStatement => ({ resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance', fhirVersion: '4.0.1', format: ['json'], rest: [{ mode: 'server', resource: [resource] }] } as CapabilityStatement);
  it('needs the backport-subscription profile; $events only when listed', () => {
    expect(backportSupport(undefined).supported).toBe(false);
    expect(backportSupport(cs({ type: 'Subscription' })).supported).toBe(false);
    expect(backportSupport(cs({ type: 'Subscription', supportedProfile: [`${BACKPORT_SUBSCRIPTION_PROFILE}|1.1.0`] }))).toMatchObject({ supported: true, events: false });
    expect(backportSupport(cs({ type: 'Subscription', supportedProfile: [BACKPORT_SUBSCRIPTION_PROFILE], operation: [{ name: 'events', definition: 'x' }] }))).toMatchObject({ supported: true, events: true });
  });
});

describe('searchTopicSince against the test FHIR server', () => {
  let server: FhirTestServer;
  beforeAll(async () => {
    server = await startFhirServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('returns every resource changed since the time, once, across pages the server does not link', async () => {
    const fhir = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const since = new Date(Date.now() - 1000).toISOString();
    for (let b = 0; b < 9; b++) {
      const entry: BundleEntry[] = Array.from({ length: 50 }, () => ({ resource: { resourceType: 'ImagingStudy', status: 'available', subject: { reference: 'Patient/p' } }, request: { method: 'POST', url: 'ImagingStudy' } }) as BundleEntry);
      await fhir.executeBatch({ resourceType: 'Bundle', type: 'batch', entry } as Bundle);
    }
    const found = await searchTopicSince(fhir, CT, since);
    expect(found).toHaveLength(450);
    expect(new Set(found.map((r) => r.id)).size).toBe(450);
    expect(await searchTopicSince(fhir, CT, new Date(Date.now() + 60_000).toISOString())).toHaveLength(0);
    await expect(searchTopicSince(fhir, CT, since, 300)).rejects.toMatchObject({ code: 'SUBSCRIPTION_RECOVERY_INCOMPLETE' });
  }, 60_000);
});

describe('RedisSubscriptionStore (real redis-server)', () => {
  it('moves the watermark over consecutive events only, ignores duplicates, bounds the missing list', async () => {
    const { startRedisServer } = await import('@tace/jobs/testing');
    const { redisConnection } = await import('@tace/jobs');
    const { createLogger } = await import('@tace/common');
    const { RedisSubscriptionStore } = await import('@tace/pipeline');
    const redis = await startRedisServer();
    const conn = redisConnection(redis.url, createLogger('test', { level: 'silent' }), 'plain');
    try {
      const store = new RedisSubscriptionStore(conn);
      await store.register({ id: 's1', topic: CT.key, topicUrl: CT.url, content: 'id-only', heartbeatS: 60, maxCount: 20, endpoint: 'https://x/n', registeredAt: '2026-01-01T00:00:00Z' });
      expect(await store.completeEvent('s1', 3, '2026-01-01T00:00:03Z')).toBe(0); // out of order: 1 and 2 missing
      expect(await store.completeEvent('s1', 2, '2026-01-01T00:00:02Z')).toBe(0);
      expect([...(await store.missing('s1', 5))]).toEqual([1, 4, 5]);
      expect(await store.isDone('s1', 3)).toBe(true);
      expect(await store.completeEvent('s1', 1, '2026-01-01T00:00:01Z')).toBe(3);
      expect(await store.completeEvent('s1', 2, undefined)).toBe(3); // a duplicate changes nothing
      const st = (await store.get('s1'))!;
      expect(st).toMatchObject({ watermark: 3, watermarkTime: '2026-01-01T00:00:03Z', doneAbove: 0 });
      // a count far ahead (a confused EHR) gives a bounded list and the true total
      const far = await store.missing('s1', 1_000_000_000);
      expect(far).toHaveLength(10_000);
      expect(far.total).toBe(1_000_000_000 - 3);
      expect(await store.claimEvent('s1', 4)).toBe(true);
      expect(await store.claimEvent('s1', 4)).toBe(false); // another replica holds it
      // re-registering (a token rotation) keeps the progress
      await store.register({ id: 's1', topic: CT.key, topicUrl: CT.url, content: 'full-resource', heartbeatS: 30, maxCount: 20, endpoint: 'https://x/n', registeredAt: '2026-02-01T00:00:00Z' });
      expect(await store.get('s1')).toMatchObject({ watermark: 3, content: 'full-resource', registeredAt: '2026-01-01T00:00:00Z' });
      expect(await store.skipTo('s1', 10, '2026-01-02T00:00:00Z', 0)).toBe(10);
      expect((await store.get('s1'))!.recoveredEvents).toBe(7);
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  }, 30_000);
});

describe('SubscriptionProcessor does not trust an event count that went backwards or jumps (real redis-server)', () => {
  it('refuses both with a code, marks the Subscription in error, and moves no watermark', async () => {
    const { startRedisServer } = await import('@tace/jobs/testing');
    const { redisConnection } = await import('@tace/jobs');
    const { createLogger } = await import('@tace/common');
    const { RedisSubscriptionStore, SubscriptionProcessor } = await import('@tace/pipeline');
    const redis = await startRedisServer();
    const conn = redisConnection(redis.url, createLogger('test', { level: 'silent' }), 'plain');
    try {
      const store = new RedisSubscriptionStore(conn);
      await store.register({ id: 's9', topic: CT.key, topicUrl: CT.url, content: 'id-only', heartbeatS: 60, maxCount: 20, endpoint: 'https://x/n', registeredAt: '2026-01-01T00:00:00Z' });
      for (let n = 1; n <= 5; n++) await store.completeEvent('s9', n, `2026-01-01T00:00:0${n}Z`);
      const proc = new SubscriptionProcessor({
        store,
        fhir: undefined as never, // no event is processed in these two refusals: nothing reaches the EHR
        fhirBaseUrl: 'http://ehr.test/fhir/',
        log: createLogger('test', { level: 'silent' }),
        trigger: async () => {
          throw new Error('not reached');
        },
        gapGraceMs: 60_000,
        heartbeatMisses: 3,
      });
      const note = (eventsSinceStart: number) => ({ subscriptionId: 's9', type: 'heartbeat' as const, eventsSinceStart, events: [] });
      await expect(proc.handle(note(10_000_000) as never)).rejects.toMatchObject({ code: 'SUBSCRIPTION_COUNT_IMPLAUSIBLE', httpStatus: 422 });
      await expect(proc.handle(note(2) as never)).rejects.toMatchObject({ code: 'SUBSCRIPTION_COUNTER_RESET', httpStatus: 409 });
      expect(await store.get('s9')).toMatchObject({ watermark: 5, status: 'error' });
      await proc.stop();
    } finally {
      conn.disconnect();
      await redis.stop();
    }
  });
});
