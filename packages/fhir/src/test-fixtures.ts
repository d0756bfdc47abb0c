/** Shared fixtures for this package's tests (not exported from index.ts). */
import type { ResultInput } from './results.ts';
import type { SeedPatient, SeededRefs } from './seed.ts';

let counter = 0;

/** A synthetic patient; each call gets a fresh identifier and study UID so tests do not collide. */
export function seedFixture(overrides: Partial<SeedPatient> = {}): SeedPatient {
  counter++;
  return {
    patientIdentifier: `test-${process.pid}-${counter}`,
    familyName: 'Synthetic',
    givenName: 'Test',
    birthDate: '1958-06-01',
    gender: 'male',
    taceDate: '2024-03-10',
    studyInstanceUid: `1.2.826.0.1.3680043.10.999.${process.pid}.${counter}`,
    afp: { value: 250, unit: 'ng/mL' },
    tumourSize: { value: 52, unit: 'mm' },
    noduleCount: 2,
    ...overrides,
  };
}

/** A result for a seeded patient (synthetic demo model), as the publish stage hands it over. */
export function resultFixture(seeded: Pick<SeededRefs, 'patientRef' | 'procedureRef' | 'observationRefs'>, runId: string, overrides: Partial<ResultInput> = {}): ResultInput {
  return {
    runId,
    patientRef: seeded.patientRef,
    procedure: { reference: seeded.procedureRef, performedDateTime: '2024-03-10' },
    observationRefs: seeded.observationRefs,
    model: { id: 'm', version: '1', weightsSha256: '0'.repeat(64), name: 'demo', syntheticDemo: true, intendedUse: 'demo' },
    probability: 0.9,
    riskGroup: 'high',
    points: [{ factor: 'DLR score', value: 1, points: 50 }],
    totalPoints: 50,
    occurrenceDateTime: '2024-04-08T10:00:00Z',
    ...overrides,
  };
}
