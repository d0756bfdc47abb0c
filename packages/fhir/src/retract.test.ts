import type { MedplumClient } from '@medplum/core';
import { validateResource } from '@medplum/core';
import type { Provenance, RiskAssessment, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { publishResult } from './results.ts';
import { buildRetractionTransaction, retractResult } from './retract.ts';
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
  await server.close();
});

const publishHigh = (runId: string) => publishResult(client, resultFixture(seeded, runId));

describe('retractResult', () => {
  it('marks the RiskAssessment entered-in-error and the Task cancelled, with a valid Provenance naming who and why', async () => {
    const refs = await publishHigh('run-retract-1');
    const at = '2024-04-09T08:00:00Z';
    const { provenance } = await retractResult(client, { riskAssessmentRef: refs.riskAssessment, taskRef: refs.task!, by: { sub: 'dr-who', issuer: 'https://idp.example.org' }, reason: 'wrong patient', at });
    const ra = (await client.readReference({ reference: refs.riskAssessment })) as RiskAssessment;
    expect(ra.status).toBe('entered-in-error');
    expect(ra.prediction?.[0]?.probabilityDecimal).toBe(90); // the content is kept, only its status changes
    const task = (await client.readReference({ reference: refs.task! })) as Task;
    expect(task.status).toBe('cancelled');
    expect(task.statusReason?.text).toContain('wrong patient');
    const prov = (await client.readReference({ reference: provenance })) as Provenance;
    expect(prov).toMatchObject({
      recorded: at,
      activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'NULLIFY' }] },
      reason: [{ text: 'wrong patient' }],
      agent: [{ who: { identifier: { system: 'https://idp.example.org', value: 'dr-who' } } }],
    });
    expect(prov.target?.[0]?.reference).toBe(`${refs.riskAssessment}/_history/${(await client.readHistory('RiskAssessment', refs.riskAssessment.split('/')[1]!)).entry?.at(-1)?.resource?.meta?.versionId}`);
    expect(() => validateResource(prov)).not.toThrow();
    expect(() => validateResource(ra)).not.toThrow();
    expect(() => validateResource(task)).not.toThrow();
    // A retry (the first answer lost) writes nothing more and returns the same Provenance.
    const again = await retractResult(client, { riskAssessmentRef: refs.riskAssessment, taskRef: refs.task!, by: { sub: 'dr-who' }, reason: 'wrong patient', at });
    expect(again.provenance).toBe(provenance);
    expect(await client.searchResources('Provenance', { target: refs.task! })).toHaveLength(1); // one retraction Provenance, not two
  });

  it('writes nothing when the RiskAssessment changed since it was read (If-Match), and the Task is left as it was', async () => {
    const refs = await publishHigh('run-retract-2');
    const ra = (await client.readReference({ reference: refs.riskAssessment })) as RiskAssessment;
    const task = (await client.readReference({ reference: refs.task! })) as Task;
    const bundle = buildRetractionTransaction({ riskAssessmentRef: refs.riskAssessment, taskRef: refs.task!, by: { sub: 'x' }, reason: 'r', at: '2024-04-09T08:00:00Z' }, ra, task);
    bundle.entry![0]!.request!.ifMatch = 'W/"not-the-version-read"'; // someone updated it in between
    await expect(client.executeBatch(bundle)).rejects.toThrow();
    expect(((await client.readReference({ reference: refs.riskAssessment })) as RiskAssessment).status).toBe('final');
    expect(((await client.readReference({ reference: refs.task! })) as Task).status).toBe('requested');
    expect(await client.searchResources('Provenance', { target: refs.riskAssessment })).toHaveLength(1); // only the publish's
  });
});
