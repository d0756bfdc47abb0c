import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBinarySeg, writeCtSeries } from '@tace/dicom';
import type { SyntheticPatient } from './patient.ts';

export interface WrittenStudy {
  dir: string;
  ctFiles: string[];
  segFile: string;
  studyInstanceUid: string;
  ctSeriesInstanceUid: string;
  segSopInstanceUid: string;
}

const yyyymmdd = (isoDate: string): string => isoDate.replaceAll('-', '');

/**
 * Writes the patient's post-TACE CT (one file per slice, `CT_0001.dcm` …) and its BINARY SEG
 * of the tumour mask (`SEG.dcm`) into `dir` (created if missing) with @tace/dicom's writers.
 * All UIDs come from the patient, so writing twice gives identical files.
 */
export function writeSyntheticStudy(patient: SyntheticPatient, dir: string): WrittenStudy {
  mkdirSync(dir, { recursive: true });
  const u = patient.uids;
  const meta = {
    studyInstanceUid: u.studyInstanceUid,
    patientId: patient.id,
    patientName: `${patient.name.family}^${patient.name.given}`,
    studyDate: yyyymmdd(patient.dates.ct),
    studyDescription: 'Synthetic post-TACE CT (tace-risk demo, not a real patient)',
    accessionNumber: patient.id.slice(-16),
    patientBirthDate: yyyymmdd(patient.birthDate),
    patientSex: patient.clinical.sex === 'male' ? ('M' as const) : ('F' as const),
  };
  const sopUids = Array.from({ length: patient.ct.size[2] }, (_, k) => `${u.ctSopInstanceUidPrefix}.${k + 1}`);
  const ct = writeCtSeries(patient.ct, {
    ...meta,
    seriesInstanceUid: u.ctSeriesInstanceUid,
    frameOfReferenceUid: u.frameOfReferenceUid,
    seriesNumber: 1,
    seriesDescription: 'Synthetic post-TACE CT',
    sopInstanceUids: sopUids,
  });
  const ctFiles = ct.map((bytes, k) => {
    const f = join(dir, `CT_${String(k + 1).padStart(4, '0')}.dcm`);
    writeFileSync(f, bytes);
    return f;
  });
  const seg = writeBinarySeg(patient.mask, ct, {
    seriesInstanceUid: u.segSeriesInstanceUid,
    sopInstanceUid: u.segSopInstanceUid,
    seriesNumber: 2,
    seriesDescription: 'Tumour segmentation (synthetic)',
    segmentLabel: 'Tumour',
    algorithmType: 'AUTOMATIC',
    algorithmName: 'tace-risk synthetic phantom',
  });
  const segFile = join(dir, 'SEG.dcm');
  writeFileSync(segFile, seg);
  return { dir, ctFiles, segFile, studyInstanceUid: u.studyInstanceUid, ctSeriesInstanceUid: u.ctSeriesInstanceUid, segSopInstanceUid: u.segSopInstanceUid };
}
