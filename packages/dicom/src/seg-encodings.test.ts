/**
 * A SEG reads the same whatever way it is encoded: the published dcmqi SEGs, re-encoded into every
 * transfer syntax the images can have and into LABELMAP (test-reencode.ts), each give the
 * publisher's own NRRD label map voxel for voxel (liver_seg.nrrd; the 23×38×3 label.nrrd whose
 * frames are not byte-aligned).
 */
import { readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { referencePath, type LabelMap } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { loadCtVolume } from './ct-volume.ts';
import { readDicomFile } from './folder-source.ts';
import { parseDicom } from './instance.ts';
import { segToLabelMap } from './seg.ts';
import { isSeg } from './segments.ts';
import { loadEncoders, reencodeSeg, SEG_ENCODING_SYNTAX, type SegEncoding } from './test-reencode.ts';
import { readNrrd } from './test-readers.ts';

const D = referencePath('dicom');

function mismatches(m: LabelMap, refPath: string): number {
  const ref = readNrrd(refPath);
  expect(ref.size).toEqual(m.size);
  let bad = 0;
  for (let p = 0; p < m.data.length; p++) if ((ref.data[p] !== 0) !== (m.data[p] !== 0)) bad++;
  return bad;
}
const count = (m: LabelMap) => m.data.reduce((s, v) => s + (v ? 1 : 0), 0);

const ENCODINGS: SegEncoding[] = ['deflated-frames', 'rle', 'jpeg-ls', 'jpeg2000', 'htj2k'];

describe.skipIf(!D)('SEG in every encoding equals the publisher\'s label map', () => {
  beforeAll(async () => { await loadCodecs(); await loadEncoders(); });
  const ct3 = () => loadCtVolume(['01', '02', '03'].map((n) => readDicomFile(`${D}/dcmqi-ct-3slice/${n}.dcm`)));
  const ct23 = () => loadCtVolume(readdirSync(`${D}/dcmqi-misc/23x38x3/image`).map((f) => readDicomFile(`${D}/dcmqi-misc/23x38x3/image/${f}`)));

  describe.each(ENCODINGS)('BINARY, frames in %s', (enc) => {
    it('dcmqi liver SEG → liver_seg.nrrd (107,098 voxels)', () => {
      const file = reencodeSeg(`${D}/dcmqi-ct-3slice/liver.dcm`, enc);
      const seg = parseDicom(file, { source: `liver.${enc}.dcm` });
      expect(seg.transferSyntaxUid).toBe(SEG_ENCODING_SYNTAX[enc]);
      const m = segToLabelMap(seg, ct3());
      expect(count(m)).toBe(36233 + 35645 + 35220);
      expect(mismatches(m, `${D}/dcmqi-ct-3slice/liver_seg.nrrd`)).toBe(0);
    });
    it('dcmqi 23×38×3 SEG (frames not byte-aligned when native) → label.nrrd', () => {
      const seg = parseDicom(reencodeSeg(`${D}/dcmqi-misc/23x38x3/seg/label.seg`, enc));
      expect(mismatches(segToLabelMap(seg, ct23()), `${D}/dcmqi-misc/23x38x3/nrrd/label.nrrd`)).toBe(0);
    });
  });

  describe.each(['native', ...ENCODINGS] as const)('LABELMAP, frames in %s', (enc) => {
    it('dcmqi liver as a Label Map Segmentation → liver_seg.nrrd', () => {
      const seg = parseDicom(reencodeSeg(`${D}/dcmqi-ct-3slice/liver.dcm`, enc, { labelmap: true }));
      expect(seg.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.66.7');
      expect(seg.string('x00620001')).toBe('LABELMAP');
      expect(isSeg(seg)).toBe(true);
      expect(mismatches(segToLabelMap(seg, ct3()), `${D}/dcmqi-ct-3slice/liver_seg.nrrd`)).toBe(0);
    });
  });

  it('a LABELMAP voxel belongs to the segment whose number it holds, not to any segment', () => {
    const seg = parseDicom(reencodeSeg(`${D}/dcmqi-ct-3slice/liver.dcm`, 'native', { labelmap: true }));
    // The file defines segment 1 only: asking for 2 is refused, not answered with an empty mask.
    let code: string | undefined;
    try { segToLabelMap(seg, ct3(), { segmentNumber: 2 }); } catch (e) { code = (e as { code: string }).code; }
    expect(code).toBe('DICOM_SEGMENT_NOT_FOUND');
  });

  it('a corrupt deflated frame names the file, the tag and the frame', () => {
    const file = reencodeSeg(`${D}/dcmqi-ct-3slice/liver.dcm`, 'deflated-frames');
    const seg = parseDicom(file, { source: 'bad-seg.dcm' });
    // Overwrite the first fragment's bytes (the first deflate stream) with garbage.
    const el = (seg.raw as { elements: Record<string, { fragments?: Array<{ position: number; length: number }> }> }).elements.x7fe00010;
    const frag = el.fragments![0];
    file.fill(0xff, frag.position, frag.position + frag.length);
    let err: { code?: string; message?: string; detail?: Record<string, unknown> } | undefined;
    try { segToLabelMap(seg, ct3()); } catch (e) { err = e as typeof err; }
    expect(err?.code).toBe('DICOM_CODEC_ERROR');
    expect(err?.message).toMatch(/^bad-seg\.dcm: \(7FE0,0010\) Pixel Data: frame 1 /);
    expect(err?.detail).toMatchObject({ file: 'bad-seg.dcm', frame: 1 });
  });
});
