import { TaceError, type LabelMap, type Mat3, type Volume } from '@tace/common';
import { ADVANCE, drawText, GLYPH_H } from './bitmap-font.ts';
import { encodePart10, type DataSetSpec } from './encoder.ts';
import { dicomDateTime, patientStudyModules, type SourceStudyHeader } from './source-header.ts';
import { resultUids, SECONDARY_CAPTURE, SYNTHETIC_NOTICE, type RiskModel } from './sr-writer.ts';

export interface KeyImageInput {
  runId: string;
  header: SourceStudyHeader;
  /** The case's HU crop and tumour mask (same grid); header.ct.sliceSopInstanceUids has one UID per k. */
  image: Volume<Float32Array>;
  mask: LabelMap;
  /** Index of the crop's first voxel in the source series (the case's source.cropOffset). */
  cropOffset: readonly [number, number, number];
  probability: number;
  riskGroup: 'low' | 'moderate' | 'high';
  model: RiskModel;
  scoredAt: string;
  /** Display window in HU; default abdomen W400 / L40. */
  window?: { center: number; width: number };
}

/** Layout of the burned-in text, exported so tests can read it back. */
export const KEY_IMAGE_TEXT = { scale: 2, marginPx: 6, lineGapPx: 4 } as const;
const OUTLINE: readonly [number, number, number] = [255, 48, 48];
const TEXT: readonly [number, number, number] = [255, 230, 0];

/** k of the slice with the most tumour voxels (the first such slice on a tie). */
export function largestAreaSlice(mask: LabelMap): { k: number; voxels: number } {
  const [nx, ny, nz] = mask.size;
  const plane = nx * ny;
  let best = { k: -1, voxels: 0 };
  for (let k = 0; k < nz; k++) {
    let n = 0;
    for (let p = 0; p < plane; p++) if (mask.data[k * plane + p] !== 0) n++;
    if (n > best.voxels) best = { k, voxels: n };
  }
  if (best.k < 0) throw new TaceError('DICOM_EMPTY_SEGMENTATION', 'The case mask has no tumour voxel: no key image can be drawn');
  return best;
}

/** The text lines burned into the image (upper case: the font has no lower case). */
export function keyImageLines(r: Pick<KeyImageInput, 'probability' | 'riskGroup' | 'model'>): string[] {
  const lines = [
    `METASTASIS RISK ${(r.probability * 100).toFixed(1)} % (${r.riskGroup.toUpperCase()})`,
    `MODEL ${r.model.id} ${r.model.version}`.toUpperCase(),
    'AI RESULT - NOT VERIFIED',
  ];
  if (r.model.syntheticDemo) lines.push('SYNTHETIC DEMO - NOT FOR CLINICAL USE');
  return lines;
}

/** PatientOrientation letters of one axis direction (LPS): e.g. [1, 0, 0] → 'L', [0, -0.7, 0.7] → 'AH'. */
function orientationLetters(v: readonly number[]): string {
  const letters = [['L', 'R'], ['P', 'A'], ['H', 'F']] as const;
  return [0, 1, 2]
    .filter((a) => Math.abs(v[a]!) > 0.25)
    .sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!))
    .map((a) => letters[a]![v[a]! > 0 ? 0 : 1])
    .join('');
}

function axisOf(d: Mat3, a: number): number[] {
  return [d[a]!, d[3 + a]!, d[6 + a]!];
}

/**
 * A Secondary Capture key image of the run: the crop's slice of largest tumour area, windowed,
 * scaled up by an integer factor, with the tumour outline and the result burned in (RGB; text in a
 * band above the image). The full source slice is not kept by the service, so the image is the
 * crop, as DerivationDescription says. Pure of the clock: UIDs from the run id, dates from scoredAt.
 */
export function writeKeyImage(r: KeyImageInput): Uint8Array {
  const { image, mask } = r;
  const [nx, ny, nz] = image.size;
  if (mask.size.some((s, a) => s !== image.size[a])) throw new TaceError('DICOM_WRITE_INVALID', 'key image: the mask and the image of the case have different sizes');
  if (r.header.ct.sliceSopInstanceUids.length !== nz) {
    throw new TaceError('DICOM_WRITE_INVALID', `key image: ${r.header.ct.sliceSopInstanceUids.length} source slice UIDs for a crop of ${nz} slices`);
  }
  const { k } = largestAreaSlice(mask);
  const win = r.window ?? { center: 40, width: 400 };
  const lines = keyImageLines(r);
  const { scale: ts, marginPx, lineGapPx } = KEY_IMAGE_TEXT;
  const lineH = GLYPH_H * ts + lineGapPx;
  const textW = Math.max(...lines.map((l) => l.length)) * ADVANCE * ts + 2 * marginPx;
  // Scale the crop up to about 384 px so the outline and the anatomy are readable in a viewer.
  const f = Math.max(1, Math.min(8, Math.floor(384 / Math.max(nx, ny))));
  const cols = Math.max(nx * f, textW);
  const band = lines.length * lineH + 2 * marginPx;
  const rows = band + ny * f;
  const px = new Uint8Array(rows * cols * 3);
  const put = (x: number, y: number, c: readonly [number, number, number]) => {
    if (x < 0 || y < 0 || x >= cols || y >= rows) return;
    const o = (y * cols + x) * 3;
    px[o] = c[0]; px[o + 1] = c[1]; px[o + 2] = c[2];
  };
  const plane = nx * ny;
  const inMask = (i: number, j: number) => i >= 0 && j >= 0 && i < nx && j < ny && mask.data[k * plane + j * nx + i] !== 0;
  const lo = win.center - win.width / 2;
  const w = Math.max(1, Math.floor(f / 3)); // outline width in output pixels
  for (let y = 0; y < ny * f; y++) {
    for (let x = 0; x < nx * f; x++) {
      const i = Math.floor(x / f), j = Math.floor(y / f);
      const g = Math.round(Math.min(1, Math.max(0, (image.data[k * plane + j * nx + i]! - lo) / win.width)) * 255);
      // Outline: a pixel of the mask whose 4-neighbour (on the scaled grid) is outside it.
      const m = inMask(i, j);
      const edge = m && (!inMask(Math.floor((x - w) / f), j) || !inMask(Math.floor((x + w) / f), j) || !inMask(i, Math.floor((y - w) / f)) || !inMask(i, Math.floor((y + w) / f)));
      put(x, band + y, edge ? OUTLINE : [g, g, g]);
    }
  }
  lines.forEach((l, n) => drawText(l, marginPx, marginPx + n * lineH, ts, (x, y) => put(x, y, TEXT)));

  const uids = resultUids(r.runId);
  const when = dicomDateTime(r.scoredAt);
  const src = r.header.ct.sliceSopInstanceUids[k]!;
  const [ox, oy, oz] = r.cropOffset;
  const derivation = `Crop of source CT slice ${oz + k + 1} of the series (columns ${ox}-${ox + nx - 1}, rows ${oy}-${oy + ny - 1}; the service keeps only the tumour region with its margin, not the full slice), `
    + `windowed W${win.width}/L${win.center} HU, scaled x${f} (nearest neighbour), tumour segmentation outline and AI result burned in${r.model.syntheticDemo ? `. ${SYNTHETIC_NOTICE}` : ''}`;
  const d = image.direction;
  const ds: DataSetSpec = [
    ...patientStudyModules(r.header),
    { tag: 0x00080008, vr: 'CS', value: ['DERIVED', 'SECONDARY'] },
    { tag: 0x00080012, vr: 'DA', value: when.date },
    { tag: 0x00080013, vr: 'TM', value: when.time },
    { tag: 0x00080016, vr: 'UI', value: SECONDARY_CAPTURE },
    { tag: 0x00080018, vr: 'UI', value: uids.scInstance },
    { tag: 0x00080021, vr: 'DA', value: when.date },
    { tag: 0x00080023, vr: 'DA', value: when.date },
    { tag: 0x00080031, vr: 'TM', value: when.time },
    { tag: 0x00080033, vr: 'TM', value: when.time },
    { tag: 0x00080060, vr: 'CS', value: 'OT' },
    { tag: 0x00080064, vr: 'CS', value: 'WSD' }, // ConversionType: workstation
    { tag: 0x00080070, vr: 'LO', value: 'tace-risk' },
    { tag: 0x00080201, vr: 'SH', value: '+0000' },
    { tag: 0x0008103e, vr: 'LO', value: r.model.syntheticDemo ? 'AI key image - SYNTHETIC DEMO, not for clinical use' : 'AI key image: metastasis risk after TACE' },
    { tag: 0x00082111, vr: 'ST', value: derivation },
    { tag: 0x00082112, vr: 'SQ', value: [[ // SourceImageSequence
      { tag: 0x00081150, vr: 'UI', value: r.header.ct.sopClassUid },
      { tag: 0x00081155, vr: 'UI', value: src },
      { tag: 0x0040a170, vr: 'SQ', value: [[
        { tag: 0x00080100, vr: 'SH', value: '121322' }, { tag: 0x00080102, vr: 'SH', value: 'DCM' },
        { tag: 0x00080104, vr: 'LO', value: 'Source image for image processing operation' },
      ]] },
    ]] },
    { tag: 0x00180015, vr: 'CS', value: 'LIVER' }, // BodyPartExamined: unpaired, so no Laterality
    { tag: 0x00181012, vr: 'DA', value: when.date }, // DateOfSecondaryCapture
    { tag: 0x00181014, vr: 'TM', value: when.time },
    { tag: 0x00181016, vr: 'LO', value: 'tace-risk' }, // SecondaryCaptureDeviceManufacturer
    { tag: 0x00181019, vr: 'LO', value: [`${r.model.id} ${r.model.version}`.slice(0, 64)] }, // SecondaryCaptureDeviceSoftwareVersions
    { tag: 0x0020000e, vr: 'UI', value: uids.scSeries },
    { tag: 0x00200011, vr: 'IS', value: 9902 },
    { tag: 0x00200013, vr: 'IS', value: 1 },
    { tag: 0x00200020, vr: 'CS', value: [orientationLetters(axisOf(d, 0)), orientationLetters(axisOf(d, 1))] }, // PatientOrientation
    { tag: 0x00280002, vr: 'US', value: 3 },
    { tag: 0x00280004, vr: 'CS', value: 'RGB' },
    { tag: 0x00280006, vr: 'US', value: 0 },
    { tag: 0x00280010, vr: 'US', value: rows },
    { tag: 0x00280011, vr: 'US', value: cols },
    { tag: 0x00280100, vr: 'US', value: 8 },
    { tag: 0x00280101, vr: 'US', value: 8 },
    { tag: 0x00280102, vr: 'US', value: 7 },
    { tag: 0x00280103, vr: 'US', value: 0 },
    { tag: 0x00280301, vr: 'CS', value: 'YES' }, // BurnedInAnnotation
    { tag: 0x00282110, vr: 'CS', value: '00' },
    { tag: 0x7fe00010, vr: 'OB', value: px },
  ];
  return encodePart10(ds, SECONDARY_CAPTURE, uids.scInstance);
}
