import { beforeAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { readDicomFile } from './folder-source.ts';
import { parseDicom } from './instance.ts';
import { loadEncoders, reencodeImage } from './test-reencode.ts';

const TS = referencePath('dicom/transfer-syntaxes');

/** Largest absolute difference between two equally long arrays. */
function maxAbsDiff(a: Int32Array, b: Int32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// Expected errors come from transfer-syntaxes/README.md ("Pixel checks done here", DCMTK + pydicom).
describe.skipIf(!TS)('JPEG-family codecs against the uncompressed twin', () => {
  const f = (n: string) => readDicomFile(`${TS}/${n}`);

  it('refuses before loadCodecs() with a message naming the transfer syntax', async () => {
    // Only meaningful while nothing loaded the codecs in this worker yet.
    const inst = f('CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm');
    let err: { code?: string; message?: string } | undefined;
    try { inst.storedFrame(0); } catch (e) { err = e as typeof err; }
    expect(err?.code).toBe('DICOM_TRANSFER_SYNTAX_UNSUPPORTED');
    expect(err?.message).toContain('1.2.840.10008.1.2.4.80');
  });

  describe('after loadCodecs()', () => {
    beforeAll(() => loadCodecs());

    it.each([
      ['CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm', 'CT1_UNC.explicit_little_endian.dcm', 0],
      ['CT1_UNC.not_fragmented_no_bot_jpeg_ls.80.dcm', 'CT1_UNC.explicit_little_endian.dcm', 0],
      ['CT1_UNC.fragmented_bot_jpeg_ls.80.dcm', 'CT1_UNC.explicit_little_endian.dcm', 0],
      ['CT1_J2KR.dcm', 'CT1_UNC.explicit_little_endian.dcm', 0],
      ['CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm', 0],
      ['CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm', 5],
    ])('%s vs %s: max abs error ≤ %i stored units', (n, ref, maxErr) => {
      expect(maxAbsDiff(f(n).storedFrame(0), f(ref).storedFrame(0))).toBeLessThanOrEqual(maxErr);
    });

    it.each([
      ['CT0012.fragmented_no_bot_jpeg_lossless.57.dcm', 0],
      ['CT0012.fragmented_no_bot_jpeg_lossless.70.dcm', 0],
      ['CT0012.fragmented_no_bot_jpeg_ls.80.dcm', 0],
      ['CT0012.not_fragmented_bot_jpeg_ls.80.dcm', 0],
      ['CT0012.not_fragmented_no_bot_jpeg_ls.80.dcm', 0],
      ['CT0012.fragmented_no_bot_jpeg_ls.81.dcm', 2],
    ])('2-frame %s equals explicit LE within %i in both frames', (n, maxErr) => {
      const ref = f('CT0012.explicit_little_endian.dcm');
      const inst = f(n);
      for (const fr of [0, 1]) expect(maxAbsDiff(inst.storedFrame(fr), ref.storedFrame(fr))).toBeLessThanOrEqual(maxErr);
    });

    it.each(['htj2k', 'deflated-frames'] as const)('CT re-encoded as %s (OpenJPH encoder / zlib) equals its uncompressed twin exactly', async (enc) => {
      await loadEncoders();
      for (const n of ['CT1_UNC.explicit_little_endian.dcm', 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm']) {
        const inst = parseDicom(reencodeImage(`${TS}/${n}`, enc));
        expect(inst.transferSyntaxUid).toBe(enc === 'htj2k' ? '1.2.840.10008.1.2.4.201' : '1.2.840.10008.1.2.8.1');
        expect(maxAbsDiff(inst.storedFrame(0), f(n).storedFrame(0))).toBe(0);
      }
    });

    it('lossy JPEG baseline stays refused, saying why and naming the file and tag', () => {
      let err: { code?: string; message?: string } | undefined;
      try { f('CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm').storedFrame(0); } catch (e) { err = e as typeof err; }
      expect(err?.message).toMatch(/^CTImage\.dcm_JPEGProcess1TransferSyntax_1\.2\.840\.10008\.1\.2\.4\.50\.dcm: \(0002,0010\) Transfer Syntax UID: .*lossy/);
    });

    it('lossy JPEG baseline stays refused', () => {
      let code: string | undefined;
      try { f('CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm').storedFrame(0); } catch (e) { code = (e as { code: string }).code; }
      expect(code).toBe('DICOM_TRANSFER_SYNTAX_UNSUPPORTED');
    });
  });
});
