import { TaceError, type SourceStudyHeader } from '@tace/common';
import type { DicomDataSet } from '../dataset.ts';
import type { DicomInstance } from '../instance.ts';
import { TAG } from '../tags.ts';
import type { DataSetSpec } from './encoder.ts';

export type { SourceStudyHeader };

/**
 * A text attribute decoded by the instance's character set. dicom-parser reads bytes as Latin-1,
 * which is right for the default repertoire and ISO_IR 100; UTF-8 (ISO_IR 192) is decoded here.
 * Other repertoires are rare in the hospitals this serves and are read as Latin-1.
 */
function text(ds: DicomDataSet, tag: string, charset: string | undefined): string | undefined {
  const b = ds.bytes(tag);
  if (!b || b.length === 0) return undefined;
  const s = charset?.includes('ISO_IR 192') ? Buffer.from(b).toString('utf8') : Buffer.from(b).toString('latin1');
  const t = s.replace(/[\0 ]+$/, '').replace(/^ +/, '');
  return t === '' ? undefined : t;
}

/** The header of the source study, from the CT instance at the crop's first slice and the segmentation used. */
export function sourceStudyHeader(ct: DicomInstance, seg: DicomInstance, segmentNumber: number, sliceSopInstanceUids: readonly string[]): SourceStudyHeader {
  const cs = ct.string(TAG.SpecificCharacterSet);
  const t = (tag: string) => text(ct, tag, cs);
  const put = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  if (!ct.studyInstanceUid || !ct.seriesInstanceUid) throw new TaceError('DICOM_TAG_MISSING', 'The CT instance lacks StudyInstanceUID (0020,000D) or SeriesInstanceUID (0020,000E)');
  return {
    patient: put({ name: t(TAG.PatientName), id: t(TAG.PatientID), issuerOfPatientId: t(TAG.IssuerOfPatientID), birthDate: ct.string(TAG.PatientBirthDate), sex: ct.string(TAG.PatientSex) }),
    study: put({
      studyInstanceUid: ct.studyInstanceUid, date: ct.string(TAG.StudyDate), time: ct.string(TAG.StudyTime), id: t('x00200010'),
      accessionNumber: t(TAG.AccessionNumber), referringPhysicianName: t('x00080090'), description: t('x00081030'),
    }),
    ct: put({ seriesInstanceUid: ct.seriesInstanceUid, sopClassUid: ct.sopClassUid, frameOfReferenceUid: ct.frameOfReferenceUid, sliceSopInstanceUids: [...sliceSopInstanceUids] }),
    segmentation: { sopClassUid: seg.sopClassUid, sopInstanceUid: seg.sopInstanceUid, seriesInstanceUid: seg.seriesInstanceUid, segmentNumber },
  };
}

/** Patient, General Study and the character set, copied from the source (Type 2 values empty when absent). */
export function patientStudyModules(h: SourceStudyHeader): DataSetSpec {
  const p = h.patient, s = h.study;
  return [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 192' },
    { tag: 0x00080020, vr: 'DA', value: s.date ?? '' },
    { tag: 0x00080030, vr: 'TM', value: s.time ?? '' },
    { tag: 0x00080050, vr: 'SH', value: s.accessionNumber ?? '' },
    { tag: 0x00080090, vr: 'PN', value: s.referringPhysicianName ?? '' },
    ...(s.description ? [{ tag: 0x00081030, vr: 'LO', value: s.description }] : []),
    { tag: 0x00100010, vr: 'PN', value: p.name ?? '' },
    { tag: 0x00100020, vr: 'LO', value: p.id ?? '' },
    ...(p.issuerOfPatientId ? [{ tag: 0x00100021, vr: 'LO', value: p.issuerOfPatientId }] : []),
    { tag: 0x00100030, vr: 'DA', value: p.birthDate ?? '' },
    { tag: 0x00100040, vr: 'CS', value: p.sex ?? '' },
    { tag: 0x0020000d, vr: 'UI', value: s.studyInstanceUid },
    { tag: 0x00200010, vr: 'SH', value: s.id ?? '' },
  ];
}

/** DICOM DA + TM of an ISO 8601 instant, in UTC (deterministic: the same instant gives the same bytes). */
export function dicomDateTime(iso: string): { date: string; time: string } {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new TaceError('DICOM_WRITE_INVALID', `not a date-time: ${iso.slice(0, 40)}`);
  const z = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return { date: z.slice(0, 10).replace(/-/g, ''), time: `${z.slice(11, 19).replace(/:/g, '')}.${z.slice(20, 23)}` };
}
