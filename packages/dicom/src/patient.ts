import { TaceError } from '@tace/common';
import type { DicomInstance } from './instance.ts';
import { TAG } from './tags.ts';

/** The patient module of one instance (PS3.3 C.7.1.1), as stored; absent values are undefined. */
export interface DicomPatient {
  patientId?: string;
  issuerOfPatientId?: string;
  /** YYYYMMDD as stored (DA). */
  birthDate?: string;
  /** M, F or O (CS). */
  sex?: string;
}

export function dicomPatientOf(i: DicomInstance): DicomPatient {
  const v = (tag: string) => i.string(tag);
  const out: DicomPatient = {};
  const id = v(TAG.PatientID), issuer = v(TAG.IssuerOfPatientID), birth = v(TAG.PatientBirthDate), sex = v(TAG.PatientSex);
  if (id) out.patientId = id;
  if (issuer) out.issuerOfPatientId = issuer;
  if (birth) out.birthDate = birth;
  if (sex) out.sex = sex.toUpperCase();
  return out;
}

const FIELDS = ['patientId', 'issuerOfPatientId', 'birthDate', 'sex'] as const;

/** Names of the fields two patient modules disagree on (a field absent on either side is not compared). */
function differing(a: DicomPatient, b: DicomPatient, strict: boolean): string[] {
  return FIELDS.filter((f) => (strict || (a[f] !== undefined && b[f] !== undefined)) && a[f] !== b[f]);
}

/**
 * The one patient of a CT series and the segmentation drawn on it. Every CT instance must
 * carry the same patient module and the study's UID; the SEG/RTSTRUCT must name the same
 * patient (PatientID and issuer exactly; birth date and sex where both carry them) and the same
 * study. Errors name the fields that differ, never their values (they identify the patient).
 */
export function studyPatient(ct: readonly DicomInstance[], seg: DicomInstance, studyInstanceUid: string): DicomPatient {
  const first = ct[0];
  if (!first) throw new TaceError('IDENTITY_DICOM_INCONSISTENT', 'The CT series has no instance');
  const patient = dicomPatientOf(first);
  if (!patient.patientId) {
    throw new TaceError('IDENTITY_DICOM_PATIENT_MISSING', 'The CT series carries no PatientID (0010,0020): its patient cannot be checked against the FHIR Patient', { httpStatus: 409 });
  }
  for (const i of ct) {
    const d = differing(patient, dicomPatientOf(i), true);
    if (d.length > 0 || i.studyInstanceUid !== studyInstanceUid) {
      throw new TaceError('IDENTITY_DICOM_INCONSISTENT', `The instances of the CT series disagree on ${[...d, ...(i.studyInstanceUid !== studyInstanceUid ? ['StudyInstanceUID'] : [])].join(', ')}`, {
        httpStatus: 409,
        detail: { fields: d },
      });
    }
  }
  const segPatient = dicomPatientOf(seg);
  const d = [
    ...(segPatient.patientId !== patient.patientId ? ['patientId'] : []),
    ...(segPatient.issuerOfPatientId !== patient.issuerOfPatientId ? ['issuerOfPatientId'] : []),
    ...differing(patient, segPatient, false).filter((f) => f === 'birthDate' || f === 'sex'),
    ...(seg.studyInstanceUid !== studyInstanceUid ? ['studyInstanceUid'] : []),
  ];
  if (d.length > 0) {
    throw new TaceError('IDENTITY_SEGMENTATION_MISMATCH', `The segmentation does not belong to the CT's patient and study: ${d.join(', ')} differ`, {
      httpStatus: 409,
      detail: { fields: d },
    });
  }
  return patient;
}
