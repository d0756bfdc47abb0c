import { TaceError } from '@tace/common';
import { formatDs, type DataSetSpec } from './encoder.ts';

/** A coded concept as SR content items carry it (Code Sequence Macro, PS3.3 Table 8.8-1). */
export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export type Relationship = 'CONTAINS' | 'HAS PROPERTIES' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'INFERRED FROM' | 'HAS ACQ CONTEXT' | 'SELECTED FROM';

interface Base {
  rel?: Relationship;
  name?: Code;
  children?: readonly Item[];
}
/** One SR content item (PS3.3 C.17.3) with its children, before encoding. */
export type Item =
  | (Base & { type: 'CONTAINER'; template?: string })
  | (Base & { type: 'CODE'; code: Code })
  | (Base & { type: 'NUM'; number: number; unit: Code })
  | (Base & { type: 'TEXT'; text: string })
  | (Base & { type: 'UIDREF'; uid: string })
  | (Base & { type: 'IMAGE'; sopClassUid: string; sopInstanceUid: string; segmentNumber?: number });

export function codeItem(c: Code): DataSetSpec {
  if (c.value.length > 16) throw new TaceError('DICOM_WRITE_INVALID', `code value '${c.value}' is longer than 16 characters`);
  return [
    { tag: 0x00080100, vr: 'SH', value: c.value },
    { tag: 0x00080102, vr: 'SH', value: c.scheme },
    { tag: 0x00080104, vr: 'LO', value: c.meaning },
  ];
}

/** The attributes of one content item, its children nested in ContentSequence (depth first, in order). */
export function encodeItem(item: Item): DataSetSpec {
  const ds: DataSetSpec = [{ tag: 0x0040a040, vr: 'CS', value: item.type }];
  if (item.rel) ds.push({ tag: 0x0040a010, vr: 'CS', value: item.rel });
  if (item.name) ds.push({ tag: 0x0040a043, vr: 'SQ', value: [codeItem(item.name)] });
  switch (item.type) {
    case 'CONTAINER':
      ds.push({ tag: 0x0040a050, vr: 'CS', value: 'SEPARATE' });
      if (item.template) {
        ds.push({ tag: 0x0040a504, vr: 'SQ', value: [[{ tag: 0x00080105, vr: 'CS', value: 'DCMR' }, { tag: 0x0040db00, vr: 'CS', value: item.template }]] });
      }
      break;
    case 'CODE':
      ds.push({ tag: 0x0040a168, vr: 'SQ', value: [codeItem(item.code)] });
      break;
    case 'NUM':
      // NumericValue is DS (16 characters); the full double goes in FloatingPointValue.
      ds.push({ tag: 0x0040a300, vr: 'SQ', value: [[
        { tag: 0x004008ea, vr: 'SQ', value: [codeItem(item.unit)] },
        { tag: 0x0040a30a, vr: 'DS', value: formatDs(item.number) },
        { tag: 0x0040a161, vr: 'FD', value: item.number },
      ]] });
      break;
    case 'TEXT':
      ds.push({ tag: 0x0040a160, vr: 'UT', value: item.text });
      break;
    case 'UIDREF':
      ds.push({ tag: 0x0040a124, vr: 'UI', value: item.uid });
      break;
    case 'IMAGE':
      ds.push({ tag: 0x00081199, vr: 'SQ', value: [[
        { tag: 0x00081150, vr: 'UI', value: item.sopClassUid },
        { tag: 0x00081155, vr: 'UI', value: item.sopInstanceUid },
        ...(item.segmentNumber !== undefined ? [{ tag: 0x0062000b, vr: 'US', value: item.segmentNumber }] : []),
      ]] });
      break;
  }
  if (item.children && item.children.length > 0) ds.push({ tag: 0x0040a730, vr: 'SQ', value: item.children.map(encodeItem) });
  return ds;
}
