/**
 * Audit (IHE BALP AuditEvents) and AI transparency (HL7 AI Transparency: meta.security AIAST) of what
 * the service writes, against the real test FHIR server; every written resource validates against
 * FHIR R4 with @medplum/core's validator.
 */
import type { MedplumClient } from '@medplum/core';
import { validateResource } from '@medplum/core';
import type { AuditEvent, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditEvent } from './audit.ts';
import { createFhirClient } from './client.ts';
import { publishResult, type ResultInput } from './results.ts';
import { retractResult } from './retract.ts';
import { seedPatient } from './seed.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';
import { resultFixture, seedFixture } from './test-fixtures.ts';

let server: FhirTestServer;
let client: MedplumClient;
let seeded: Awaited<ReturnType<typeof seedPatient>>;
beforeAll(async () => {
  server = await startFhirServer();
  client = createFhirClient({ fhirBaseUrl: server.baseUrl });
  seeded = await seedPatient(client, seedFixture());
});
afterAll(async () => {
  await server?.close();
});

const input = (runId: string): ResultInput => resultFixture(seeded, runId);
const auditsOf = async (ref: string) => (await client.searchResources('AuditEvent', { entity: ref })) as AuditEvent[];
const valid = (r: Resource) => expect(() => validateResource(r), `${r.resourceType} validates against FHIR R4`).not.toThrow();

describe('what the service writes', () => {
  it('tags AI-asserted resources (RiskAssessment, Task) with meta.security AIAST; the Provenance names the model Device', async () => {
    const refs = await publishResult(client, input('run-audit-1'));
    const ra = await client.readReference({ reference: refs.riskAssessment });
    const task = await client.readReference({ reference: refs.task as string });
    for (const r of [ra, task]) expect(r.meta?.security).toContainEqual({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'AIAST', display: 'Artificial Intelligence asserted' });
    const prov = await client.readReference({ reference: refs.provenance });
    expect((prov as { agent: Array<{ who: { reference: string } }> }).agent[0].who.reference).toBe(refs.device);
    for (const r of [ra, task, prov, await client.readReference({ reference: refs.device })]) valid(r);
  });

  it('writes one BALP PatientCreate AuditEvent per created resource in the same transaction, and none again on a re-publish', async () => {
    const refs = await publishResult(client, input('run-audit-2'));
    for (const ref of [refs.riskAssessment, refs.provenance, refs.task as string]) {
      const audits = await auditsOf(ref);
      expect(audits, ref).toHaveLength(1);
      const a = audits[0];
      valid(a);
      expect(a).toMatchObject({
        meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientCreate'] },
        type: { code: 'rest' },
        subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'create' }],
        action: 'C',
        outcome: '0',
      });
      expect(a.entity?.map((e) => e.what?.reference)).toEqual([seeded.patientRef, ref]);
      expect(a.agent?.map((g) => g.type?.coding?.[0]?.code)).toEqual(['110153', '110152']);
      expect(a.agent?.[1]?.network?.address).toBe(client.getBaseUrl());
    }
    for (let k = 0; k < 3; k++) await publishResult(client, input('run-audit-2')); // replayed publishes: nothing new is created
    for (const ref of [refs.riskAssessment, refs.provenance, refs.task as string]) expect(await auditsOf(ref), ref).toHaveLength(1);
  });

  it('a retraction writes BALP PatientUpdate AuditEvents naming the user, in the retraction transaction', async () => {
    const refs = await publishResult(client, input('run-audit-3'));
    const { provenance } = await retractResult(client, { riskAssessmentRef: refs.riskAssessment, taskRef: refs.task as string, by: { sub: 'dr-who', issuer: 'https://idp.example.org' }, reason: 'wrong study', at: '2024-04-09T08:00:00Z' });
    const provCreate = (await auditsOf(provenance)).filter((a) => a.action === 'C');
    expect(provCreate).toHaveLength(1); // the retraction's own Provenance is a write too
    expect(provCreate[0].source?.observer?.display).toBe('tace-risk ingestion service');
    for (const ref of [refs.riskAssessment, refs.task as string]) {
      const update = (await auditsOf(ref)).find((a) => a.action === 'U');
      expect(update, ref).toBeDefined();
      valid(update as AuditEvent);
      expect(update?.agent?.find((g) => g.requestor)?.who?.identifier).toEqual({ system: 'https://idp.example.org', value: 'dr-who' });
    }
  });

  it('builds a valid BALP PatientRead for an API read, with the OAuth user as requestor', () => {
    const a = buildAuditEvent({ interaction: 'read', patient: { reference: 'Patient/p1' }, what: { reference: 'RiskAssessment/r1' }, recorded: '2024-04-10T09:00:00Z', service: 'results', peer: '10.0.0.7', user: { issuer: 'https://idp.example.org', subject: 'dr-x' } });
    valid(a);
    expect(a).toMatchObject({ action: 'R', subtype: [{ code: 'read' }], meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] } });
    expect(a.agent?.filter((g) => g.requestor)).toHaveLength(1);
  });
});
