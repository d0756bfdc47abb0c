/**
 * Results read through the results service are audited in the EHR (BALP PatientRead): a CDS Hooks
 * card showing a result (the clinician = the hook's context.userId under the CDS client) and each
 * result listed on the worklist. Real redis-server, real test FHIR server, the real sink.
 */
import type { AuditEvent, Bundle, RiskAssessment } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@tace/common';
import { createFhirClient, publishResult, seedPatient, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { resultFixture, seedFixture } from '../../../packages/fhir/src/test-fixtures.ts';
import { MemoryRunRegistry, type RunRecord } from '@tace/jobs';
import { startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { createReadAuditSink } from '@tace/pipeline';
import { buildResultsApp } from './app.ts';
import { CdsHandler, PATIENT_VIEW_ID } from './cds.ts';
import { memoryCdsCache } from './cds-cache.ts';

const log = createLogger('test', { level: 'silent' });
let redisSrv: RedisServerHandle;
let redis: Redis;
let fhir: FhirTestServer;
beforeAll(async () => {
  redisSrv = await startRedisServer();
  redis = new Redis(redisSrv.url, { maxRetriesPerRequest: 1 });
  fhir = await startFhirServer();
}, 60_000);
afterAll(async () => {
  redis?.disconnect();
  await redisSrv?.stop();
  await fhir?.close();
});

describe('reads of results through the results service are audited', () => {
  it('a CDS card showing a result, and each result on the worklist', async () => {
    const client = createFhirClient({ fhirBaseUrl: fhir.baseUrl });
    const seeded = await seedPatient(client, seedFixture());
    const refs = await publishResult(client, resultFixture(seeded, 'run-cds-audit', { probability: 0.2, riskGroup: 'low', points: [{ factor: 'DLR score', value: 1, points: 20 }], totalPoints: 20 }));
    const sink = createReadAuditSink({ redis, fhir: client, log, service: 'results', issuer: 'https://idp.example.org', intervalMs: 60_000 });
    const patientId = seeded.patientRef.split('/')[1] as string;
    const ra = (await client.readReference({ reference: refs.riskAssessment })) as RiskAssessment;
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: ra }] };
    const handler = new CdsHandler({ readAudit: sink, log, registry: new MemoryRunRegistry(), cache: memoryCdsCache(), fhir: client, fhirBaseUrl: fhir.baseUrl });
    const out = await handler.handle(PATIENT_VIEW_ID, { hook: 'patient-view', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/dr-1', patientId }, prefetch: { riskAssessments: bundle } } as never, performance.now(), { issuer: 'https://ehr.example/cds-client', address: '10.1.1.1' });
    expect(out.cards).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50)); // the audit record is written beside the answer, not before it
    expect(await sink.flush()).toBe(1);
    const cdsRead = ((await client.searchResources('AuditEvent', { entity: refs.riskAssessment })) as AuditEvent[]).find((a) => a.action === 'R');
    expect(cdsRead?.agent?.find((g) => g.requestor)?.who?.identifier).toEqual({ system: 'https://ehr.example/cds-client', value: 'Practitioner/dr-1' });

    // worklist: one read per listed result, by the token subject
    const reg = new MemoryRunRegistry();
    await reg.claim({
      runId: `run-${'b'.repeat(32)}`,
      status: 'done',
      stage: 'publish',
      request: { patientReference: seeded.patientRef, studyInstanceUid: '1.2.3', trigger: 'api' },
      model: { id: 'm', version: '1' },
      result: { probability: 0.2, riskGroup: 'low' },
      fhir: { riskAssessment: refs.riskAssessment, device: refs.device, provenance: refs.provenance },
    } as unknown as Omit<RunRecord, 'createdAt' | 'updatedAt'>);
    const app = await buildResultsApp({ readAudit: sink, log, registry: reg, auth: 'off', readiness: {} });
    try {
      const r = await app.inject({ method: 'GET', url: '/v1/worklist' });
      expect(r.statusCode).toBe(200);
      expect((r.json() as { items: unknown[] }).items).toHaveLength(1);
    } finally {
      await app.close();
    }
    expect(await sink.flush()).toBe(1);
    const reads = ((await client.searchResources('AuditEvent', { entity: refs.riskAssessment })) as AuditEvent[]).filter((a) => a.action === 'R');
    expect(reads).toHaveLength(2);
    await sink.close();
  });

  it("never shows another patient's result: a prefetch naming patient B for a hook about patient A is ignored and not cached", async () => {
    const client = createFhirClient({ fhirBaseUrl: fhir.baseUrl });
    const b = await seedPatient(client, seedFixture());
    const a = await client.createResource({ resourceType: 'Patient', name: [{ family: 'OtherPatient' }] });
    const refs = await publishResult(client, resultFixture(b, 'run-cds-other-patient', { probability: 0.91 }));
    const raOfB = (await client.readReference({ reference: refs.riskAssessment })) as RiskAssessment;
    const cache = memoryCdsCache();
    const handler = new CdsHandler({ log, registry: new MemoryRunRegistry(), cache, fhir: client, fhirBaseUrl: fhir.baseUrl });
    const hook = (prefetch?: unknown) =>
      handler.handle(PATIENT_VIEW_ID, { hook: 'patient-view', hookInstance: crypto.randomUUID(), context: { userId: 'Practitioner/dr-1', patientId: a.id as string }, ...(prefetch ? { prefetch: { riskAssessments: prefetch } } : {}) } as never);
    const withWrong = await hook({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: raOfB }] });
    expect(JSON.stringify(withWrong.cards)).not.toContain('91');
    expect((await cache.get(a.id as string))?.kind).not.toBe('result'); // at most 'nothing to score', never B's result
    const later = await hook();
    expect(JSON.stringify(later.cards)).not.toContain('91');
    await handler.settle();
  });
});
