import type { MedplumClient } from '@medplum/core';
import type { Observation, Procedure } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClinicalContext } from './clinical.ts';
import { createFhirClient } from './client.ts';
import { seedPatient, type SeedPatient } from './seed.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';
import { seedFixture } from './test-fixtures.ts';

let server: FhirTestServer;
let client: MedplumClient;

beforeAll(async () => {
  server = await startFhirServer();
  client = createFhirClient({ fhirBaseUrl: server.baseUrl });
});
afterAll(async () => {
  await server.close();
});

async function seed(overrides: Partial<SeedPatient> = {}): Promise<{ patientRef: string; fixture: SeedPatient; procedureRef: string; observationRefs: string[]; imagingStudyRef: string }> {
  const fixture = seedFixture(overrides);
  return { ...(await seedPatient(client, fixture)), fixture };
}

function code(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; httpStatus?: number; retryable?: boolean }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string; message: string; httpStatus?: number; retryable?: boolean };
  }
  throw new Error('expected a failure');
}

function obs(patientRef: string, o: Omit<Observation, 'resourceType' | 'subject' | 'status'> & { status?: Observation['status'] }): Observation {
  return { resourceType: 'Observation', status: 'final', subject: { reference: patientRef }, ...o };
}

const loinc = (c: string) => ({ coding: [{ system: 'http://loinc.org', code: c }] });

describe('resolveClinicalContext over HTTP', () => {
  it('reads the seeded TACE, AFP, size (cm → mm), nodules and the ImagingStudy by UID', async () => {
    const s = await seed({ tumourSize: { value: 5.2, unit: 'cm' }, afp: { value: 250, unit: 'ng/mL' }, noduleCount: 3 });
    const ctx = await resolveClinicalContext(client, s.patientRef, {}, { studyInstanceUid: s.fixture.studyInstanceUid });
    expect(ctx.patientRef).toBe(s.patientRef);
    expect(ctx.procedure).toEqual({ reference: s.procedureRef, performedDateTime: '2024-03-10' });
    expect(ctx.clinical.afpNgPerMl.value).toBe(250);
    expect(ctx.clinical.afpNgPerMl.original).toEqual({ value: 250, unit: 'ng/mL' });
    expect(ctx.clinical.tumourSizeMm.value).toBeCloseTo(52, 10); // 5.2 cm × 10
    expect(ctx.clinical.tumourSizeMm.original).toEqual({ value: 5.2, unit: 'cm' });
    expect(ctx.clinical.noduleCount.value).toBe(3);
    expect(ctx.imagingStudyRef).toBe(s.imagingStudyRef);
    expect(ctx.observationRefs).toEqual(s.observationRefs);
    expect(ctx.clinical.afpNgPerMl.reference).toBe(s.observationRefs[0]);
  });

  it('accepts Patient?identifier=… and leaves imagingStudyRef unset for an unknown study UID', async () => {
    const s = await seed();
    const ctx = await resolveClinicalContext(client, `Patient?identifier=https://tace-risk.example.org/demo-id|${s.fixture.patientIdentifier}`, {}, { studyInstanceUid: '1.2.3.999999' });
    expect(ctx.patientRef).toBe(s.patientRef);
    expect(ctx.imagingStudyRef).toBeUndefined();
  });

  it('uses the latest completed TACE and the latest value inside −30/+7 days of it', async () => {
    const s = await seed();
    // A later TACE (2024-05-01) becomes the reference; a non-completed one after it is ignored.
    const tace = (date: string, status: Procedure['status']): Procedure => ({
      resourceType: 'Procedure',
      status,
      code: { coding: [{ system: 'http://snomed.info/sct', code: '441525007' }] },
      subject: { reference: s.patientRef },
      performedPeriod: { start: date, end: date },
    });
    const later = await client.createResource(tace('2024-05-01', 'completed'));
    await client.createResource(tace('2024-06-01', 'in-progress'));
    const afpQ = (value: number, date: string): Observation =>
      obs(s.patientRef, { code: loinc('1834-1'), effectiveDateTime: date, valueQuantity: { value, unit: 'ng/mL', system: 'http://unitsofmeasure.org', code: 'ng/mL' } });
    await client.createResource(afpQ(11, '2024-04-10')); // 21 days before: inside
    const latest = await client.createResource(afpQ(12, '2024-05-06')); // 5 days after: inside, latest
    await client.createResource(afpQ(13, '2024-05-20')); // 19 days after: outside
    const size = obs(s.patientRef, {
      code: loinc('21889-1'),
      effectiveDateTime: '2024-04-28',
      component: [{ code: loinc('33728-7'), valueQuantity: { value: 33, unit: 'mm', system: 'http://unitsofmeasure.org', code: 'mm' } }],
    });
    await client.createResource(size);
    await client.createResource(
      obs(s.patientRef, { code: { coding: [{ system: 'http://tace-risk.example.org/CodeSystem/clinical', code: 'nodule-count' }] }, effectiveDateTime: '2024-04-28', valueQuantity: { value: 1, unit: '1' } }),
    );
    const ctx = await resolveClinicalContext(client, s.patientRef, {});
    expect(ctx.procedure).toEqual({ reference: `Procedure/${later.id}`, performedDateTime: '2024-05-01' });
    expect(ctx.clinical.afpNgPerMl.value).toBe(12);
    expect(ctx.clinical.afpNgPerMl.reference).toBe(`Observation/${latest.id}`);
    expect(ctx.clinical.tumourSizeMm.value).toBe(33);
    expect(ctx.clinical.noduleCount.value).toBe(1);
    // With the original study (started 2024-04-07) the TACE it follows is the 2024-03-10 one.
    const ctxStudy = await resolveClinicalContext(client, s.patientRef, {}, { studyInstanceUid: s.fixture.studyInstanceUid });
    expect(ctxStudy.procedure).toEqual({ reference: s.procedureRef, performedDateTime: '2024-03-10' });
    expect(ctxStudy.clinical.afpNgPerMl.value).toBe(250);
  });

  it('honours a configured window and nodule coding', async () => {
    const s = await seed({ observationDates: { afp: '2024-01-20' } }); // 50 days before TACE
    expect(code(await failure(resolveClinicalContext(client, s.patientRef, {})))).toBe('FHIR_AFP_MISSING');
    const ctx = await resolveClinicalContext(client, s.patientRef, { windowDaysBefore: 60 });
    expect(ctx.clinical.afpNgPerMl.value).toBe(250);
    const other = { system: 'http://example.org/local', code: 'nodules' };
    expect(code(await failure(resolveClinicalContext(client, s.patientRef, { windowDaysBefore: 60, noduleCoding: other })))).toBe('FHIR_NODULES_MISSING');
  });

  it('converts LOINC 19176-7 [IU]/mL only with a configured factor', async () => {
    const s = await seed({ afp: { value: 100, unit: '[IU]/mL', loinc: '19176-7' } });
    const err = await failure(resolveClinicalContext(client, s.patientRef, {}));
    expect(err.code).toBe('FHIR_AFP_UNIT_UNKNOWN');
    expect(err.message).toMatch(/afpIuPerMlToNgPerMl/);
    const ctx = await resolveClinicalContext(client, s.patientRef, { afpIuPerMlToNgPerMl: 1.21 });
    expect(ctx.clinical.afpNgPerMl.value).toBeCloseTo(121, 10); // 100 × 1.21
    expect(ctx.clinical.afpNgPerMl.original).toEqual({ value: 100, unit: '[IU]/mL' });
  });

  it('accepts ug/L AFP 1:1', async () => {
    const s = await seed({ afp: { value: 42, unit: 'ug/L' } });
    expect((await resolveClinicalContext(client, s.patientRef, {})).clinical.afpNgPerMl.value).toBe(42);
  });

  it('FHIR_PATIENT_NOT_FOUND (404) for an unknown patient', async () => {
    const err = await failure(resolveClinicalContext(client, 'Patient/00000000-0000-4000-8000-00000000dead', {}));
    expect(err.code).toBe('FHIR_PATIENT_NOT_FOUND');
    expect(err.httpStatus).toBe(404);
  });

  it('FHIR_TACE_PROCEDURE_MISSING when the patient has no completed TACE', async () => {
    const p = await client.createResource({ resourceType: 'Patient' as const });
    expect(code(await failure(resolveClinicalContext(client, `Patient/${p.id}`, {})))).toBe('FHIR_TACE_PROCEDURE_MISSING');
  });

  it('FHIR_AFP_MISSING, FHIR_TUMOUR_SIZE_MISSING, FHIR_NODULES_MISSING when a value is outside the window', async () => {
    const outside = '2024-03-25'; // 15 days after TACE > 7
    const a = await seed({ observationDates: { afp: outside } });
    expect(code(await failure(resolveClinicalContext(client, a.patientRef, {})))).toBe('FHIR_AFP_MISSING');
    const b = await seed({ observationDates: { tumourSize: outside } });
    expect(code(await failure(resolveClinicalContext(client, b.patientRef, {})))).toBe('FHIR_TUMOUR_SIZE_MISSING');
    const c = await seed({ observationDates: { noduleCount: outside } });
    expect(code(await failure(resolveClinicalContext(client, c.patientRef, {})))).toBe('FHIR_NODULES_MISSING');
  });

  it('FHIR_AFP_UNIT_UNKNOWN and FHIR_TUMOUR_SIZE_UNIT_UNKNOWN for unknown units', async () => {
    const a = await seed({ afp: { value: 3, unit: 'mg/dL' } });
    expect(code(await failure(resolveClinicalContext(client, a.patientRef, {})))).toBe('FHIR_AFP_UNIT_UNKNOWN');
    const b = await seed({ tumourSize: { value: 3, unit: 'm' as 'mm' } });
    expect(code(await failure(resolveClinicalContext(client, b.patientRef, {})))).toBe('FHIR_TUMOUR_SIZE_UNIT_UNKNOWN');
  });

  it('FHIR_UNAVAILABLE (retryable) when the server keeps answering 503', async () => {
    const s = await seed();
    server.failNext(100);
    const err = await failure(resolveClinicalContext(client, s.patientRef, {}, { retries: 1, backoffMs: 1 }));
    server.failNext(0);
    expect(err.code).toBe('FHIR_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it('retries through a transient 503 and succeeds', async () => {
    const s = await seed();
    server.failNext(1);
    const ctx = await resolveClinicalContext(client, s.patientRef, {}, { retries: 2, backoffMs: 1 });
    expect(ctx.clinical.noduleCount.value).toBe(2);
  });

  it('FHIR_UNAVAILABLE when nothing listens', async () => {
    const dead = createFhirClient({ fhirBaseUrl: 'http://127.0.0.1:9/fhir/R4/' });
    const err = await failure(resolveClinicalContext(dead, 'Patient/x', {}, { retries: 0 }));
    expect(err.code).toBe('FHIR_UNAVAILABLE');
  });

  it('a study on the day of a TACE (date-only start, TACE with a time) follows that TACE', async () => {
    const s = await seed({ taceDate: '2024-03-10T09:30:00Z', studyDate: '2024-03-10', observationDates: { afp: '2024-03-09', tumourSize: '2024-03-09', noduleCount: '2024-03-09' } });
    const ctx = await resolveClinicalContext(client, s.patientRef, {}, { studyInstanceUid: s.fixture.studyInstanceUid });
    expect(ctx.procedure.reference).toBe(s.procedureRef);
  });

  it('FHIR_STUDY_PATIENT_MISMATCH (409) when the study UID belongs to another patient', async () => {
    const a = await seed();
    const b = await seed();
    const err = await failure(resolveClinicalContext(client, a.patientRef, {}, { studyInstanceUid: b.fixture.studyInstanceUid }));
    expect(err.code).toBe('FHIR_STUDY_PATIENT_MISMATCH');
    expect(err.httpStatus).toBe(409);
  });
});
