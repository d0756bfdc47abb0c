import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { readDicomFile } from './folder-source.ts';
import { parseDicom } from './instance.ts';
import { decodeRleFrame } from './rle.ts';

const TS = referencePath('dicom/transfer-syntaxes');

function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  expect((caught as { code?: string })?.code).toBe(code);
}

describe('decodeRleFrame (PS3.5 Annex G), hand-built frames', () => {
  it('decodes literal and replicate runs of one 8-bit segment', () => {
    // 2x3 pixels: literal run "1 2" (n=1), then replicate 7 four times (n=-3).
    const seg = [1, 1, 2, 0xfd, 7];
    const frame = new Uint8Array(64 + seg.length);
    const dv = new DataView(frame.buffer);
    dv.setUint32(0, 1, true); dv.setUint32(4, 64, true);
    frame.set(seg, 64);
    expect([...decodeRleFrame(frame, { rows: 2, cols: 3, samplesPerPixel: 1, bitsAllocated: 8 })]).toEqual([1, 2, 7, 7, 7, 7]);
  });

  it('puts the high-byte segment first and writes little-endian 16-bit values', () => {
    // Two pixels 0x0102 and 0x0304: segment 1 = high bytes [1,3], segment 2 = low bytes [2,4].
    const s1 = [1, 1, 3], s2 = [1, 2, 4];
    const frame = new Uint8Array(64 + 6);
    const dv = new DataView(frame.buffer);
    dv.setUint32(0, 2, true); dv.setUint32(4, 64, true); dv.setUint32(8, 67, true);
    frame.set(s1, 64); frame.set(s2, 67);
    const out = decodeRleFrame(frame, { rows: 1, cols: 2, samplesPerPixel: 1, bitsAllocated: 16 });
    expect([...new Uint16Array(out.buffer)]).toEqual([0x0102, 0x0304]);
  });

  it('rejects a frame whose segment count does not fit the pixel format', () => {
    const frame = new Uint8Array(64);
    new DataView(frame.buffer).setUint32(0, 1, true);
    expectCode(() => decodeRleFrame(frame, { rows: 1, cols: 1, samplesPerPixel: 1, bitsAllocated: 16 }), 'DICOM_RLE_INVALID');
  });
});

describe('parseDicom', () => {
  it('rejects bytes that are not a Part 10 file', () => {
    expectCode(() => parseDicom(new Uint8Array(300)), 'DICOM_PARSE_ERROR');
  });
});

describe.skipIf(!TS)('transfer syntaxes decode to the same stored pixels (reference: transfer-syntaxes/README.md)', () => {
  const f = (n: string) => readDicomFile(`${TS}/${n}`);

  it('CT1_UNC implicit LE and explicit BE equal explicit LE, and HU use intercept -1024', () => {
    const ref = f('CT1_UNC.explicit_little_endian.dcm');
    const refPx = ref.storedFrame(0);
    expect(refPx.length).toBe(512 * 512);
    for (const n of ['CT1_UNC.implicit_little_endian.dcm', 'CT1_UNC.explicit_big_endian.dcm']) {
      const inst = f(n);
      expect(inst.storedFrame(0)).toEqual(refPx);
      expect(inst.rescale(0)).toEqual({ slope: 1, intercept: -1024 });
    }
  });

  it('deflated CTImage equals its explicit LE twin', () => {
    const ref = f('CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm');
    const dfl = f('CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm');
    expect(dfl.transferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
    const px = dfl.storedFrame(0);
    expect(px).toEqual(ref.storedFrame(0));
    // README: "stored minimum -2000" — checks signed (PixelRepresentation 1) sign extension.
    expect(px.reduce((m, v) => Math.min(m, v), Infinity)).toBe(-2000);
  });

  it('deflated 8-bit secondary capture parses and decodes a full frame', () => {
    const dfl = f('image_dfl.dcm');
    expect([dfl.rows, dfl.columns, dfl.bitsAllocated]).toEqual([512, 512, 8]);
    expect(dfl.storedFrame(0).length).toBe(512 * 512);
  });

  it.each(['CT0012.not_fragmented_bot_rle.dcm', 'CT0012.not_fragmented_no_bot_rle.dcm'])('RLE %s equals explicit LE in both frames', (n) => {
    const ref = f('CT0012.explicit_little_endian.dcm');
    const rle = f(n);
    expect(rle.numberOfFrames).toBe(2);
    for (const fr of [0, 1]) expect(rle.storedFrame(fr)).toEqual(ref.storedFrame(fr));
    // Enhanced CT: the rescale lives in the functional groups (README: intercept -1024).
    expect(rle.rescale(0).intercept).toBe(-1024);
  });

  it('lossy JPEG baseline: header parses, pixels refuse with DICOM_TRANSFER_SYNTAX_UNSUPPORTED naming the UID', () => {
    const inst = f('CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm');
    expect(inst.modality).toBe('CT');
    let err: unknown;
    try { inst.storedFrame(0); } catch (e) { err = e; }
    expect((err as { code: string }).code).toBe('DICOM_TRANSFER_SYNTAX_UNSUPPORTED');
    expect((err as Error).message).toContain('1.2.840.10008.1.2.4.50');
  });
});
