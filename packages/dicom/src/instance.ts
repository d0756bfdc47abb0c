import { basename } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { TaceError, type Vec3 } from '@tace/common';
import { DicomDataSet, dicomParser, findElementOverrun, type RawDataSet } from './dataset.ts';
import { decodeCompressedFrame, HTJ2K_SYNTAXES, isCodecSyntax, JPEG_2000_SYNTAXES, JPEG_LOSSLESS_SYNTAXES, JPEG_LS_SYNTAXES } from './codecs.ts';
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
  ...NATIVE_SYNTAXES, TRANSFER_SYNTAX.RLELossless, TRANSFER_SYNTAX.DeflatedImageFrameCompression,
  ...JPEG_LOSSLESS_SYNTAXES, ...JPEG_LS_SYNTAXES, ...JPEG_2000_SYNTAXES, ...HTJ2K_SYNTAXES,
];

/** Lossy syntaxes refused on purpose: their pixels are unfit for radiomics. */
const LOSSY_REFUSED: Readonly<Record<string, string>> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (lossy)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (lossy)',
};

const PIXEL_DATA = '(7FE0,0010) Pixel Data';

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
  /** Where the instance came from (a file's base name, or a DICOMweb / DIMSE description), for errors. */
  readonly source: string | undefined;
  private jpegOffsets: number[] | undefined;

  constructor(raw: ConstructorParameters<typeof DicomDataSet>[0], source?: string) {
    super(raw);
    this.transferSyntaxUid = this.string(TAG.TransferSyntaxUID) ?? TRANSFER_SYNTAX.ImplicitVRLittleEndian;
    this.source = source;
  }

  /**
   * An error that names the instance (its file, else its SOP Instance UID), the tag and what was
   * expected: what a person needs to find the bad file, never an internal hint.
   */
  fail(code: string, tag: string, message: string, detail: Record<string, unknown> = {}): TaceError {
    const where = this.source ?? `SOP instance ${this.sopInstanceUid || '(no SOPInstanceUID)'}`;
    return new TaceError(code, `${where}: ${tag}: ${message}`, {
      detail: { ...(this.source ? { file: this.source } : {}), sopInstanceUid: this.sopInstanceUid, tag, ...detail },
    });
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

  /** True when Pixel Data is stored uncompressed (all frames back to back in one value). */
  get isNativePixelData(): boolean { return NATIVE_SYNTAXES.has(this.transferSyntaxUid); }

  private assertDecodable(): void {
    const ts = this.transferSyntaxUid;
    if (!NATIVE_SYNTAXES.has(ts) && ts !== TRANSFER_SYNTAX.RLELossless && ts !== TRANSFER_SYNTAX.DeflatedImageFrameCompression && !isCodecSyntax(ts)) {
      const why = LOSSY_REFUSED[ts] ? `${LOSSY_REFUSED[ts]} is refused: lossy pixels are unfit for radiomics` : 'this transfer syntax cannot be decoded';
      throw this.fail('DICOM_TRANSFER_SYNTAX_UNSUPPORTED', '(0002,0010) Transfer Syntax UID',
        `${ts}: ${why}; expected one of ${SUPPORTED_TRANSFER_SYNTAXES.join(', ')}`, { transferSyntaxUid: ts });
    }
    if (!this.hasPixelData) throw this.fail('DICOM_NO_PIXEL_DATA', PIXEL_DATA, 'missing; an image or segmentation needs pixel data');
  }

  /**
   * The whole native Pixel Data value (all frames back to back), bytes as stored. For native
   * (uncompressed) transfer syntaxes; 1-bit frames are packed across frame boundaries there.
   */
  nativePixelData(): Uint8Array {
    this.assertDecodable();
    if (!NATIVE_SYNTAXES.has(this.transferSyntaxUid)) {
      throw this.fail('DICOM_PIXEL_DATA_INVALID', PIXEL_DATA, `is encapsulated (transfer syntax ${this.transferSyntaxUid}); read it frame by frame`);
    }
    return this.bytes(TAG.PixelData) as Uint8Array;
  }

  /** Bytes one frame of native or Deflated Image Frame data holds: 1-bit frames are byte-aligned when framed on their own. */
  private nativeFrameLength(): number {
    const bits = this.rows * this.columns * this.samplesPerPixel * this.bitsAllocated;
    return Math.ceil(bits / 8);
  }

  /**
   * Bytes of frame i (0-based) in native little-endian order: big-endian data is byte-swapped,
   * RLE and deflated frames are decoded, JPEG-family frames go through the codecs. What a 1-bit
   * (BINARY SEG) frame gives depends on how it was stored: packed bits, LSB first, from RLE and
   * Deflated Image Frame Compression (each frame byte-aligned); one byte per pixel from the
   * JPEG-family codecs. Native 1-bit frames are packed across frame boundaries: read those with
   * nativePixelData().
   */
  frameBytes(i: number): Uint8Array {
    this.assertDecodable();
    const rows = this.rows, cols = this.columns, spp = this.samplesPerPixel, bits = this.bitsAllocated;
    const frames = this.numberOfFrames;
    if (i < 0 || i >= frames) throw this.fail('DICOM_FRAME_OUT_OF_RANGE', '(0028,0008) Number of Frames', `frame ${i + 1} asked for, the instance has ${frames}`);
    if (![1, 8, 16, 32].includes(bits)) {
      throw this.fail('DICOM_PIXEL_FORMAT_UNSUPPORTED', '(0028,0100) Bits Allocated', `${bits}; expected 1, 8, 16 or 32`);
    }
    if (rows === 0 || cols === 0) throw this.fail('DICOM_PIXEL_FORMAT_UNSUPPORTED', '(0028,0010) Rows / (0028,0011) Columns', 'missing or 0');
    if (this.transferSyntaxUid === TRANSFER_SYNTAX.RLELossless) {
      return this.withFrameContext(i, () => decodeRleFrame(this.encapsulatedFrame(i), { rows, cols, samplesPerPixel: spp, bitsAllocated: bits }));
    }
    if (this.transferSyntaxUid === TRANSFER_SYNTAX.DeflatedImageFrameCompression) return this.inflateFrame(i);
    if (isCodecSyntax(this.transferSyntaxUid)) {
      return this.withFrameContext(i, () => decodeCompressedFrame(this.transferSyntaxUid, this.encapsulatedFrame(i), { rows, cols, samplesPerPixel: spp, bitsAllocated: bits }));
    }
    if (bits === 1) throw this.fail('DICOM_PIXEL_FORMAT_UNSUPPORTED', '(0028,0100) Bits Allocated', '1 (packed bits) in native Pixel Data are read as a whole, not per frame');
    const frameLen = (rows * cols * spp * bits) / 8;
    const all = this.nativePixelData();
    if (all.length < frameLen * (i + 1)) {
      throw this.fail('DICOM_PIXEL_DATA_TRUNCATED', PIXEL_DATA, `holds ${all.length} bytes; frame ${i + 1} of ${rows}×${cols}×${bits} bits needs ${frameLen * (i + 1)}`);
    }
    const out = all.slice(i * frameLen, (i + 1) * frameLen);
    if (this.transferSyntaxUid === TRANSFER_SYNTAX.ExplicitVRBigEndian && bits > 8) swapBytes(out, bits / 8);
    return out;
  }

  /** Run a frame decoder; a codec's error gains the file, the tag and the frame. */
  private withFrameContext(i: number, decode: () => Uint8Array): Uint8Array {
    try {
      return decode();
    } catch (e) {
      if (e instanceof TaceError && !(e.detail && 'tag' in e.detail)) {
        throw this.fail(e.code, PIXEL_DATA, `frame ${i + 1} (transfer syntax ${this.transferSyntaxUid}): ${e.message}`, { frame: i + 1 });
      }
      throw e;
    }
  }

  /** Deflated Image Frame Compression: one raw-deflate (RFC 1951) stream per frame. */
  private inflateFrame(i: number): Uint8Array {
    const data = this.encapsulatedFrame(i);
    const expect = this.nativeFrameLength();
    let out: Buffer;
    try {
      out = inflateRawSync(data, { maxOutputLength: expect + 1 });
    } catch {
      // Tolerate a zlib wrapper (RFC 1950) around the stream, which some writers add.
      try { out = inflateSync(data, { maxOutputLength: expect + 1 }); } catch (e) {
        throw this.fail('DICOM_CODEC_ERROR', PIXEL_DATA, `frame ${i + 1} is not a valid deflate stream (Deflated Image Frame Compression)`, { frame: i + 1, cause: String(e) });
      }
    }
    if (out.length !== expect) {
      throw this.fail('DICOM_CODEC_ERROR', PIXEL_DATA, `frame ${i + 1} inflated to ${out.length} bytes; ${this.rows}×${this.columns}×${this.bitsAllocated} bits need ${expect}`, { frame: i + 1 });
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /** Compressed bytes of frame i from encapsulated Pixel Data. */
  private encapsulatedFrame(i: number): Uint8Array {
    const el = this.element(TAG.PixelData);
    if (!el || !el.encapsulatedPixelData || !el.fragments) {
      throw this.fail('DICOM_PIXEL_DATA_INVALID', PIXEL_DATA, `is not encapsulated, but transfer syntax ${this.transferSyntaxUid} requires encapsulated fragments`);
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
    throw this.fail('DICOM_PIXEL_DATA_INVALID', PIXEL_DATA, `${el.fragments.length} fragments for ${frames} frames and no Basic Offset Table: the frames cannot be told apart`);
  }

  /**
   * Let go of the pixel data (after a volume was built from it): the header is kept in a copy of
   * the bytes before Pixel Data, so the file's buffer can be freed. Done only when Pixel Data is
   * the data set's last element (every header value lies before it); returns whether it was done.
   * Pixel access afterwards fails with DICOM_NO_PIXEL_DATA.
   */
  dropPixelData(): boolean {
    const el = this.element(TAG.PixelData);
    if (!el) return false;
    const all = Object.values(this.raw.elements);
    if (all.some((e) => e !== el && e.dataOffset > el.dataOffset)) return false;
    const header = this.raw.byteArray.slice(0, el.dataOffset);
    const rebase = (ds: RawDataSet): void => {
      (ds as { byteArray: Uint8Array }).byteArray = header;
      for (const e of Object.values(ds.elements)) for (const item of e.items ?? []) if (item.dataSet) rebase(item.dataSet);
    };
    delete this.raw.elements[TAG.PixelData];
    rebase(this.raw);
    return true;
  }

  /**
   * Frame i as modality values (stored · slope + intercept) written into `out` from `offset`:
   * the volume builder's path. Native little-endian 16-bit data (nearly every CT) is read
   * through a typed-array view of the file's bytes with no intermediate copy; anything else goes
   * through storedFrame().
   */
  frameIntoFloat32(i: number, out: Float32Array, offset: number, slope: number, intercept: number): void {
    const n = this.rows * this.columns;
    const bits = this.bitsAllocated, stored = this.bitsStored, signed = this.pixelRepresentation === 1;
    const ts = this.transferSyntaxUid;
    const littleNative = ts === TRANSFER_SYNTAX.ImplicitVRLittleEndian || ts === TRANSFER_SYNTAX.ExplicitVRLittleEndian || ts === TRANSFER_SYNTAX.DeflatedExplicitVRLittleEndian;
    if (littleNative && bits === 16 && this.samplesPerPixel === 1 && this.hasPixelData && i >= 0 && i < this.numberOfFrames) {
      const all = this.bytes(TAG.PixelData) as Uint8Array;
      if (all.length >= 2 * n * (i + 1)) {
        const start = all.byteOffset + 2 * n * i;
        const src = start % 2 === 0 ? all.buffer : all.slice(2 * n * i, 2 * n * (i + 1)).buffer;
        const at = start % 2 === 0 ? start : 0;
        if (stored === 16) {
          // Two loops, one element type each: one loop over both types runs several times slower.
          if (signed) rescaleInto(new Int16Array(src, at, n), out, offset, slope, intercept);
          else rescaleInto(new Uint16Array(src, at, n), out, offset, slope, intercept);
        } else {
          const v = new Uint16Array(src, at, n);
          const shift = 32 - stored, mask = (1 << stored) - 1;
          if (signed) for (let q = 0; q < n; q++) out[offset + q] = ((v[q] << shift) >> shift) * slope + intercept;
          else for (let q = 0; q < n; q++) out[offset + q] = (v[q] & mask) * slope + intercept;
        }
        return;
      }
    }
    const v = this.storedFrame(i);
    for (let q = 0; q < n; q++) out[offset + q] = v[q] * slope + intercept;
  }

  /**
   * Stored values of frame i (single sample per pixel), sign-extended per PixelRepresentation and
   * masked to BitsStored. Row-major: index = column + columns · row.
   */
  storedFrame(i: number): Int32Array {
    const bits = this.bitsAllocated, stored = this.bitsStored, signed = this.pixelRepresentation === 1;
    if (this.samplesPerPixel !== 1) throw this.fail('DICOM_PIXEL_FORMAT_UNSUPPORTED', '(0028,0002) Samples per Pixel', `${this.samplesPerPixel}; expected 1 (grayscale)`);
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
      else throw this.fail('DICOM_PIXEL_FORMAT_UNSUPPORTED', '(0028,0100) Bits Allocated', `${bits}; expected 8, 16 or 32 for an image`);
      // Keep BitsStored low bits; sign-extend from bit BitsStored-1 when signed.
      v = signed ? ((v << shift) >> shift) : stored < 32 ? v & ((1 << stored) - 1) : v >>> 0;
      out[p] = v;
    }
    return out;
  }
}

function rescaleInto(v: Int16Array | Uint16Array, out: Float32Array, offset: number, slope: number, intercept: number): void {
  const n = v.length;
  if (v instanceof Int16Array) for (let q = 0; q < n; q++) out[offset + q] = v[q]! * slope + intercept;
  else for (let q = 0; q < n; q++) out[offset + q] = v[q]! * slope + intercept;
}

function swapBytes(b: Uint8Array, width: number): void {
  for (let p = 0; p + width <= b.length; p += width) {
    for (let a = 0, z = width - 1; a < z; a++, z--) {
      const t = b[p + a]; b[p + a] = b[p + z]; b[p + z] = t;
    }
  }
}

/** The name an error may show for a file: its base name (folder names can hold patient names). */
export function sourceName(path: string): string {
  return basename(path);
}

/**
 * Parse a DICOM Part 10 file. Uncompressed, deflated and big-endian data sets are read; pixel
 * data is decoded on demand by the instance (see SUPPORTED_TRANSFER_SYNTAXES).
 * `untilTag` stops before that tag (e.g. Pixel Data, for header-only indexing).
 */
export function parseDicom(buf: Uint8Array, opts: { untilTag?: string; source?: string } = {}): DicomInstance {
  // dicom-parser inflates deflated data sets with zlib only when handed a Buffer.
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    const raw = dicomParser.parseDicom(b, opts.untilTag ? { untilTag: opts.untilTag } : undefined);
    const over = findElementOverrun(raw); // a length field past the end: refuse now, not as a RangeError in an accessor
    if (over) throw new Error(`element (${over.tag.slice(1, 5).toUpperCase()},${over.tag.slice(5).toUpperCase()}) claims ${over.length} bytes, ${over.available} remain (truncated or damaged)`);
    return new DicomInstance(raw, opts.source);
  } catch (e) {
    const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : (e as { exception?: string })?.exception ?? String(e);
    const where = opts.source ? `${opts.source}: ` : '';
    const what = buf.length < 132 || Buffer.from(buf.buffer, buf.byteOffset + 128, Math.min(4, Math.max(0, buf.length - 128))).toString('latin1') !== 'DICM'
      ? 'not a DICOM Part 10 file (no "DICM" at byte 128)'
      : `not a readable DICOM Part 10 file (${msg})`;
    throw new TaceError('DICOM_PARSE_ERROR', `${where}${what}`, { cause: e, ...(opts.source ? { detail: { file: opts.source } } : {}) });
  }
}
