import type { ImagingStudy, Procedure } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { seedPatient } from './seed.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';
import { seedFixture } from './test-fixtures.ts';
import { findPostTaceProcedure, isTaceTrigger } from './trigger.ts';

const tace: Procedure = {
  resourceType: 'Procedure',
  status: 'completed',
  code: { coding: [{ system: 'http://snomed.info/sct', code: '441525007' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: '2024-03-10',
};
const study: ImagingStudy = {
  resourceType: 'ImagingStudy',
  status: 'available',
  subject: { reference: 'Patient/p1' },
  identifier: [{ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3.4' }],
  modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
  started: '2024-04-07',
};

describe('isTaceTrigger', () => {
  it('recognises a completed TACE Procedure', () => {
    expect(isTaceTrigger(tace)).toEqual({ kind: 'procedure', patientRef: 'Patient/p1' });
  });
  it('ignores a TACE not completed, another procedure code, or a non-patient subject', () => {
    expect(isTaceTrigger({ ...tace, status: 'in-progress' })).toBeUndefined();
    expect(isTaceTrigger({ ...tace, code: { coding: [{ system: 'http://snomed.info/sct', code: '73761001' }] } })).toBeUndefined();
    expect(isTaceTrigger({ ...tace, subject: { reference: 'Group/g1' } })).toBeUndefined();
  });
  it('recognises an available CT ImagingStudy with its StudyInstanceUID', () => {
    expect(isTaceTrigger(study)).toEqual({ kind: 'imagingStudy', patientRef: 'Patient/p1', studyInstanceUid: '1.2.3.4' });
  });
  it('ignores a registered study, an MR-only study, and other resources', () => {
    expect(isTaceTrigger({ ...study, status: 'registered' })).toBeUndefined();
    expect(isTaceTrigger({ ...study, modality: [{ code: 'MR' }] })).toBeUndefined();
    expect(isTaceTrigger({ resourceType: 'Patient' })).toBeUndefined();
  });
});

describe('findPostTaceProcedure', () => {
  let server: FhirTestServer;
  beforeAll(async () => {
    server = await startFhirServer();
  });
  afterAll(async () => {
    await server.close();
  });
  it('finds the TACE before the study start, and none for a study before any TACE', async () => {
    const client = createFhirClient({ fhirBaseUrl: server.baseUrl });
    const refs = await seedPatient(client, seedFixture());
    const s = await client.readReference<ImagingStudy>({ reference: refs.imagingStudyRef });
    expect(await findPostTaceProcedure(client, s)).toEqual({ reference: refs.procedureRef, performedDateTime: '2024-03-10' });
    expect(await findPostTaceProcedure(client, { ...s, started: '2024-01-01' })).toBeUndefined();
  });
});
