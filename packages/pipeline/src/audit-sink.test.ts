/**
 * Reads of a published result through the API are audited in the EHR (BALP PatientRead), through
 * Redis so that an EHR outage loses nothing: real redis-server, real test FHIR server over HTTP.
 */
import { validateResource } from '@medplum/core';
import type { AuditEvent } from '@medplum/fhirtypes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@tace/common';
import { createFhirClient, startFhirServer, type FhirTestServer } from '@tace/fhir';
import { MemoryRunRegistry, type RunRecord } from '@tace/jobs';
import { startRedisServer, type RedisServerHandle } from '@tace/jobs/testing';
import { createServiceApp, assessmentStatusRoute } from '@tace/http';
import { createReadAuditSink } from './audit-sink.ts';

let redisSrv: RedisServerHandle;
let redis: Redis;
let fhir: FhirTestServer;
const logs: Array<Record<string, unknown>> = [];
const log = createLogger('test', { level: 'warn' });
const origWarn = log.warn.bind(log);
(log as unknown as { warn: (o: Record<string, unknown>, m: string) => void }).warn = (o, m) => {
  logs.push({ ...o, msg: m });
  origWarn(o, m);
};
(log as unknown as { error: (o: Record<string, unknown>, m: string) => void }).error = (o, m) => {
  logs.push({ ...o, msg: m });
};

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

const published = (runId: string): RunRecord =>
  ({
    runId,
    status: 'done',
    stage: 'publish',
    request: { patientReference: 'Patient/p-audit', studyInstanceUid: '1.2.3', trigger: 'api' },
    model: { id: 'm', version: '1' },
    fhir: { riskAssessment: 'RiskAssessment/ra-1', device: 'Device/d', provenance: 'Provenance/p' },
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
  }) as unknown as RunRecord;

describe('read audit', () => {
  it('GET /v1/assessments/{runId} of a published result writes a BALP PatientRead naming the user', async () => {
    const client = createFhirClient({ fhirBaseUrl: fhir.baseUrl });
    const sink = createReadAuditSink({ redis, fhir: client, log, service: 'results', issuer: 'https://idp.example.org', intervalMs: 60_000 });
    const reg = new MemoryRunRegistry();
    await reg.claim(published('run-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
    const app = await createServiceApp({ log, auth: 'off' });
    assessmentStatusRoute(app, reg, { onResultRead: (rec, who) => sink.resultRead(rec, who) });
    try {
      expect((await app.inject({ method: 'GET', url: '/v1/assessments/run-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' })).statusCode).toBe(200);
      expect(await sink.flush()).toBe(1);
      const found = (await client.searchResources('AuditEvent', { entity: 'RiskAssessment/ra-1' })) as AuditEvent[];
      expect(found).toHaveLength(1);
      expect(() => validateResource(found[0])).not.toThrow();
      expect(found[0]).toMatchObject({ action: 'R', subtype: [{ code: 'read' }] });
      expect(found[0].entity?.[0]?.what?.reference).toBe('Patient/p-audit');
    } finally {
      await app.close();
      await sink.close();
    }
  });

  it('keeps the events in Redis while the EHR is down (AUDIT_WRITE_FAILED logged, no identifier), and writes them once it is back', async () => {
    const down = createFhirClient({ fhirBaseUrl: 'http://127.0.0.1:9/fhir/', timeoutMs: 500 });
    const sinkDown = createReadAuditSink({ redis, fhir: down, log, service: 'ingestion', issuer: 'https://idp.example.org', intervalMs: 60_000 });
    for (let i = 0; i < 3; i++) await sinkDown.resultRead(published(`run-down-${i}`), { subject: 'dr-y', address: '10.0.0.9' });
    expect(await sinkDown.flush()).toBe(0);
    expect(await redis.llen('tace:audit:pending:ingestion')).toBe(3);
    const failure = logs.find((l) => l.code === 'AUDIT_WRITE_FAILED');
    expect(failure).toMatchObject({ pending: 3 });
    expect(JSON.stringify(failure)).not.toContain('Patient/');
    await sinkDown.close().catch(() => undefined);
    const up = createReadAuditSink({ redis, fhir: createFhirClient({ fhirBaseUrl: fhir.baseUrl }), log, service: 'ingestion', issuer: 'https://idp.example.org', intervalMs: 60_000 });
    expect(await up.flush()).toBe(3);
    expect(await redis.llen('tace:audit:pending:ingestion')).toBe(0);
    await up.close();
  });

  it('a score read before its RiskAssessment exists is audited with the run identifier', async () => {
    const client = createFhirClient({ fhirBaseUrl: fhir.baseUrl });
    const sink = createReadAuditSink({ redis, fhir: client, log, service: 'results', issuer: 'https://idp.example.org', intervalMs: 60_000 });
    await sink.resultRead({ ...published('run-scored-not-published'), fhir: undefined, result: { probability: 0.3, riskGroup: 'moderate' } } as unknown as RunRecord, { subject: 'dr-z', address: '10.0.0.3' });
    expect(await sink.flush()).toBe(1);
    const found = (await client.searchResources('AuditEvent', { 'entity-role': '4', _count: '50' })) as AuditEvent[];
    const mine = found.find((a) => a.entity?.[1]?.what?.identifier?.value === 'run-scored-not-published');
    expect(mine).toBeDefined();
    expect(() => validateResource(mine as AuditEvent)).not.toThrow();
    await sink.close();
  });

  it('an event the EHR refuses for good goes to the dead-letter list (AUDIT_WRITE_REFUSED), the others are written, nothing is retried forever', async () => {
    // The Medplum test server accepts every AuditEvent this sink builds, so a refusal is staged by a
    // minimal HTTP stand-in for an EHR that answers the batch with one 201 and one 422 entry.
    const { createServer } = await import('node:http');
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'Bundle', type: 'batch-response', entry: [{ response: { status: '201 Created' } }, { response: { status: '422 Unprocessable Entity' } }] }));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const sink = createReadAuditSink({ redis, fhir: createFhirClient({ fhirBaseUrl: `http://127.0.0.1:${port}/fhir/` }), log, service: 'inference-worker', issuer: 'https://idp.example.org', intervalMs: 60_000 });
    try {
      await sink.resultRead(published('run-good'), { subject: 'dr-a', address: '10.0.0.1' });
      await sink.resultRead(published('run-refused'), { subject: 'dr-b', address: '10.0.0.2' });
      expect(await sink.flush()).toBe(1);
      expect(await redis.llen('tace:audit:pending:inference-worker')).toBe(0);
      expect(await redis.llen('tace:audit:dead:inference-worker')).toBe(1);
      expect(logs.find((l) => l.code === 'AUDIT_WRITE_REFUSED')).toMatchObject({ refused: 1 });
    } finally {
      await sink.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('records nothing for a run without a score', async () => {
    const sink = createReadAuditSink({ redis, fhir: createFhirClient({ fhirBaseUrl: fhir.baseUrl }), log, service: 'results', issuer: 'x', intervalMs: 60_000 });
    await sink.resultRead({ ...published('run-q'), fhir: undefined } as unknown as RunRecord, { subject: 's', address: 'a' });
    expect(await redis.llen('tace:audit:pending:results')).toBe(0);
    await sink.close();
  });
});
