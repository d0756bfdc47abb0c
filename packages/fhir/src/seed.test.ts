import type { ImagingStudy, Observation, Patient, Procedure } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { buildSeedTransaction, seedPatient } from './seed.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';
import { seedFixture } from './test-fixtures.ts';

let server: FhirTestServer;
beforeAll(async () => {
  server = await startFhirServer();
});
afterAll(async () => {
  await server.close();
});

describe('seeding', () => {
  it('builds Patient, TACE Procedure, three Observations and an ImagingStudy, all conditional', () => {
    const b = buildSeedTransaction(seedFixture());
    expect(b.entry?.map((e) => e.resource?.resourceType)).toEqual(['Patient', 'Procedure', 'Observation', 'Observation', 'Observation', 'ImagingStudy']);
    expect(b.entry?.every((e) => e.request?.method === 'POST' && e.request.ifNoneExist?.startsWith('identifier='))).toBe(true);
  });

  it('writes the resources with the codes, units and dates given, and is idempotent', async () => {
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const fx = seedFixture({ afp: { value: 80, unit: '[IU]/mL', loinc: '19176-7' }, tumourSize: { value: 4.1, unit: 'cm' }, noduleCount: 4 });
    const refs = await seedPatient(client, fx);
    const again = await seedPatient(client, fx);
    expect(again).toEqual(refs);
    expect(await client.searchResources('Patient', { identifier: `https://tace-risk.example.org/demo-id|${fx.patientIdentifier}` })).toHaveLength(1);

    const patient = await client.readReference<Patient>({ reference: refs.patientRef });
    expect(patient.birthDate).toBe('1958-06-01');
    const proc = await client.readReference<Procedure>({ reference: refs.procedureRef });
    expect(proc.status).toBe('completed');
    expect(proc.code?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '441525007' });
    expect(proc.subject.reference).toBe(refs.patientRef);
    expect(proc.performedDateTime).toBe('2024-03-10');
    const [afp, size, nod] = await Promise.all(refs.observationRefs.map((r) => client.readReference<Observation>({ reference: r })));
    expect(afp.code.coding?.[0].code).toBe('19176-7');
    expect(afp.valueQuantity).toMatchObject({ value: 80, code: '[IU]/mL', system: 'http://unitsofmeasure.org' });
    expect(afp.effectiveDateTime).toBe('2024-03-07'); // default: TACE − 3 days
    expect(size.code.coding?.[0].code).toBe('21889-1');
    expect(size.component?.[0].code.coding?.[0].code).toBe('33728-7');
    expect(size.component?.[0].valueQuantity).toMatchObject({ value: 4.1, code: 'cm' });
    expect(nod.valueInteger).toBe(4);
    const study = await client.readReference<ImagingStudy>({ reference: refs.imagingStudyRef });
    expect(study.identifier?.[0]).toEqual({ system: 'urn:dicom:uid', value: `urn:oid:${fx.studyInstanceUid}` });
    expect(study.status).toBe('available');
    expect(study.started).toBe('2024-04-07'); // default: TACE + 28 days
    const found = await client.searchResources('ImagingStudy', { identifier: `urn:dicom:uid|urn:oid:${fx.studyInstanceUid}` });
    expect(found.map((s) => s.id)).toEqual([study.id]);
  });
});
