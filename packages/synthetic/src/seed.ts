import type { SeedPatient } from '@tace/fhir';
import type { SyntheticPatientRecord } from './patient.ts';

/**
 * The FHIR seed of a synthetic patient, in @tace/fhir's `SeedPatient` shape: Patient, completed
 * TACE Procedure, the pre-TACE work-up (AFP LOINC 1834-1 in ng/mL, tumour size in mm, nodule count),
 * and the post-TACE CT's ImagingStudy UID. Names are synthetic.
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
    // Size and nodule count are the pre-TACE baseline values the nomogram uses (like AFP), so they
    // are dated with the pre-TACE work-up, inside the clinical window around the TACE.
    observationDates: { afp: patient.dates.afp, tumourSize: patient.dates.afp, noduleCount: patient.dates.afp },
  };
}
