import { TaceError } from '@tace/common';

/**
 * Checks on a compressed frame BEFORE it reaches a decoder: the decoders allocate what the
 * codestream (or BitsAllocated) says, and WASM memory once grown never shrinks, so a damaged
 * header claiming 60000 × 60000 pixels, or BitsAllocated 14649 (found by the fuzz test: the
 * JPEG Lossless decoder allocated 2 GB for it), must be refused here with a code.
 */

const MAX_FRAME_BYTES = 1024 ** 3;

export interface FrameFormat { rows: number; cols: number; samplesPerPixel: number; bitsAllocated: number }

export function checkFrameFormat(ts: string, f: FrameFormat): void {
  // 1: a BINARY SEG frame, which the codecs decode to a byte per pixel.
  if (f.bitsAllocated !== 1 && f.bitsAllocated !== 8 && f.bitsAllocated !== 16) {
    throw new TaceError('DICOM_PIXEL_FORMAT_UNSUPPORTED', `BitsAllocated (0028,0100) is ${f.bitsAllocated}; a compressed frame (transfer syntax ${ts}) holds 1 (a BINARY segmentation), 8 or 16`,
      { detail: { bitsAllocated: f.bitsAllocated, transferSyntaxUid: ts } });
  }
  if (f.samplesPerPixel !== 1 && f.samplesPerPixel !== 3) {
    throw new TaceError('DICOM_PIXEL_FORMAT_UNSUPPORTED', `SamplesPerPixel (0028,0002) is ${f.samplesPerPixel}; expected 1 or 3`, { detail: { samplesPerPixel: f.samplesPerPixel } });
  }
  if (f.rows < 1 || f.cols < 1 || f.rows * f.cols * f.samplesPerPixel * Math.ceil(f.bitsAllocated / 8) > MAX_FRAME_BYTES) {
    throw new TaceError('DICOM_PIXEL_FORMAT_UNSUPPORTED', `Rows × Columns (0028,0010/0011) ${f.rows} × ${f.cols} is not a decodable frame size`, { detail: { rows: f.rows, cols: f.cols } });
  }
}

/** Width and height a codestream declares: J2K SIZ, or a JPEG / JPEG-LS SOF segment; undefined if not found. */
export function codestreamSize(data: Uint8Array): { width: number; height: number } | undefined {
  const u16 = (i: number) => (data[i] << 8) | data[i + 1];
  const u32 = (i: number) => ((data[i] << 24) >>> 0) + (data[i + 1] << 16) + (data[i + 2] << 8) + data[i + 3];
  if (data.length >= 24 && u16(0) === 0xff4f && u16(2) === 0xff51) {
    // J2K: SOC, SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz (ISO 15444-1 A.5.1)
    return { width: u32(8) - u32(16), height: u32(12) - u32(20) };
  }
  if (data.length < 4 || u16(0) !== 0xffd8) return undefined;
  // JPEG / JPEG-LS: walk marker segments to the first SOF (C0–CF but C4, C8, CC; F7 = JPEG-LS SOF55).
  let i = 2;
  const end = Math.min(data.length, 1 << 16);
  while (i + 9 <= end) {
    if (data[i] !== 0xff) return undefined;
    const m = data[i + 1];
    if (m === 0xff) { i++; continue; } // fill byte
    const isSof = (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;
    if (isSof) return { height: u16(i + 5), width: u16(i + 7) };
    i += 2 + u16(i + 2);
  }
  return undefined;
}

/** The codestream's own size must be the frame's: anything else is a damaged or mislabelled frame. */
export function checkCodestream(ts: string, data: Uint8Array, f: FrameFormat): void {
  checkFrameFormat(ts, f);
  const s = codestreamSize(data);
  if (s && (s.width !== f.cols || s.height !== f.rows)) {
    throw new TaceError('DICOM_CODEC_ERROR', `The compressed frame declares ${s.width} × ${s.height} pixels; Columns × Rows (0028,0011/0010) say ${f.cols} × ${f.rows}`,
      { detail: { transferSyntaxUid: ts, codestream: s, rows: f.rows, cols: f.cols } });
  }
}
