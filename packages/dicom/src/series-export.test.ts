/**
 * The folder scan, the inventory and the series / segment choices behind `tace-risk dicom`, on
 * reference data read in place (highdicom's SEGs over pydicom's CT, dcmqi's 3-slice CT + SEG) and
 * on files made broken here.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referencePath, type Volume } from '@tace/common';
import { readScannedFile, scanDicomFolder } from './folder-scan.ts';
import { inspectScan } from './inspect.ts';
import { checkSegmentationSeries, chooseCtSeries, chooseSegment, compactHu, loadSeriesVolume, readSegmentationFile, segmentationMask } from './series-export.ts';

const highdicom = referencePath('dicom/highdicom-seg');
const dcmqi = referencePath('dicom/dcmqi-ct-3slice');

const grid = (data: Volume['data']): Volume => ({ size: [data.length, 1, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data });

describe('compactHu', () => {
  it('int16 only when every voxel is an integer in range; otherwise the volume as it was', () => {
    expect(compactHu(grid(Float32Array.of(-1024, 0, 3071))).data).toEqual(Int16Array.of(-1024, 0, 3071));
    for (const d of [Float32Array.of(-1024, 0.5), Float32Array.of(40000), Float32Array.of(Number.NaN)]) {
      const v = grid(d);
      expect(compactHu(v)).toBe(v);
    }
  });
});

describe.skipIf(!dcmqi)('scan: what is not DICOM, or not readable, is listed, not fatal', () => {
  it('a text file, a DICM file cut short and a good series side by side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dicom-scan-'));
    for (const f of ['01.dcm', '02.dcm', '03.dcm', 'liver.dcm']) copyFileSync(join(dcmqi!, f), join(dir, f));
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    // the preamble and "DICM", then a group length claiming more than the file holds
    const cut = readFileSync(join(dcmqi!, 'liver.dcm')).subarray(0, 140);
    writeFileSync(join(dir, 'cut.dcm'), cut);
    const scan = await scanDicomFolder(dir);
    expect(scan.files.map((f) => f.path.slice(dir.length + 1))).toEqual(['01.dcm', '02.dcm', '03.dcm', 'liver.dcm']);
    expect(scan.notDicom).toEqual(['notes.txt']);
    expect(scan.unreadable).toEqual([expect.objectContaining({ path: 'cut.dcm', code: 'DICOM_PARSE_ERROR' })]);
    const inv = inspectScan(scan);
    expect(inv.studies).toHaveLength(1);
    expect(inv.studies[0]!.selection).toMatchObject({ ok: true, segment: { label: 'Liver', why: 'the only one' } });
    // the whole file, pixels included, when asked for
    expect((await readScannedFile(scan.files[0]!)).storedFrame(0)).toHaveLength(512 * 512);
  });
});

describe.skipIf(!highdicom)('choices on highdicom\'s SEGs over pydicom\'s 4-slice CT', () => {
  it('the overlapping SEG: default segment by the rule, by label case-insensitively, by number; an unknown one listed', async () => {
    const seg = await readSegmentationFile(join(highdicom!, 'seg_image_ct_binary_overlap.dcm'));
    expect(chooseSegment(seg)).toMatchObject({ segment: { segmentNumber: 1 }, why: 'the lowest number; none says tumour' });
    expect(chooseSegment(seg, 'SECOND SEGMENT').segment.segmentNumber).toBe(2);
    expect(chooseSegment(seg, ' 2 ').segment.label).toBe('second segment');
    expect(() => chooseSegment(seg, '3')).toThrow(/it has: 1 'first segment', 2 'second segment'/);
  });

  it('the series a SEG references is chosen among several; a SEG of another series is refused before any pixel is placed', async () => {
    const scan = await scanDicomFolder(highdicom!);
    expect(() => chooseCtSeries(scan)).toThrow(expect.objectContaining({ code: 'DICOM_MULTIPLE_SERIES' }));
    const overlap = await readSegmentationFile(join(highdicom!, 'seg_image_ct_binary_overlap.dcm'));
    const choice = chooseCtSeries(scan, { segmentation: overlap });
    expect(choice).toMatchObject({ seriesInstanceUid: '1.3.6.1.4.1.5962.1.1.0.0.0.1196530851.28319.0.2', why: 'the series the segmentation references' });
    expect(choice.files).toHaveLength(4);
    // the single-frame SEG was drawn on ct_image.dcm: against the 4-slice series it is refused
    const single = await readSegmentationFile(join(highdicom!, 'seg_image_ct_binary_single_frame.dcm'));
    const other = chooseCtSeries(scan, { series: '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322' });
    const ct = await loadSeriesVolume(other);
    expect(() => checkSegmentationSeries(overlap, ct)).toThrow(expect.objectContaining({ code: 'DICOM_SEG_SERIES_MISMATCH' }));
    const { voxels } = segmentationMask(single, ct, chooseSegment(single).segment);
    expect(voxels).toBeGreaterThan(0);
  });
});
