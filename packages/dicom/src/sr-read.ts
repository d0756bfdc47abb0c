import type { DicomDataSet } from './dataset.ts';

/** A coded concept read from an SR. */
export interface SrCode {
  value: string;
  scheme: string;
  meaning: string;
}

/** One content item of an SR document tree, as read (PS3.3 C.17.3). */
export interface SrItem {
  valueType: string;
  relationship?: string;
  name?: SrCode;
  code?: SrCode;
  number?: number;
  unit?: SrCode;
  text?: string;
  uid?: string;
  image?: { sopClassUid: string; sopInstanceUid: string; segmentNumber?: number };
  children: SrItem[];
}

function codeOf(ds: DicomDataSet | undefined): SrCode | undefined {
  if (!ds) return undefined;
  return { value: ds.string('x00080100') ?? ds.string('x00080119') ?? '', scheme: ds.string('x00080102') ?? '', meaning: ds.string('x00080104') ?? '' };
}

/** Read the content tree of an SR document (the data set's root item and its descendants). */
export function readSrContent(ds: DicomDataSet): SrItem {
  const item: SrItem = { valueType: ds.string('x0040a040') ?? '', children: [] };
  const rel = ds.string('x0040a010');
  if (rel) item.relationship = rel;
  const name = codeOf(ds.item('x0040a043'));
  if (name) item.name = name;
  const code = codeOf(ds.item('x0040a168'));
  if (code) item.code = code;
  const mv = ds.item('x0040a300');
  if (mv) {
    const fp = mv.doubles('x0040a161');
    const n = fp.length > 0 ? fp[0] : mv.decimal('x0040a30a');
    if (n !== undefined) item.number = n;
    const unit = codeOf(mv.item('x004008ea'));
    if (unit) item.unit = unit;
  }
  const text = ds.string('x0040a160');
  if (text !== undefined) item.text = text;
  const uid = ds.string('x0040a124');
  if (uid) item.uid = uid;
  const ref = ds.item('x00081199');
  if (ref) {
    const seg = ref.uint16('x0062000b');
    item.image = { sopClassUid: ref.string('x00081150') ?? '', sopInstanceUid: ref.string('x00081155') ?? '', ...(seg !== undefined ? { segmentNumber: seg } : {}) };
  }
  item.children = ds.sequence('x0040a730').map(readSrContent);
  return item;
}

/** Every item below `root` (depth first) whose concept name has this code value. */
export function findSrItems(root: SrItem, codeValue: string): SrItem[] {
  const out: SrItem[] = [];
  const walk = (i: SrItem) => {
    if (i.name?.value === codeValue) out.push(i);
    i.children.forEach(walk);
  };
  root.children.forEach(walk);
  return out;
}
