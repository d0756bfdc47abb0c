import type { MedplumClient } from '@medplum/core';
import type { Device, Provenance, RiskAssessment, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirClient } from './client.ts';
import { buildResultTransaction, publishResult, type ResultInput } from './results.ts';
import { seedPatient } from './seed.ts';
import { startFhirServer, type FhirTestServer } from './server.ts';
import { seedFixture } from './test-fixtures.ts';

let server: FhirTestServer;
let client: MedplumClient;
let seeded: Awaited<ReturnType<typeof seedPatient>>;
let runCounter = 0;

beforeAll(async () => {
  server = await startFhirServer();
  client = createFhirClient({ fhirBaseUrl: server.baseUrl });
  seeded = await seedPatient(client, seedFixture());
});
afterAll(async () => {
  await server.close();
});

const SHA = '0123456789abcdef'.repeat(4);

function input(overrides: Partial<ResultInput> = {}): ResultInput {
  runCounter++;
  return {
    runId: `run-${process.pid}-${runCounter}`,
    patientRef: seeded.patientRef,
    procedure: { reference: seeded.procedureRef, performedDateTime: '2024-03-10' },
    imagingStudyRef: seeded.imagingStudyRef,
    observationRefs: seeded.observationRefs,
    model: { id: 'tace-dlr-demo', version: '1.0.0', weightsSha256: SHA, name: 'TACE DLR nomogram (demo)', syntheticDemo: true, intendedUse: 'Demonstration only' },
    probability: 0.8125,
    riskGroup: 'high',
    points: [
      { factor: 'DLR score', value: 1.37, points: 62.5 },
      { factor: 'Tumour size', value: 52, unit: 'mm', points: 20 },
      { factor: 'Nodules', value: 2, points: 10 },
      { factor: 'AFP', value: '>400', unit: 'ng/mL', points: 15 },
    ],
    totalPoints: 107.5,
    occurrenceDateTime: '2024-04-08T10:00:00Z',
    ...overrides,
  };
}

async function byRunId(runId: string): Promise<RiskAssessment[]> {
  return client.searchResources('RiskAssessment', { identifier: `https://tace-risk.example.org/run-id|${runId}` });
}

describe('buildResultTransaction', () => {
  it('is a transaction of conditional creates without the resource type in ifNoneExist', () => {
    const b = buildResultTransaction(input());
    expect(b.type).toBe('transaction');
    expect(b.entry?.map((e) => e.resource?.resourceType)).toEqual(['Device', 'RiskAssessment', 'Provenance', 'Task']);
    for (const e of b.entry ?? []) {
      if (e.request?.ifNoneExist) expect(e.request.ifNoneExist).toMatch(/^identifier=[^?|]+\|[^|]+$/);
    }
  });
  it('adds no Task for low or moderate risk', () => {
    expect(buildResultTransaction(input({ riskGroup: 'moderate' })).entry?.map((e) => e.resource?.resourceType)).toEqual(['Device', 'RiskAssessment', 'Provenance']);
  });
  it('refuses a run id containing "|" and a probability outside 0..1', () => {
    expect(() => buildResultTransaction(input({ runId: 'a|b' }))).toThrow(expect.objectContaining({ code: 'FHIR_RESULT_INVALID' }));
    expect(() => buildResultTransaction(input({ probability: 1.2 }))).toThrow(expect.objectContaining({ code: 'FHIR_RESULT_INVALID' }));
  });
});

describe('publishResult over HTTP', () => {
  it('writes Device, RiskAssessment, Provenance and Task that read back with the right codes, references and values', async () => {
    const inp = input();
    const refs = await publishResult(client, inp, { backoffMs: 1 });
    const ra = await client.readReference<RiskAssessment>({ reference: refs.riskAssessment });
    expect(ra.status).toBe('final');
    expect(ra.identifier).toEqual([{ system: 'https://tace-risk.example.org/run-id', value: inp.runId }]);
    expect(ra.subject.reference).toBe(seeded.patientRef);
    expect(ra.occurrenceDateTime).toBe('2024-04-08T10:00:00Z');
    expect(ra.parent?.reference).toBe(seeded.procedureRef);
    expect(ra.basis?.map((r) => r.reference)).toEqual([seeded.imagingStudyRef, ...seeded.observationRefs]);
    expect(ra.performer?.reference).toBe(refs.device);
    expect(ra.method?.coding?.[0].code).toBe('tace-dlr-demo@1.0.0');
    const pred = ra.prediction?.[0];
    expect(pred?.outcome?.coding?.[0]).toMatchObject({ system: 'http://snomed.info/sct', code: '128462008' });
    expect(pred?.probabilityDecimal).toBe(81.25); // 0.8125 as a percentage
    expect(pred?.qualitativeRisk?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/risk-probability', code: 'high' });
    // whole points as rms prints them: round(62.5) = 62 (half to even), round(107.5) = 108
    expect(pred?.rationale).toContain('DLR score = 1.37: 62 points');
    expect(pred?.rationale).toContain('Tumour size = 52 mm: 20 points');
    expect(pred?.rationale).toContain('total 108 points');
    const notes = (ra.note ?? []).map((n) => n.text).join('\n');
    expect(notes).toContain('tace-dlr-demo');
    expect(notes).toContain('1.0.0');
    expect(notes).toContain('synthetic demonstration model — not for clinical use');

    const device = await client.readReference<Device>({ reference: refs.device });
    expect(device.identifier?.[0]).toEqual({ system: 'https://tace-risk.example.org/model', value: 'tace-dlr-demo@1.0.0' });
    expect(device.version?.[0].value).toBe('1.0.0');
    expect(device.deviceName?.[0].name).toBe('TACE DLR nomogram (demo)');
    expect(device.property?.[0].valueCode?.[0].text).toBe(SHA);

    const prov = await client.readReference<Provenance>({ reference: refs.provenance });
    expect(prov.target.map((t) => t.reference)).toEqual([refs.riskAssessment]);
    expect(prov.agent[0].who?.reference).toBe(refs.device);
    expect(prov.entity?.map((e) => [e.role, e.what.reference])).toEqual(
      [seeded.procedureRef, seeded.imagingStudyRef, ...seeded.observationRefs].map((r) => ['source', r]),
    );

    expect(refs.task).toBeDefined();
    const task = await client.readReference<Task>({ reference: refs.task ?? '' });
    expect(task.status).toBe('requested');
    expect(task.intent).toBe('order');
    expect(task.focus?.reference).toBe(refs.riskAssessment);
    expect(task.for?.reference).toBe(seeded.patientRef);
  });

  it('writes no Task for a low-risk result and no synthetic notice for a non-demo model', async () => {
    const inp = input({ riskGroup: 'low', probability: 0.05, model: { ...input().model, syntheticDemo: false, version: '2.0.0' } });
    const refs = await publishResult(client, inp);
    expect(refs.task).toBeUndefined();
    expect(await client.searchResources('Task', { identifier: `https://tace-risk.example.org/worklist-task|${inp.runId}` })).toHaveLength(0);
    const ra = await client.readReference<RiskAssessment>({ reference: refs.riskAssessment });
    expect(ra.prediction?.[0].probabilityDecimal).toBe(5);
    expect(ra.prediction?.[0].qualitativeRisk?.coding?.[0].code).toBe('low');
    expect((ra.note ?? []).map((n) => n.text).join('\n')).not.toContain('synthetic');
  });

  it('is idempotent: publishing twice yields one RiskAssessment, Provenance, Task and Device', async () => {
    const inp = input({ model: { ...input().model, version: '3.0.0' } });
    const first = await publishResult(client, inp);
    const second = await publishResult(client, inp);
    expect(second).toEqual(first);
    expect(await byRunId(inp.runId)).toHaveLength(1);
    expect(await client.searchResources('Provenance', { target: first.riskAssessment })).toHaveLength(1);
    expect(await client.searchResources('Task', { identifier: `https://tace-risk.example.org/worklist-task|${inp.runId}` })).toHaveLength(1);
    expect(await client.searchResources('Device', { identifier: 'https://tace-risk.example.org/model|tace-dlr-demo@3.0.0' })).toHaveLength(1);
  });

  it('retries through failNext(2) and ends with exactly one RiskAssessment', async () => {
    const inp = input();
    const before = server.requestCount();
    server.failNext(2);
    const refs = await publishResult(client, inp, { retries: 3, backoffMs: 1 });
    // 2 failed attempts + 1 search + 1 transaction (nothing else touched the server meanwhile).
    expect(server.requestCount() - before).toBe(4);
    const all = await byRunId(inp.runId);
    expect(all.map((r) => `RiskAssessment/${r.id}`)).toEqual([refs.riskAssessment]);
  });

  it('fails with FHIR_UNAVAILABLE (retryable) after the retries are used up, having written nothing', async () => {
    const inp = input();
    server.failNext(3);
    let err: unknown;
    try {
      await publishResult(client, inp, { retries: 2, backoffMs: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'FHIR_UNAVAILABLE', retryable: true });
    expect(await byRunId(inp.runId)).toHaveLength(0);
  });

  it('completes a half-written result: RiskAssessment present but Provenance and Task missing', async () => {
    const inp = input();
    // Simulate a lost write: only the Device + RiskAssessment entries reached the server.
    const full = buildResultTransaction(inp);
    await client.executeBatch({ ...full, entry: full.entry?.slice(0, 2) });
    const refs = await publishResult(client, inp);
    expect(await byRunId(inp.runId)).toHaveLength(1);
    expect(await client.searchResources('Provenance', { target: refs.riskAssessment })).toHaveLength(1);
    expect(refs.task).toBeDefined();
    await publishResult(client, inp);
    expect(await client.searchResources('Provenance', { target: refs.riskAssessment })).toHaveLength(1);
  });

  it('sequential calls with the same run id (serialised, as the job layer runs them) give one resource each', async () => {
    const inp = input();
    for (let i = 0; i < 3; i++) await publishResult(client, inp);
    expect(await byRunId(inp.runId)).toHaveLength(1);
    expect(await client.searchResources('Task', { identifier: `https://tace-risk.example.org/worklist-task|${inp.runId}` })).toHaveLength(1);
  });
});

describe('publishResult concurrency within one process', () => {
  it('concurrent calls with the same run id are serialised: one RiskAssessment, one Provenance', async () => {
    const inp = input();
    const all = await Promise.all([publishResult(client, inp), publishResult(client, inp), publishResult(client, inp)]);
    expect(new Set(all.map((r) => r.riskAssessment)).size).toBe(1);
    expect(await byRunId(inp.runId)).toHaveLength(1);
    expect(await client.searchResources('Provenance', { target: all[0].riskAssessment })).toHaveLength(1);
  });
});
