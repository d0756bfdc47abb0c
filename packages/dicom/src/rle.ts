import { TaceError } from '@tace/common';

/**
 * RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (number of segments, then 15
 * uint32 offsets) followed by segments, each PackBits-coded: a control byte n ≥ 0 copies the
 * next n+1 bytes; -127 ≤ n ≤ -1 repeats the next byte 1-n times; -128 is a no-op.
 * Segment order: for each sample, the most significant byte first. Output is native
 * little-endian, samples interleaved (for BitsAllocated 1, one segment of packed bits).
 */
export function decodeRleFrame(
  data: Uint8Array,
  f: { rows: number; cols: number; samplesPerPixel: number; bitsAllocated: number },
): Uint8Array {
  const pixels = f.rows * f.cols;
  const bytesPerSample = f.bitsAllocated === 1 ? 1 : f.bitsAllocated / 8;
  const segLen = f.bitsAllocated === 1 ? Math.ceil(pixels / 8) : pixels;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 64) throw new TaceError('DICOM_RLE_INVALID', 'RLE frame shorter than its header');
  const nSeg = dv.getUint32(0, true);
  const expected = f.samplesPerPixel * bytesPerSample;
  if (nSeg !== expected) throw new TaceError('DICOM_RLE_INVALID', `RLE frame has ${nSeg} segments, expected ${expected}`);
  const width = f.bitsAllocated === 1 ? 1 : expected;
  const out = new Uint8Array(segLen * width);
  for (let s = 0; s < nSeg; s++) {
    const start = dv.getUint32(4 + 4 * s, true);
    const end = s + 1 < nSeg ? dv.getUint32(8 + 4 * s, true) : data.byteLength;
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // MSB segment first → little-endian slot
    const slot = sample * bytesPerSample + byteInSample;
    let o = 0, p = start;
    while (p < end && o < segLen) {
      const n = (data[p++] << 24) >> 24;
      if (n >= 0) {
        for (let k = 0; k <= n && o < segLen; k++) out[(o++) * width + slot] = data[p++];
      } else if (n !== -128) {
        const v = data[p++];
        for (let k = 0; k < 1 - n && o < segLen; k++) out[(o++) * width + slot] = v;
      }
    }
    if (o < segLen) throw new TaceError('DICOM_RLE_INVALID', `RLE segment ${s} decoded to ${o} of ${segLen} bytes`);
  }
  return out;
}
