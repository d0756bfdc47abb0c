/** Shared fixtures for this package's tests (not exported from index.ts). */
import type { SeedPatient } from './seed.ts';

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
