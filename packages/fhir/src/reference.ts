import { TaceError } from '@tace/common';

/**
 * A FHIR logical id (R4 `id`: [A-Za-z0-9\-.]{1,64}). `.` and `..` fit that pattern but are URL
 * path segments: `Patient/.` normalises to a search of all patients and `Patient/..` to the
 * server root, so they are refused as ids.
 */
export function isFhirId(s: string): boolean {
  return /^[A-Za-z0-9\-.]{1,64}$/.test(s) && s !== '.' && s !== '..';
}

/** The id of a `Patient/<id>` reference; anything else is FHIR_REFERENCE_INVALID (400). */
export function patientIdOf(reference: string): string {
  const m = /^Patient\/([^/]*)$/.exec(reference);
  if (!m || !isFhirId(m[1]!)) {
    throw new TaceError('FHIR_REFERENCE_INVALID', 'The patient reference is not of the form Patient/<id> with a FHIR id', { httpStatus: 400 });
  }
  return m[1]!;
}
