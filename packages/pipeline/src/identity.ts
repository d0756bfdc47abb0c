import type { Patient } from '@medplum/fhirtypes';
import { TaceError } from '@tace/common';
import type { DicomPatient } from '@tace/dicom';

/** How a DICOM PatientID is found among a FHIR Patient's identifiers. */
export interface IdentityConfig {
  /** Identifier systems whose values are the PatientIDs of studies without IssuerOfPatientID. */
  patientIdSystems: readonly string[];
  /** IssuerOfPatientID (0010,0021) → the identifier system of that issuer's PatientIDs. */
  issuers?: Readonly<Record<string, string>>;
}

/** What was checked (names only: no identifier values, so it may be logged and stored). */
export interface IdentityCheck {
  system: string;
  compared: Array<'patientId' | 'birthDate' | 'sex'>;
}

const SEX: Record<string, Patient['gender']> = { M: 'male', F: 'female', O: 'other' };

/**
 * The study's DICOM patient must be the FHIR Patient the result will be written to:
 * PatientID equal to one of the Patient's identifiers under the configured system (the issuer's
 * system when the study names an IssuerOfPatientID, and an unknown issuer is refused rather than
 * guessed); then birth date and sex, where both sides record them, as a second check against a
 * PatientID typed into the wrong record. Any failure is final (a wrong pairing does not heal by
 * retrying) and its message names fields, never values.
 */
export function checkPatientIdentity(dicom: DicomPatient, patient: Patient, cfg: IdentityConfig): IdentityCheck {
  const fail = (code: string, message: string) => new TaceError(code, message, { httpStatus: 409 });
  if (!dicom.patientId) throw fail('IDENTITY_DICOM_PATIENT_MISSING', 'The study carries no PatientID (0010,0020)');
  let systems: readonly string[];
  if (dicom.issuerOfPatientId !== undefined) {
    const system = cfg.issuers?.[dicom.issuerOfPatientId];
    if (!system) {
      throw fail('IDENTITY_ISSUER_UNKNOWN', 'The study names an IssuerOfPatientID (0010,0021) that TACE_PATIENT_ID_ISSUERS does not map to an identifier system');
    }
    systems = [system];
  } else {
    systems = cfg.patientIdSystems;
  }
  const candidates = (patient.identifier ?? []).filter((i) => i.system !== undefined && systems.includes(i.system) && i.value);
  if (candidates.length === 0) {
    throw fail('IDENTITY_FHIR_IDENTIFIER_MISSING', `The FHIR Patient has no identifier under ${systems.length === 1 ? 'the system' : 'any of the systems'} the study's PatientID is compared with`);
  }
  const match = candidates.find((i) => i.value === dicom.patientId);
  if (!match) throw fail('IDENTITY_PATIENT_MISMATCH', "The study's PatientID is not the FHIR Patient's identifier: the images belong to another patient");

  const compared: IdentityCheck['compared'] = ['patientId'];
  const differ: string[] = [];
  if (dicom.birthDate && patient.birthDate) {
    compared.push('birthDate');
    // FHIR allows a partial date (YYYY or YYYY-MM): compare what it gives.
    const fhir = patient.birthDate.replaceAll('-', '');
    if (!/^\d{8}$/.test(dicom.birthDate) || dicom.birthDate.slice(0, fhir.length) !== fhir) differ.push('birth date');
  }
  const dicomSex = dicom.sex ? SEX[dicom.sex] : undefined;
  if (dicomSex && patient.gender && patient.gender !== 'unknown') {
    compared.push('sex');
    if (dicomSex !== patient.gender) differ.push('sex');
  }
  if (differ.length > 0) {
    throw fail('IDENTITY_DEMOGRAPHICS_MISMATCH', `The study's PatientID matches but its ${differ.join(' and ')} ${differ.length > 1 ? 'differ' : 'differs'} from the FHIR Patient's`);
  }
  return { system: match.system!, compared };
}

/** `ISSUER=system,ISSUER2=system2` (TACE_PATIENT_ID_ISSUERS). */
export function parseIssuerMap(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) throw new Error(`'${part}' is not ISSUER=system`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
