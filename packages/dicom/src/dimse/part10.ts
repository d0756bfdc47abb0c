import { TaceError } from '@tace/common';
import { parseDicom, type DicomInstance } from '../instance.ts';
import { encodeDataSet, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from '../write/encoder.ts';

/** What the File Meta Information of a received instance says (PS3.10 7.1). */
export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** The calling AE title: who sent it (Source Application Entity Title, 0002,0016). */
  sourceAeTitle: string;
}

/**
 * Preamble, "DICM" and the File Meta Information group for a data set received over DIMSE.
 * The data set bytes then follow exactly as they came off the wire, so nothing is re-encoded.
 */
export function part10Header(meta: FileMeta): Uint8Array {
  const group = encodeDataSet([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: meta.sopClassUid },
    { tag: 0x00020003, vr: 'UI', value: meta.sopInstanceUid },
    { tag: 0x00020010, vr: 'UI', value: meta.transferSyntaxUid },
    { tag: 0x00020012, vr: 'UI', value: IMPLEMENTATION_CLASS_UID },
    { tag: 0x00020013, vr: 'SH', value: IMPLEMENTATION_VERSION },
    ...(meta.sourceAeTitle ? [{ tag: 0x00020016, vr: 'AE', value: meta.sourceAeTitle }] : []),
  ]);
  const groupLength = encodeDataSet([{ tag: 0x00020000, vr: 'UL', value: group.length }]);
  const out = new Uint8Array(132 + groupLength.length + group.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(groupLength, 132);
  out.set(group, 132 + groupLength.length);
  return out;
}

/** A UID safe as a path component and valid per PS3.5 9.1 (digits and dots, ≤ 64 characters). */
export function isValidUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && /^[0-9]+(\.[0-9]+)*$/.test(uid);
}

/** The UIDs that place a received instance in the store. */
export interface InstanceKey {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
}

/**
 * Study, series and SOP UIDs of a received instance, from its header. `head` is the Part 10
 * header plus the first bytes of the data set; `whole` reads the complete file when the head
 * does not parse (a header longer than the head, a deflated data set).
 */
export async function instanceKeyOf(head: Uint8Array, whole: () => Promise<Uint8Array>, expected: FileMeta): Promise<InstanceKey> {
  let inst: DicomInstance;
  try {
    inst = parseDicom(head, { untilTag: 'x7fe00010' });
    if (!inst.studyInstanceUid || !inst.seriesInstanceUid) throw new Error('head too short');
  } catch {
    inst = parseDicom(await whole()); // DICOM_PARSE_ERROR when the data set itself is broken
  }
  const key = { studyInstanceUid: inst.studyInstanceUid, seriesInstanceUid: inst.seriesInstanceUid, sopInstanceUid: inst.sopInstanceUid, sopClassUid: inst.sopClassUid };
  for (const [name, tag, v] of [['StudyInstanceUID', '(0020,000D)', key.studyInstanceUid], ['SeriesInstanceUID', '(0020,000E)', key.seriesInstanceUid], ['SOPInstanceUID', '(0008,0018)', key.sopInstanceUid]] as const) {
    if (!isValidUid(v)) throw new TaceError('DIMSE_DATASET_INVALID', `The received data set's ${name} ${tag} is ${v ? 'not a valid UID' : 'missing'}`, { detail: { tag } });
  }
  if (key.sopInstanceUid !== expected.sopInstanceUid) {
    throw new TaceError('DIMSE_DATASET_INVALID', "The data set's SOPInstanceUID (0008,0018) differs from the C-STORE request's Affected SOP Instance UID", { detail: { tag: '(0008,0018)' } });
  }
  if (key.sopClassUid && key.sopClassUid !== expected.sopClassUid) {
    throw new TaceError('DIMSE_SOP_CLASS_MISMATCH', "The data set's SOPClassUID (0008,0016) differs from the C-STORE request's Affected SOP Class UID", { detail: { tag: '(0008,0016)' } });
  }
  return key;
}
