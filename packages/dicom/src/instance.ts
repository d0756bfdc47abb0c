import { TaceError, type Vec3 } from '@tace/common';
import { DicomDataSet, dicomParser, findElementOverrun } from './dataset.ts';
import { decodeCompressedFrame, isCodecSyntax, JPEG_2000_SYNTAXES, JPEG_LOSSLESS_SYNTAXES, JPEG_LS_SYNTAXES } from './codecs.ts';
import { decodeRleFrame } from './rle.ts';
import { TAG, TRANSFER_SYNTAX } from './tags.ts';

const NATIVE_SYNTAXES: ReadonlySet<string> = new Set([
  TRANSFER_SYNTAX.ImplicitVRLittleEndian,
  TRANSFER_SYNTAX.ExplicitVRLittleEndian,
  TRANSFER_SYNTAX.DeflatedExplicitVRLittleEndian,
  TRANSFER_SYNTAX.ExplicitVRBigEndian,
]);

/** Transfer syntaxes whose pixel data this package decodes (JPEG ones after loadCodecs()). */
export const SUPPORTED_TRANSFER_SYNTAXES: readonly string[] = [
  ...NATIVE_SYNTAXES, TRANSFER_SYNTAX.RLELossless, ...JPEG_LOSSLESS_SYNTAXES, ...JPEG_LS_SYNTAXES, ...JPEG_2000_SYNTAXES,
];

/** Rescale (Modality LUT): value = stored · slope + intercept. */
export interface Rescale {
  slope: number;
  intercept: number;
}

/**
 * One parsed DICOM Part 10 instance: header accessors plus pixel data access. The pixel data is
 * decoded lazily (per frame), so indexing a folder by header costs no decoding.
 */
export class DicomInstance extends DicomDataSet {
  readonly transferSyntaxUid: string;
  private jpegOffsets: number[] | undefined;

  constructor(raw: ConstructorParameters<typeof DicomDataSet>[0]) {
    super(raw);
    this.transferSyntaxUid = this.string(TAG.TransferSyntaxUID) ?? TRANSFER_SYNTAX.ImplicitVRLittleEndian;
  }

  get sopClassUid(): string { return this.string(TAG.SOPClassUID) ?? this.string(TAG.MediaStorageSOPClassUID) ?? ''; }
  get sopInstanceUid(): string { return this.string(TAG.SOPInstanceUID) ?? ''; }
  get studyInstanceUid(): string { return this.string(TAG.StudyInstanceUID) ?? ''; }
  get seriesInstanceUid(): string { return this.string(TAG.SeriesInstanceUID) ?? ''; }
  get frameOfReferenceUid(): string | undefined { return this.string(TAG.FrameOfReferenceUID); }
  get modality(): string { return this.string(TAG.Modality) ?? ''; }
  get instanceNumber(): number | undefined { return this.decimal(TAG.InstanceNumber); }
  get rows(): number { return this.uint16(TAG.Rows) ?? 0; }
  get columns(): number { return this.uint16(TAG.Columns) ?? 0; }
  get numberOfFrames(): number { return this.decimal(TAG.NumberOfFrames) ?? 1; }
  get bitsAllocated(): number { return this.uint16(TAG.BitsAllocated) ?? 0; }
  get bitsStored(): number { return this.uint16(TAG.BitsStored) ?? this.bitsAllocated; }
  get pixelRepresentation(): number { return this.uint16(TAG.PixelRepresentation) ?? 0; }
  get samplesPerPixel(): number { return this.uint16(TAG.SamplesPerPixel) ?? 1; }
  get hasPixelData(): boolean { return this.element(TAG.PixelData) !== undefined; }

  /** Per-frame functional group item of frame `i` (0-based), if the instance is multi-frame. */
  perFrame(i: number): DicomDataSet | undefined {
    return this.sequence(TAG.PerFrameFunctionalGroupsSequence)[i];
  }

  /** The functional group macro `seqTag` for frame i: per-frame first, then shared. */
  functionalGroup(i: number, seqTag: string): DicomDataSet | undefined {
    const pf = this.perFrame(i)?.item(seqTag);
    if (pf) return pf;
    return this.item(TAG.SharedFunctionalGroupsSequence)?.item(seqTag);
  }

  /** ImagePositionPatient of frame i (mm, LPS). */
  framePosition(i = 0): Vec3 | undefined {
    const p = this.functionalGroup(i, TAG.PlanePositionSequence)?.decimals(TAG.ImagePositionPatient);
    const v = p && p.length === 3 ? p : this.decimals(TAG.ImagePositionPatient);
    return v.length === 3 ? [v[0], v[1], v[2]] : undefined;
  }

  /** ImageOrientationPatient of frame i: row cosines then column cosines. */
  frameOrientation(i = 0): number[] | undefined {
    const o = this.functionalGroup(i, TAG.PlaneOrientationSequence)?.decimals(TAG.ImageOrientationPatient);
    const v = o && o.length === 6 ? o : this.decimals(TAG.ImageOrientationPatient);
    return v.length === 6 ? v : undefined;
  }

  /** PixelSpacing of frame i as stored: [row spacing (y), column spacing (x)] in mm. */
  framePixelSpacing(i = 0): [number, number] | undefined {
    const s = this.functionalGroup(i, TAG.PixelMeasuresSequence)?.decimals(TAG.PixelSpacing);
    const v = s && s.length === 2 ? s : this.decimals(TAG.PixelSpacing);
    return v.length === 2 ? [v[0], v[1]] : undefined;
  }

  /** Modality LUT of frame i (top level, else Enhanced CT PixelValueTransformation). */
  rescale(i = 0): Rescale {
    const fg = this.functionalGroup(i, TAG.PixelValueTransformationSequence);
    const slope = this.decimal(TAG.RescaleSlope) ?? fg?.decimal(TAG.RescaleSlope) ?? 1;
    const intercept = this.decimal(TAG.RescaleIntercept) ?? fg?.decimal(TAG.RescaleIntercept) ?? 0;
    return { slope, intercept };
  }

  private assertDecodable(): void {
    const ts = this.transferSyntaxUid;
    if (!NATIVE_SYNTAXES.has(ts) && ts !== TRANSFER_SYNTAX.RLELossless && !isCodecSyntax(ts)) {
      throw new TaceError('DICOM_TRANSFER_SYNTAX_UNSUPPORTED',
        `Pixel data in transfer syntax ${ts} cannot be decoded (supported: ${SUPPORTED_TRANSFER_SYNTAXES.join(', ')})`,
        { detail: { transferSyntaxUid: ts } });
    }
    if (!this.hasPixelData) throw new TaceError('DICOM_NO_PIXEL_DATA', 'The instance has no Pixel Data');
  }

  /**
   * The whole native Pixel Data value (all frames back to back), bytes as stored.
   * Only for native (uncompressed) transfer syntaxes; BINARY SEG readers need this because
   * 1-bit frames are packed across frame boundaries.
   */
  nativePixelData(): Uint8Array {
    this.assertDecodable();
    if (!NATIVE_SYNTAXES.has(this.transferSyntaxUid)) {
      throw new TaceError('DICOM_TRANSFER_SYNTAX_UNSUPPORTED', 'nativePixelData() needs uncompressed pixel data; use frameBytes()');
    }
    return this.bytes(TAG.PixelData) as Uint8Array;
  }

  /**
   * Bytes of frame i (0-based) in native little-endian order: big-endian data is byte-swapped,
   * RLE is decoded. For BitsAllocated 1 with native syntaxes use nativePixelData() instead.
   */
  frameBytes(i: number): Uint8Array {
    this.assertDecodable();
    const rows = this.rows, cols = this.columns, spp = this.samplesPerPixel, bits = this.bitsAllocated;
    const frames = this.numberOfFrames;
    if (i < 0 || i >= frames) throw new TaceError('DICOM_FRAME_OUT_OF_RANGE', `Frame ${i} outside 0..${frames - 1}`);
    if (this.transferSyntaxUid === TRANSFER_SYNTAX.RLELossless) {
      return decodeRleFrame(this.encapsulatedFrame(i), { rows, cols, samplesPerPixel: spp, bitsAllocated: bits });
    }
    if (isCodecSyntax(this.transferSyntaxUid)) {
      return decodeCompressedFrame(this.transferSyntaxUid, this.encapsulatedFrame(i), { rows, cols, samplesPerPixel: spp, bitsAllocated: bits });
    }
    if (bits === 1) throw new TaceError('DICOM_PIXEL_FORMAT_UNSUPPORTED', 'frameBytes() cannot address packed 1-bit frames; use nativePixelData()');
    const frameLen = (rows * cols * spp * bits) / 8;
    const all = this.nativePixelData();
    if (all.length < frameLen * (i + 1)) {
      throw new TaceError('DICOM_PIXEL_DATA_TRUNCATED', `Pixel Data holds ${all.length} bytes, frame ${i} needs ${frameLen * (i + 1)}`);
    }
    const out = all.slice(i * frameLen, (i + 1) * frameLen);
    if (this.transferSyntaxUid === TRANSFER_SYNTAX.ExplicitVRBigEndian && bits > 8) swapBytes(out, bits / 8);
    return out;
  }

  /** Compressed bytes of frame i from encapsulated Pixel Data. */
  private encapsulatedFrame(i: number): Uint8Array {
    const el = this.element(TAG.PixelData);
    if (!el || !el.encapsulatedPixelData || !el.fragments) {
      throw new TaceError('DICOM_PIXEL_DATA_INVALID', 'Encapsulated transfer syntax but Pixel Data is not encapsulated');
    }
    const frames = this.numberOfFrames;
    const bot = el.basicOffsetTable ?? [];
    if (bot.length > 0) return dicomParser.readEncapsulatedImageFrame(this.raw, el, i, bot) as Uint8Array;
    if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(this.raw, el, 0, el.fragments.length) as Uint8Array;
    if (el.fragments.length === frames) return dicomParser.readEncapsulatedPixelDataFromFragments(this.raw, el, i, 1) as Uint8Array;
    if (isCodecSyntax(this.transferSyntaxUid)) {
      // JPEG-family frames end with an EOI marker, which lets dicom-parser rebuild the offsets.
      this.jpegOffsets ??= dicomParser.createJPEGBasicOffsetTable(this.raw, el);
      return dicomParser.readEncapsulatedImageFrame(this.raw, el, i, this.jpegOffsets) as Uint8Array;
    }
    throw new TaceError('DICOM_PIXEL_DATA_INVALID', `Multi-frame encapsulated Pixel Data with ${el.fragments.length} fragments for ${frames} frames and no offset table`);
  }

  /**
   * Stored values of frame i (single sample per pixel), sign-extended per PixelRepresentation and
   * masked to BitsStored. Row-major: index = column + columns · row.
   */
  storedFrame(i: number): Int32Array {
    const bits = this.bitsAllocated, stored = this.bitsStored, signed = this.pixelRepresentation === 1;
    if (this.samplesPerPixel !== 1) throw new TaceError('DICOM_PIXEL_FORMAT_UNSUPPORTED', `SamplesPerPixel ${this.samplesPerPixel} (only grayscale is read)`);
    const bytes = this.frameBytes(i);
    const n = this.rows * this.columns;
    const out = new Int32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const shift = 32 - stored;
    for (let p = 0; p < n; p++) {
      let v: number;
      if (bits === 16) v = dv.getUint16(2 * p, true);
      else if (bits === 8) v = bytes[p];
      else if (bits === 32) v = dv.getUint32(4 * p, true);
      else throw new TaceError('DICOM_PIXEL_FORMAT_UNSUPPORTED', `BitsAllocated ${bits}`);
      // Keep BitsStored low bits; sign-extend from bit BitsStored-1 when signed.
      v = signed ? ((v << shift) >> shift) : stored < 32 ? v & ((1 << stored) - 1) : v >>> 0;
      out[p] = v;
    }
    return out;
  }
}

function swapBytes(b: Uint8Array, width: number): void {
  for (let p = 0; p + width <= b.length; p += width) {
    for (let a = 0, z = width - 1; a < z; a++, z--) {
      const t = b[p + a]; b[p + a] = b[p + z]; b[p + z] = t;
    }
  }
}

/**
 * Parse a DICOM Part 10 file. Uncompressed, deflated and big-endian data sets are read; pixel
 * data is decoded on demand by the instance (see SUPPORTED_TRANSFER_SYNTAXES).
 * `untilTag` stops before that tag (e.g. Pixel Data, for header-only indexing).
 */
export function parseDicom(buf: Uint8Array, opts: { untilTag?: string } = {}): DicomInstance {
  // dicom-parser inflates deflated data sets with zlib only when handed a Buffer.
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    const raw = dicomParser.parseDicom(b, opts.untilTag ? { untilTag: opts.untilTag } : undefined);
    const over = findElementOverrun(raw); // a length field past the end: refuse now, not as a RangeError in an accessor
    if (over) throw new Error(`element (${over.tag.slice(1, 5).toUpperCase()},${over.tag.slice(5).toUpperCase()}) claims ${over.length} bytes, ${over.available} remain (truncated or damaged)`);
    return new DicomInstance(raw);
  } catch (e) {
    const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : (e as { exception?: string })?.exception ?? String(e);
    throw new TaceError('DICOM_PARSE_ERROR', `Not a readable DICOM Part 10 file: ${msg}`, { cause: e });
  }
}
