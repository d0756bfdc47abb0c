import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';

let server: FhirTestServer;

beforeAll(async () => {
  server = await startFhirServer();
});
afterAll(async () => {
  await server.close();
});

describe('HTTP FHIR test server', () => {
  it('serves create, read and token search on identifier over real HTTP', async () => {
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const created = await client.createResource<Patient>({ resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'srv-1' }] });
    const raw = await fetch(`${server.baseUrl}Patient/${created.id}`);
    expect(raw.status).toBe(200);
    expect(((await raw.json()) as Patient).identifier?.[0].value).toBe('srv-1');
    const found = await client.searchResources('Patient', 'identifier=urn:test|srv-1');
    expect(found.map((p) => p.id)).toEqual([created.id]);
    expect(await client.searchResources('Patient', 'identifier=urn:test|other')).toHaveLength(0);
  });

  it('answers 404 for an unknown resource', async () => {
    const raw = await fetch(`${server.baseUrl}Patient/does-not-exist`);
    expect(raw.status).toBe(404);
  });

  it('searches Observations by code, subject and date', async () => {
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const p = await client.createResource<Patient>({ resourceType: 'Patient' });
    const mk = (code: string, date: string): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: `Patient/${p.id}` },
      effectiveDateTime: date,
    });
    await client.createResource(mk('1834-1', '2024-01-05'));
    await client.createResource(mk('1834-1', '2024-02-05'));
    await client.createResource(mk('21889-1', '2024-02-05'));
    const afp = await client.searchResources('Observation', { subject: `Patient/${p.id}`, code: 'http://loinc.org|1834-1' });
    expect(afp).toHaveLength(2);
    const params = new URLSearchParams({ patient: `Patient/${p.id}`, code: 'http://loinc.org|1834-1' });
    params.append('date', 'ge2024-02-01');
    params.append('date', 'le2024-02-28');
    const inFeb = await client.searchResources('Observation', params);
    expect(inFeb.map((o) => o.effectiveDateTime)).toEqual(['2024-02-05']);
  });

  it('runs transactions with conditional create (ifNoneExist) and resolves urn:uuid references', async () => {
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const tx = (): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'tx-1' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test|tx-1' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    const first = await client.executeBatch(tx());
    const second = await client.executeBatch(tx());
    const patientLoc1 = first.entry?.[0].response?.location ?? '';
    expect(first.entry?.[0].response?.status).toMatch(/^201/);
    expect(second.entry?.[0].response?.status).toMatch(/^200/); // existing one matched, not created
    expect(second.entry?.[0].response?.location).toBe(patientLoc1);
    const patientRef = /Patient\/[^/]+/.exec(patientLoc1)?.[0];
    const obs = await client.searchResources('Observation', { subject: patientRef ?? '' });
    expect(obs).toHaveLength(2);
    expect(obs[0].subject?.reference).toBe(patientRef);
    expect(await client.searchResources('Patient', 'identifier=urn:test|tx-1')).toHaveLength(1);
  });

  it('failNext(n) answers 503 to exactly the next n requests', async () => {
    server.failNext(2);
    expect((await fetch(`${server.baseUrl}Patient`)).status).toBe(503);
    expect((await fetch(`${server.baseUrl}Patient`)).status).toBe(503);
    expect((await fetch(`${server.baseUrl}Patient`)).status).toBe(200);
  });
});

describe('test control route', () => {
  it('POST /__test/fail-next?n=1 makes the next FHIR request fail with 503', async () => {
    const ctl = await fetch(`${server.rootUrl}__test/fail-next?n=1`, { method: 'POST' });
    expect(ctl.status).toBe(200);
    expect((await fetch(`${server.baseUrl}Patient`)).status).toBe(503);
    expect((await fetch(`${server.baseUrl}Patient`)).status).toBe(200);
  });
});
