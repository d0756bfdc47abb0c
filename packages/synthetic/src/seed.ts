import type { SeedPatient } from '@tace/fhir';
import type { SyntheticPatientRecord } from './patient.ts';

/**
 * The FHIR seed of a synthetic patient, in @tace/fhir's `SeedPatient` shape: Patient, completed
 * TACE Procedure, AFP (LOINC 1834-1, ng/mL) before the TACE, tumour size (mm) and nodule count
 * read on the post-TACE CT, and that CT's ImagingStudy UID. Names are synthetic.
 */
export function seedFor(patient: SyntheticPatientRecord): SeedPatient {
  return {
    patientIdentifier: patient.id,
    familyName: patient.name.family,
    givenName: patient.name.given,
    birthDate: patient.birthDate,
    gender: patient.clinical.sex,
    taceDate: patient.dates.tace,
    studyInstanceUid: patient.uids.studyInstanceUid,
    studyDate: patient.dates.ct,
    afp: { value: patient.clinical.afpNgPerMl, unit: 'ng/mL', loinc: '1834-1' },
    tumourSize: { value: patient.clinical.tumourSizeMm, unit: 'mm' },
    noduleCount: patient.clinical.noduleCount,
    observationDates: { afp: patient.dates.afp, tumourSize: patient.dates.ct, noduleCount: patient.dates.ct },
  };
}
