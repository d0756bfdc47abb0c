import { TaceError, type Volume } from '@tace/common';
import { axis, indexToPhysical } from '../geometry.ts';
import { SOP_CLASS } from '../tags.ts';
import { encodePart10, type DataSetSpec } from './encoder.ts';
import { newUid } from './uid.ts';

/** Patient and study identity written into every instance of a synthetic series. */
export interface PatientStudyMeta {
  studyInstanceUid: string;
  patientId: string;
  patientName: string;
  /** YYYYMMDD */
  studyDate: string;
  /** HHMMSS, default 120000 */
  studyTime?: string;
  studyId?: string;
  studyDescription?: string;
  accessionNumber?: string;
  /** YYYYMMDD */
  patientBirthDate?: string;
  patientSex?: 'M' | 'F' | 'O';
  manufacturer?: string;
}

export interface CtSeriesMeta extends PatientStudyMeta {
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  /** Modality LUT written; stored = round((HU − intercept) / slope). Defaults 1 and −1024. */
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** BodyPartExamined, default ABDOMEN. */
  bodyPartExamined?: string;
  /** ImageType values; default [ORIGINAL, PRIMARY, AXIAL]. */
  imageType?: readonly string[];
  /** SOPInstanceUID per slice (k order); default newUid() each. */
  sopInstanceUids?: readonly string[];
}

/** Patient / study / equipment attributes shared by the CT and SEG writers. */
export function patientStudyElements(m: PatientStudyMeta): DataSetSpec {
  return [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 192' },
    { tag: 0x00080020, vr: 'DA', value: m.studyDate },
    { tag: 0x00080030, vr: 'TM', value: m.studyTime ?? '120000' },
    { tag: 0x00080050, vr: 'SH', value: m.accessionNumber ?? '' },
    { tag: 0x00080070, vr: 'LO', value: m.manufacturer ?? 'tace-risk synthetic' },
    { tag: 0x00080090, vr: 'PN', value: '' },
    { tag: 0x00081030, vr: 'LO', value: m.studyDescription ?? '' },
    { tag: 0x00100010, vr: 'PN', value: m.patientName },
    { tag: 0x00100020, vr: 'LO', value: m.patientId },
    { tag: 0x00100030, vr: 'DA', value: m.patientBirthDate ?? '' },
    { tag: 0x00100040, vr: 'CS', value: m.patientSex ?? '' },
    { tag: 0x0020000d, vr: 'UI', value: m.studyInstanceUid },
    { tag: 0x00200010, vr: 'SH', value: m.studyId ?? '1' },
  ];
}

/**
 * Write a volume (values in HU) as a CT Image Storage series: one single-frame instance per
 * k slice, Explicit VR Little Endian, signed 16-bit stored values. Slice k is placed at
 * origin + D · (0, 0, k·spacingZ) with ImageOrientationPatient = the first two direction
 * columns; PixelSpacing = [spacing y, spacing x]. The reader sorts along row × col, so a
 * left-handed direction matrix reads back with k reversed (same physical image).
 */
export function writeCtSeries(volume: Volume<Int16Array | Float32Array>, meta: CtSeriesMeta): Uint8Array[] {
  const [nx, ny, nz] = volume.size;
  const slope = meta.rescaleSlope ?? 1, intercept = meta.rescaleIntercept ?? -1024;
  if (slope === 0) throw new TaceError('DICOM_WRITE_INVALID', 'RescaleSlope must not be 0');
  if (meta.sopInstanceUids && meta.sopInstanceUids.length !== nz) {
    throw new TaceError('DICOM_WRITE_INVALID', `${meta.sopInstanceUids.length} SOPInstanceUIDs for ${nz} slices`);
  }
  const forUid = meta.frameOfReferenceUid ?? newUid();
  const iop = [...axis(volume.direction, 0), ...axis(volume.direction, 1)];
  const plane = nx * ny;
  const out: Uint8Array[] = [];
  for (let k = 0; k < nz; k++) {
    const sop = meta.sopInstanceUids?.[k] ?? newUid();
    const px = new Int16Array(plane);
    for (let p = 0; p < plane; p++) {
      const v = Math.round((volume.data[k * plane + p] - intercept) / slope);
      px[p] = v < -32768 ? -32768 : v > 32767 ? 32767 : v;
    }
    const ds: DataSetSpec = [
      ...patientStudyElements(meta),
      { tag: 0x00080008, vr: 'CS', value: meta.imageType ?? ['ORIGINAL', 'PRIMARY', 'AXIAL'] },
      { tag: 0x00080016, vr: 'UI', value: SOP_CLASS.CTImage },
      { tag: 0x00080018, vr: 'UI', value: sop },
      { tag: 0x00080060, vr: 'CS', value: 'CT' },
      { tag: 0x0008103e, vr: 'LO', value: meta.seriesDescription ?? 'Synthetic CT' },
      { tag: 0x00180015, vr: 'CS', value: meta.bodyPartExamined ?? 'ABDOMEN' }, // unpaired, so no Laterality
      { tag: 0x00180050, vr: 'DS', value: volume.spacingMm[2] },
      { tag: 0x00180060, vr: 'DS', value: 120 },
      { tag: 0x00180088, vr: 'DS', value: volume.spacingMm[2] },
      { tag: 0x00185100, vr: 'CS', value: 'HFS' }, // PatientPosition (2C for CT)
      { tag: 0x0020000e, vr: 'UI', value: meta.seriesInstanceUid },
      { tag: 0x00200011, vr: 'IS', value: meta.seriesNumber ?? 1 },
      { tag: 0x00200012, vr: 'IS', value: 1 }, // AcquisitionNumber
      { tag: 0x00200013, vr: 'IS', value: k + 1 },
      { tag: 0x00200032, vr: 'DS', value: indexToPhysical(volume, [0, 0, k]) },
      { tag: 0x00200037, vr: 'DS', value: iop },
      { tag: 0x00200052, vr: 'UI', value: forUid },
      { tag: 0x00201040, vr: 'LO', value: '' },
      { tag: 0x00280002, vr: 'US', value: 1 },
      { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
      { tag: 0x00280010, vr: 'US', value: ny },
      { tag: 0x00280011, vr: 'US', value: nx },
      { tag: 0x00280030, vr: 'DS', value: [volume.spacingMm[1], volume.spacingMm[0]] },
      { tag: 0x00280100, vr: 'US', value: 16 },
      { tag: 0x00280101, vr: 'US', value: 16 },
      { tag: 0x00280102, vr: 'US', value: 15 },
      { tag: 0x00280103, vr: 'US', value: 1 },
      { tag: 0x00281052, vr: 'DS', value: intercept },
      { tag: 0x00281053, vr: 'DS', value: slope },
      { tag: 0x00281054, vr: 'LO', value: 'HU' },
      { tag: 0x7fe00010, vr: 'OW', value: px },
    ];
    out.push(encodePart10(ds, SOP_CLASS.CTImage, sop));
  }
  return out;
}
