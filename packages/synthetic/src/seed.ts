import type { SyntheticPatientRecord } from './patient.ts';

/**
 * What the FHIR seeder needs to create for one synthetic patient: Patient, the completed TACE
 * Procedure, the AFP / tumour-size / nodule-count Observations and the ImagingStudy of the
 * post-TACE CT. Shaped after @tace/fhir's `SeedPatient` (see `seedFor`).
 */
export interface SyntheticSeed {
  /** Stable synthetic identifier (used as Patient.identifier), never a real MRN. */
  identifier: string;
  name: { family: string; given: string };
  gender: 'male' | 'female';
  birthDate: string;
  /** Date the TACE Procedure was performed (YYYY-MM-DD). */
  taceDate: string;
  afp: { valueNgPerMl: number; date: string };
  tumourSize: { valueMm: number; date: string };
  noduleCount: { value: number; date: string };
  imagingStudy: { studyInstanceUid: string; seriesInstanceUids: string[]; started: string; modality: 'CT' };
}

export function seedFor(patient: SyntheticPatientRecord): SyntheticSeed {
  return {
    identifier: patient.id,
    name: patient.name,
    gender: patient.clinical.sex,
    birthDate: patient.birthDate,
    taceDate: patient.dates.tace,
    afp: { valueNgPerMl: patient.clinical.afpNgPerMl, date: patient.dates.afp },
    tumourSize: { valueMm: patient.clinical.tumourSizeMm, date: patient.dates.ct },
    noduleCount: { value: patient.clinical.noduleCount, date: patient.dates.ct },
    imagingStudy: {
      studyInstanceUid: patient.uids.studyInstanceUid,
      seriesInstanceUids: [patient.uids.ctSeriesInstanceUid, patient.uids.segSeriesInstanceUid],
      started: patient.dates.ct,
      modality: 'CT',
    },
  };
}
