import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabelMap, Vec3, Volume } from '@tace/common';
import { parseDicom } from '../instance.ts';
import { findSrItems, readSrContent } from '../sr-read.ts';
import { readText } from './bitmap-font.ts';
import { KEY_IMAGE_TEXT, keyImageLines, writeKeyImage } from './key-image-writer.ts';
import { sourceStudyHeader, type SourceStudyHeader } from './source-header.ts';
import { resultUids, SYNTHETIC_NOTICE, writeRiskSr, type RiskReportInput } from './sr-writer.ts';
import { uidFromSeed } from './uid.ts';
import { writeCtSeries } from './ct-writer.ts';
import { writeBinarySeg } from './seg-writer.ts';
import { GLYPH_H } from './bitmap-font.ts';

const SIZE: Vec3 = [24, 20, 5];
const META = {
  studyInstanceUid: uidFromSeed('rw-study'), seriesInstanceUid: uidFromSeed('rw-ct'),
  patientId: 'SYN-042', patientName: 'Müller^Zoë', studyDate: '20240305', accessionNumber: 'ACC-7', patientBirthDate: '19580211', patientSex: 'F' as const,
};

function volume(): Volume<Float32Array> {
  const [nx, ny, nz] = SIZE;
  const data = new Float32Array(nx * ny * nz);
  for (let p = 0; p < data.length; p++) data[p] = -160 + (p % nx) * 14; // a ramp across the W400/L40 window
  return { size: [...SIZE], spacingMm: [0.8, 0.8, 2.5], originMm: [-10, 20, -50], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}
/** A disc per slice, largest (radius 6) on slice 3. */
function mask(): LabelMap {
  const [nx, ny, nz] = SIZE;
  const data = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    const r = k === 3 ? 6 : k === 0 ? 0 : 3;
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if ((i - 12) ** 2 + (j - 10) ** 2 < r * r) data[k * nx * ny + j * nx + i] = 1;
  }
  return { ...volume(), data };
}

const ct = writeCtSeries({ ...volume(), data: Int16Array.from(volume().data) }, { ...META, sopInstanceUids: Array.from({ length: SIZE[2] }, (_, k) => uidFromSeed(`rw-slice-${k}`)) });
const seg = writeBinarySeg(mask(), ct, { sopInstanceUid: uidFromSeed('rw-seg') });
const cts = ct.map((b) => parseDicom(b));
const header: SourceStudyHeader = sourceStudyHeader(cts[0]!, parseDicom(seg), 1, cts.map((c) => c.sopInstanceUid));

const MODEL = { id: 'demo-synthetic', version: '1.2.3', name: 'TACE metastasis nomogram (synthetic)', weightsSha256: 'c0ffee'.repeat(10) + 'abcd', syntheticDemo: true };
const REPORT: RiskReportInput = {
  runId: 'run-rw-1', header, probability: 0.31415926, riskGroup: 'high', totalPoints: 187.5, model: MODEL, scoredAt: '2024-03-06T09:08:07.123Z',
  factors: [
    { factor: 'dlrScore', value: 1.25, points: 100 },
    { factor: 'tumourSizeMm', value: 48, unit: 'mm', points: 41.5 },
    { factor: 'noduleCount', value: 3, unit: 'count', points: 26 },
    { factor: 'log10AfpNgPerMl', value: 2.5, unit: 'log10(ng/mL)', inputValue: 316.2, inputUnit: 'ng/mL', points: 20 },
  ],
};

const tmp = mkdtempSync(join(tmpdir(), 'tace-results-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dciodvfy = spawnSync('sh', ['-c', 'command -v dciodvfy']).status === 0;
if (!dciodvfy) console.warn('\n*** SKIPPING: dciodvfy (Debian dicom3tools) is not installed: the SR and key image are not validated ***\n');

/** dciodvfy's Error and Warning lines for a file. */
function validate(bytes: Uint8Array, name: string): { iod: string; errors: string[]; warnings: string[] } {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  const r = spawnSync('dciodvfy', [p], { encoding: 'utf8' });
  const lines = `${r.stdout}${r.stderr}`.split('\n');
  return { iod: lines[0] ?? '', errors: lines.filter((l) => l.startsWith('Error')), warnings: lines.filter((l) => l.startsWith('Warning')) };
}

describe('TID 1500 SR of a run', () => {
  const bytes = writeRiskSr(REPORT);
  const sr = parseDicom(bytes);
  const root = readSrContent(sr);

  it('carries the inputs in its content tree: probability in %, risk group, model, segment, factors', () => {
    expect(root.name).toMatchObject({ value: '126000', scheme: 'DCM' });
    const [risk] = findSrItems(root, 'METASTASIS-RISK');
    expect(risk!.number).toBeCloseTo(31.4159, 4);
    expect(risk!.unit).toEqual({ value: '%', scheme: 'UCUM', meaning: 'percent' });
    expect(findSrItems(root, 'RISK-GROUP')[0]!.code).toMatchObject({ value: '723509005', scheme: 'SCT' });
    expect(findSrItems(root, '111003').map((i) => i.text)).toContain('1.2.3'); // Algorithm Version
    expect(findSrItems(root, '111002')[0]!.text).toContain(`sha256=${MODEL.weightsSha256}`);
    const [segRef] = findSrItems(root, '121191');
    expect(segRef!.image).toEqual({ sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4', sopInstanceUid: uidFromSeed('rw-seg'), segmentNumber: 1 });
    expect(findSrItems(root, '121232')[0]!.uid).toBe(META.seriesInstanceUid);
    expect(findSrItems(root, '112040')[0]!.uid).toBe(resultUids('run-rw-1').tracking);
    expect(findSrItems(root, '121012')).toHaveLength(1); // Device observer
    const afp = findSrItems(root, '1834-1')[0]!;
    expect(afp.number).toBe(316.2);
    expect(afp.unit?.value).toBe('ng/mL');
    expect(findSrItems(afp, 'NOMOGRAM-POINTS')[0]!.number).toBe(20);
    expect(findSrItems(root, '81827009')[0]!.number).toBe(48);
    expect(findSrItems(risk!, 'NOMOGRAM-POINTS').map((i) => i.number)).toEqual([100, 41.5, 26, 20]);
    expect(findSrItems(root, 'NOMOGRAM-TOTAL')[0]!.number).toBe(187.5);
    expect(findSrItems(root, '121106')[0]!.text).toBe(SYNTHETIC_NOTICE);
    expect(sr.string('x0008103e')).toMatch(/SYNTHETIC DEMO/);
  });

  it('is in the CT study with the same patient and study values, referencing its evidence', () => {
    for (const tag of ['x0020000d', 'x00100020', 'x00100030', 'x00100040', 'x00080020', 'x00080050']) expect(sr.string(tag), tag).toBe(cts[0]!.string(tag));
    expect(Buffer.from(sr.bytes('x00100010')!).toString('utf8').trim()).toBe('Müller^Zoë');
    const ev = sr.sequence('x0040a375');
    expect(ev[0]!.string('x0020000d')).toBe(META.studyInstanceUid);
    const refs = ev[0]!.sequence('x00081115').flatMap((s) => s.sequence('x00081199').map((r) => r.string('x00081155')));
    expect(refs).toEqual(expect.arrayContaining([uidFromSeed('rw-seg'), ...header.ct.sliceSopInstanceUids]));
    expect(sr.sequence('x00080110')[0]!.string('x00080102')).toBe('99TACE');
  });

  it('is the same bytes for the same run, other UIDs for another run', () => {
    expect(Buffer.from(writeRiskSr(REPORT)).equals(Buffer.from(bytes))).toBe(true);
    expect(sr.sopInstanceUid).toBe(resultUids('run-rw-1').srInstance);
    expect(parseDicom(writeRiskSr({ ...REPORT, runId: 'run-rw-2' })).sopInstanceUid).not.toBe(sr.sopInstanceUid);
  });

  it('refuses a probability outside [0, 1] and an unknown nomogram factor', () => {
    expect(() => writeRiskSr({ ...REPORT, probability: 31 })).toThrow(expect.objectContaining({ code: 'DICOM_WRITE_INVALID' }));
    expect(() => writeRiskSr({ ...REPORT, factors: [{ factor: 'shoeSize', value: 44, points: 1 }] })).toThrow(/shoeSize/);
  });

  // Accepted warnings: dicom3tools does not know our private coding scheme designator (99TACE)
  // or its UID — both are declared in CodingSchemeIdentificationSequence, as PS3.16 8.2 asks.
  it.skipIf(!dciodvfy)('dciodvfy: a valid Comprehensive SR; only the private coding scheme is unknown to it', () => {
    const v = validate(bytes, 'sr.dcm');
    expect(v.iod).toBe('ComprehensiveSR');
    expect(v.errors).toEqual([]);
    expect(v.warnings.filter((w) => !/Unrecognized defined term <99TACE> for value 1 of attribute <Coding Scheme Designator>/.test(w) && !/Unrecognized defined term <[0-9.]+> for value 1 of attribute <Coding Scheme UID>/.test(w))).toEqual([]);
  });
});

describe('key image (Secondary Capture) of a run', () => {
  const input = { ...REPORT, image: volume(), mask: mask(), cropOffset: [100, 80, 30] as const };
  const bytes = writeKeyImage(input);
  const sc = parseDicom(bytes);
  const rows = sc.rows, cols = sc.columns;
  const px = sc.nativePixelData();
  const rgb = (x: number, y: number) => [px[(y * cols + x) * 3], px[(y * cols + x) * 3 + 1], px[(y * cols + x) * 3 + 2]];
  const f = Math.min(8, Math.floor(384 / 24)); // scale for a 24 × 20 crop (at most 8)
  const band = keyImageLines(REPORT).length * (GLYPH_H * KEY_IMAGE_TEXT.scale + KEY_IMAGE_TEXT.lineGapPx) + 2 * KEY_IMAGE_TEXT.marginPx;

  it('shows the slice of largest tumour area, referenced as its source, in the same study', () => {
    const src = sc.sequence('x00082112');
    expect(src).toHaveLength(1);
    expect(src[0]!.string('x00081155')).toBe(uidFromSeed('rw-slice-3'));
    expect(sc.studyInstanceUid).toBe(META.studyInstanceUid);
    expect(sc.string('x00100020')).toBe('SYN-042');
    expect(sc.string('x00280301')).toBe('YES');
    expect(sc.string('x00082111')).toMatch(/Crop of source CT slice 34 .*W400\/L40/);
    expect(sc.sopInstanceUid).toBe(resultUids('run-rw-1').scInstance);
    expect(rows).toBe(band + 20 * f);
  });

  it('burns in the risk as text that reads back', () => {
    const { scale, marginPx, lineGapPx } = KEY_IMAGE_TEXT;
    const lines = keyImageLines(REPORT);
    expect(lines[0]).toBe('METASTASIS RISK 31.4 % (HIGH)');
    lines.forEach((l, n) => {
      const read = readText(l.length, marginPx, marginPx + n * (GLYPH_H * scale + lineGapPx), scale, (x, y) => rgb(x, y)[0]! > 200 && rgb(x, y)[2]! < 50);
      expect(read).toBe(l);
    });
  });

  it('draws the outline on the tumour boundary and windows the rest (W400/L40)', () => {
    // Slice 3 disc: centre (12, 10), radius 6 → voxel (6..7, 10) is on its left edge, (12, 10) inside.
    const at = (i: number, j: number) => rgb(i * f + Math.floor(f / 2), band + j * f + Math.floor(f / 2));
    expect(rgb(7 * f, band + 10 * f)).toEqual([255, 48, 48]);
    const inside = at(12, 10);
    expect(inside[0]).toBe(inside[1]);
    // HU at column i is -160 + 14 i; the window maps [-160, 240] onto [0, 255].
    expect(at(12, 10)[0]).toBe(Math.round(((-160 + 14 * 12 + 160) / 400) * 255));
    expect(at(0, 0)[0]).toBe(0);
  });

  it('refuses an empty mask and a crop whose slices do not match the header', () => {
    expect(() => writeKeyImage({ ...input, mask: { ...mask(), data: new Uint8Array(mask().data.length) } })).toThrow(expect.objectContaining({ code: 'DICOM_EMPTY_SEGMENTATION' }));
    expect(() => writeKeyImage({ ...input, header: { ...header, ct: { ...header.ct, sliceSopInstanceUids: [] } } })).toThrow(expect.objectContaining({ code: 'DICOM_WRITE_INVALID' }));
  });

  it.skipIf(!dciodvfy)('dciodvfy: a valid Secondary Capture image, no error and no warning', () => {
    const v = validate(bytes, 'sc.dcm');
    expect(v.iod).toBe('SCImage');
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
  });
});
