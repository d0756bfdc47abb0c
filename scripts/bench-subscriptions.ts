/**
 * `npm run bench -- subscriptions`: after a gap of 1,000 missed notifications, how many events a
 * topic-based Subscription recovers and how long it takes — with `$events`, and by search where
 * the server has no `$events` — beside the baseline measured in the same run: the same 1,000
 * events delivered as notifications (one event each, 4 in flight, as an EHR's rest-hook sends).
 *
 * Parts: a real redis-server, the test FHIR server (Medplum FhirRouter + MemoryRepository) behind
 * the test EHR subscription engine (packages/fhir/src/subscriptions-test-ehr.ts), the ingestion
 * app's HTTP routes in this process with the real SubscriptionProcessor, Redis state and
 * submitAssessment (patient read + run claim in Redis). Not included: the DICOM study index (a
 * stand-in source names one SEG per study) and the queues (a started run is counted, not queued):
 * the figure is the subscription path, not the scoring.
 */
import type { AddressInfo } from 'node:net';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { createLogger, TaceError } from '@tace/common';
import { createFhirClient, DICOM_UID_SYSTEM, ensureSubscriptions, startFhirServer, TOPICS } from '@tace/fhir';
import { RedisRunRegistry, RedisWebhookReceipts, redisConnection } from '@tace/jobs';
import { startRedisServer } from '@tace/jobs/testing';
import { RedisSubscriptionStore, SubscriptionProcessor, submitAssessment } from '@tace/pipeline';
import { startTestSubscriptionEhr } from '../packages/fhir/src/subscriptions-test-ehr.ts';
import { buildIngestionApp, triggerFromResource } from '../services/ingestion/src/app.ts';

const N = 1000;

export async function runSubscriptionsBench(): Promise<void> {
  const log = createLogger('bench', { level: 'silent' });
  const redis = await startRedisServer();
  const fhirServer = await startFhirServer();
  const ehr = await startTestSubscriptionEhr({ fhirUpstream: fhirServer.baseUrl });
  const conn = redisConnection(redis.url, log, 'plain');
  try {
    const fhir = createFhirClient({ fhirBaseUrl: ehr.fhirBaseUrl });
    // 1,000 patients, each with an available CT ImagingStudy (transactions of 50)
    const studies: string[] = [];
    for (let b = 0; b < N / 50; b++) {
      const entry: BundleEntry[] = [];
      for (let i = 0; i < 50; i++) {
        const k = b * 50 + i;
        const pu = `urn:uuid:${crypto.randomUUID()}`;
        entry.push({ fullUrl: pu, resource: { resourceType: 'Patient', birthDate: '1960-01-01' }, request: { method: 'POST', url: 'Patient' } });
        entry.push({
          resource: { resourceType: 'ImagingStudy', status: 'available', subject: { reference: pu }, started: '2026-01-01T10:00:00Z', modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }], identifier: [{ system: DICOM_UID_SYSTEM, value: `urn:oid:2.25.${1000 + k}` }] },
          request: { method: 'POST', url: 'ImagingStudy' },
        });
      }
      const res = await fhir.executeBatch({ resourceType: 'Bundle', type: 'transaction', entry } as Bundle);
      for (const e of res.entry ?? []) if (e.response?.location?.includes('ImagingStudy/')) studies.push(/ImagingStudy\/[^/]+/.exec(e.response.location)![0]);
    }
    if (studies.length !== N) throw new Error(`seeded ${studies.length} studies`);

    const registry = new RedisRunRegistry(conn);
    let started = 0;
    const stub = { getStudy: async () => { throw new TaceError('BENCH', 'not used'); }, listSegmentations: async (uid: string) => [{ sopInstanceUid: `${uid}.9`, kind: 'SEG' as const, contentKey: '1' }] };
    const submit = (req: Parameters<typeof submitAssessment>[2]) => submitAssessment({ fhir, studies: stub, registry, model: { id: 'bench', version: '1' }, log }, { start: async () => void started++ }, req);
    const store = new RedisSubscriptionStore(conn);
    const processor = new SubscriptionProcessor({
      store,
      fhir,
      fhirBaseUrl: ehr.fhirBaseUrl,
      log,
      gapGraceMs: 0,
      heartbeatMisses: 3,
      trigger: async (r) => {
        const t = await triggerFromResource({ fhir, submit }, r);
        if (t.kind === 'invalid') throw new TaceError(t.code, t.message);
        return t.kind === 'started' || t.kind === 'joined' ? { outcome: t.kind, runId: t.runId } : { outcome: t.kind };
      },
    });
    const refuse = async () => {
      throw new Error('not used');
    };
    const app = await buildIngestionApp({
      log, registry, fhir, submit, auth: 'off', rateLimitPerMinute: 1_000_000, webhookSecrets: ['bench-secret-0123456789'], webhookToleranceS: 300, receipts: new RedisWebhookReceipts(conn, 600),
      replay: refuse, cancel: refuse, retract: refuse, readiness: {},
      subscriptions: { processor, store, fhirBaseUrl: ehr.fhirBaseUrl },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/fhir/subscription-notification`;
    const topic = TOPICS.find((t) => t.key === 'ct-imagingstudy-available')!;
    const { results } = await ensureSubscriptions(fhir, [{ topic, endpoint, content: 'id-only', heartbeatS: 60, maxCount: 20, headers: [] }]);
    const id = results[0]!.id;
    const register = async () => {
      await conn.flushdb();
      started = 0;
      await store.register({ id, topic: topic.key, topicUrl: topic.url, content: 'id-only', heartbeatS: 60, maxCount: 20, endpoint, registeredAt: new Date(Date.now() - 60_000).toISOString() });
    };
    for (const s of studies) ehr.emit(topic.url, s);
    const untilWatermark = async (t0: number) => {
      for (;;) {
        const st = (await store.get(id))!;
        if (st.watermark >= N) return { ms: performance.now() - t0, st };
        if (performance.now() - t0 > 300_000) throw new Error(`stuck at ${st.watermark}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    // baseline: every event notified, one per notification, 4 in flight
    await register();
    let t0 = performance.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next <= N) {
          const n = next++;
          const r = await ehr.deliver(id, [n], { eventsSinceStart: n });
          if (r.status !== 200) throw new Error(`notification ${n}: ${r.status}`);
        }
      }),
    );
    const base = await untilWatermark(t0);
    const baseStarted = started;

    // a gap of 1,000: the EHR's next heartbeat says 1,000 events happened; $events recovers them
    await register();
    const callsBefore = ehr.stats.eventsCalls;
    t0 = performance.now();
    await ehr.heartbeat(id);
    const ev = await untilWatermark(t0);
    const evStarted = started;
    const evCalls = ehr.stats.eventsCalls - callsBefore;

    // the same without $events: search by _lastUpdated since the watermark time
    await register();
    ehr.setEvents(false);
    // (the same processor: it learns from the first 404 that $events is gone)
    t0 = performance.now();
    await ehr.heartbeat(id);
    const se = await untilWatermark(t0);
    const seStarted = started;

    const row = (name: string, r: { ms: number; st: { recoveredEvents: number; failedEvents: number } }, runs: number, extra = '') =>
      `${name.padEnd(44)} ${String(r.st.recoveredEvents).padStart(5)} ${String(runs).padStart(6)} ${r.ms.toFixed(0).padStart(8)} ms ${((N / r.ms) * 1000).toFixed(0).padStart(6)} ev/s ${(r.ms / base.ms).toFixed(2).padStart(6)}× ${extra}`;
    console.log(`${N} events of one Subscription (ct-imagingstudy-available, id-only), each a distinct patient/study; Redis + FHIR test server on loopback`);
    console.log(`${'path'.padEnd(44)} ${'recov'.padStart(5)} ${'runs'.padStart(6)} ${'time'.padStart(11)} ${'rate'.padStart(11)} ${'vs base'.padStart(7)}`);
    console.log(row('baseline: 1,000 notifications (1 event each)', base, baseStarted));
    console.log(row('gap of 1,000 → $events (pages of 200)', ev, evStarted, `${evCalls} $events calls`));
    console.log(row('gap of 1,000 → search by _lastUpdated', se, seStarted, '(no $events)'));
    if (base.st.failedEvents + ev.st.failedEvents + se.st.failedEvents > 0 || [baseStarted, evStarted, seStarted].some((x) => x !== N)) throw new Error('an event was lost or failed');
    await processor.stop();
    await app.close();
  } finally {
    conn.disconnect();
    await ehr.close();
    await fhirServer.close();
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runSubscriptionsBench();
