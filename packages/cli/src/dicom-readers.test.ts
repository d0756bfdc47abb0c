/**
 * DICOM inputs of `tace-risk radiomics extract|batch`, through the real CLI (spawned), against
 * reference data read in place: the IBSI 1 CT phantom in DICOM and in NIfTI, and dcmqi's 3-slice CT
 * with its liver SEG and the NRRD label map that SEG encodes.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';

const ibsi = referencePath('ibsi1-ct-phantom');
const dcmqi = referencePath('dicom/dcmqi-ct-3slice');
/** The installed entry (`tace-risk`): radiomics runs through the bundled engine, DICOM readers registered. */
const MAIN = fileURLToPath(new URL('../bin/tace-risk.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** SeriesInstanceUID of the dcmqi CT (shared/reference/dicom/dcmqi-ct-3slice/README.md). */
const DCMQI_SERIES = '1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1';

/** PyRadiomics defaults: Original image, every feature class, binWidth 25, label 1. */
const DEFAULT_PARAMS = 'imageType:\n  Original: {}\nsetting:\n  binWidth: 25\n  label: 1\n';

interface Run { code: number; stdout: string; stderr: string }

function tace(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], {
      cwd: ROOT, env: { ...process.env, PATH: `${ROOT}node_modules/.bin:${process.env.PATH ?? ''}` }, maxBuffer: 64 << 20,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'tace-dicom-radiomics-'));
}

async function extractJson(params: string, image: string, mask: string, extra: string[] = []): Promise<Record<string, number | string>> {
  const dir = tmp();
  writeFileSync(join(dir, 'p.yaml'), params);
  const r = await tace(['radiomics', 'extract', '--params', join(dir, 'p.yaml'), '--image', image, '--mask', mask, '--format', 'json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, number | string>;
}

/** Cells of one RFC 4180 line (quoted cells hold commas, "" is a quote); the output has no multi-line cells. */
function csvCells(line: string): string[] {
  const out: string[] = [];
  let cell = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cell); cell = ''; } else cell += c;
  }
  out.push(cell);
  return out;
}

/** Features that scale with the voxel spacing (shape, total energy) or report it (diagnostics). */
const SPACING_DEPENDENT = /_shape_|_TotalEnergy$|_Spacing$|_CenterOfMass$/;

describe.skipIf(!ibsi)('IBSI CT phantom: DICOM series + RTSTRUCT vs its NIfTI twin', () => {
  it('same voxels, same features (spacing-derived ones to 1e-11: DICOM gives z spacing 2.9999999999998486, NIfTI 3)', async () => {
    const d = await extractJson(DEFAULT_PARAMS, join(ibsi!, 'dicom/image'), join(ibsi!, 'dicom/rtstruct/DCM_RS_00060.dcm'));
    const n = await extractJson(DEFAULT_PARAMS, join(ibsi!, 'nifti/image.nii.gz'), join(ibsi!, 'nifti/mask.nii.gz'));
    // IBSI 1 reference, configuration A "initial ROI" diagnostics: 125256 voxels, bounding box 100 × 99 × 26.
    expect(d['diagnostics_Mask-original_VoxelNum']).toBe(125256);
    expect(String(d['diagnostics_Mask-original_BoundingBox'])).toMatch(/, 100, 99, 26\)$/);
    // The RTSTRUCT rasterised onto the CT grid is the NIfTI mask voxel for voxel; the HU volume likewise.
    expect(d['diagnostics_Mask-original_Hash']).toBe(n['diagnostics_Mask-original_Hash']);
    expect(d['diagnostics_Image-original_Hash']).toBe(n['diagnostics_Image-original_Hash']);
    const names = Object.keys(n).filter((k) => !k.startsWith('diagnostics_Versions') && !k.startsWith('diagnostics_Configuration'));
    expect(Object.keys(d).sort()).toEqual(Object.keys(n).sort());
    expect(names.filter((k) => k.startsWith('original_')).length).toBe(107); // PyRadiomics' default feature count
    for (const k of names) {
      if (SPACING_DEPENDENT.test(k)) {
        if (typeof n[k] === 'number') expect(Math.abs((d[k] as number) - (n[k] as number)), k).toBeLessThanOrEqual(1e-11 * Math.abs(n[k] as number));
      } else {
        expect(d[k], k).toEqual(n[k]);
      }
    }
  }, 120_000);

  it('--segment by ROI name or number picks GTV-1; an unknown ROI is DICOM_SEGMENT_NOT_FOUND', async () => {
    const byName = await extractJson(DEFAULT_PARAMS, join(ibsi!, 'dicom/image'), join(ibsi!, 'dicom/rtstruct/DCM_RS_00060.dcm'), ['--segment', 'GTV-1']);
    expect(byName['diagnostics_Mask-original_VoxelNum']).toBe(125256);
    // --label N: the ROI is written with label N, which the extraction then uses.
    const label2 = await extractJson(DEFAULT_PARAMS, join(ibsi!, 'dicom/image'), join(ibsi!, 'dicom/rtstruct/DCM_RS_00060.dcm'), ['--segment', '1', '--label', '2']);
    expect(label2['diagnostics_Mask-original_VoxelNum']).toBe(125256);
    const dir = tmp();
    writeFileSync(join(dir, 'p.yaml'), DEFAULT_PARAMS);
    const bad = await tace(['radiomics', 'extract', '--params', join(dir, 'p.yaml'), '--image', join(ibsi!, 'dicom/image'),
      '--mask', join(ibsi!, 'dicom/rtstruct/DCM_RS_00060.dcm'), '--segment', 'no-such-roi']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/DICOM_SEGMENT_NOT_FOUND/);
  }, 120_000);
});

describe.skipIf(!dcmqi)('dcmqi 3-slice CT: SEG vs the NRRD label map it encodes, on the same DICOM image', () => {
  // The CT's ImagePositionPatient x is -235.199997, the NRRD origin -235.2: 3e-6 mm apart, beyond
  // SimpleITK's default tolerance, so the NRRD comparison needs a looser geometryTolerance.
  const params = `${DEFAULT_PARAMS}  geometryTolerance: 0.0001\n`;

  it('the SEG mask is the NRRD label voxel for voxel, and the features agree', async () => {
    const fromSeg = await extractJson(params, dcmqi!, join(dcmqi!, 'liver.dcm'));
    const fromNrrd = await extractJson(params, dcmqi!, join(dcmqi!, 'liver_seg.nrrd'));
    // README: foreground pixels per SEG frame 36233 + 35645 + 35220.
    expect(fromSeg['diagnostics_Mask-original_VoxelNum']).toBe(36233 + 35645 + 35220);
    expect(fromSeg['diagnostics_Mask-original_Hash']).toBe(fromNrrd['diagnostics_Mask-original_Hash']);
    // The NRRD's z spacing is 1, the CT's mean slice gap 0.9999999999999929: shape to 1e-12.
    for (const k of Object.keys(fromNrrd).filter((x) => x.startsWith('original_'))) {
      if (SPACING_DEPENDENT.test(k)) expect(Math.abs((fromSeg[k] as number) - (fromNrrd[k] as number)), k).toBeLessThanOrEqual(1e-12 * Math.abs(fromNrrd[k] as number));
      else expect(fromSeg[k], k).toEqual(fromNrrd[k]);
    }
    const byLabel = await extractJson(params, dcmqi!, join(dcmqi!, 'liver.dcm'), ['--segment', 'Liver', '--series', DCMQI_SERIES]);
    expect(byLabel['diagnostics_Mask-original_Hash']).toBe(fromSeg['diagnostics_Mask-original_Hash']);
  }, 120_000);
});

describe.skipIf(!ibsi || !dcmqi)('DICOM folders with several CT series', () => {
  function twoSeriesFolder(): string {
    const dir = join(tmp(), 'two');
    mkdirSync(dir);
    for (const f of readdirSync(join(ibsi!, 'dicom/image'))) symlinkSync(join(ibsi!, 'dicom/image', f), join(dir, `ibsi_${f}`));
    for (const f of ['01.dcm', '02.dcm', '03.dcm']) symlinkSync(join(dcmqi!, f), join(dir, `dcmqi_${f}`));
    return dir;
  }

  it('without --series: DICOM_MULTIPLE_SERIES listing both; with it: that series; an unknown UID: DICOM_SERIES_NOT_FOUND', async () => {
    const dir = twoSeriesFolder();
    writeFileSync(join(dir, '..', 'p.yaml'), DEFAULT_PARAMS);
    const base = ['radiomics', 'extract', '--params', join(dir, '..', 'p.yaml'), '--image', dir, '--mask', join(dcmqi!, 'liver.dcm')];
    const none = await tace(base);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/DICOM_MULTIPLE_SERIES/);
    expect(none.stderr).toContain(`${DCMQI_SERIES} (3 images)`);
    expect(none.stderr).toMatch(/\(60 images\)/);
    const picked = await tace([...base, '--series', DCMQI_SERIES, '--format', 'json']);
    expect(picked.stderr).toBe('');
    expect((JSON.parse(picked.stdout) as Record<string, number>)['diagnostics_Mask-original_VoxelNum']).toBe(107098);
    const unknown = await tace([...base, '--series', '1.2.3']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/DICOM_SERIES_NOT_FOUND/);
  }, 120_000);
});

describe.skipIf(!ibsi || !dcmqi)('radiomics batch with DICOM and NIfTI rows', () => {
  it('worker threads read DICOM too; bad DICOM rows record a stable code and the batch goes on', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'empty-study'));
    writeFileSync(join(dir, 'empty-study', 'notes.txt'), 'no DICOM here\n');
    writeFileSync(join(dir, 'p.yaml'), DEFAULT_PARAMS);
    const rs = join(ibsi!, 'dicom/rtstruct/DCM_RS_00060.dcm');
    writeFileSync(join(dir, 'cases.csv'), [
      'ID,Image,Mask,Segment',
      `dicom,${join(ibsi!, 'dicom/image')},${rs},`,
      `nifti,${join(ibsi!, 'nifti/image.nii.gz')},${join(ibsi!, 'nifti/mask.nii.gz')},`,
      `seg,${dcmqi},${join(dcmqi!, 'liver.dcm')},Liver`,
      `no-ct,empty-study,${rs},`, // relative to the CSV's folder
      `ct-as-mask,${dcmqi},${join(dcmqi!, '01.dcm')},`,
      `missing,${join(dir, 'no-such-folder')},${rs},`,
      `nifti-segment,${join(ibsi!, 'nifti/image.nii.gz')},${join(ibsi!, 'nifti/mask.nii.gz')},GTV-1`,
    ].join('\n'));
    const r = await tace(['radiomics', 'batch', '--params', join(dir, 'p.yaml'), '--cases', join(dir, 'cases.csv'), '--out', join(dir, 'out.csv'), '--jobs', '2']);
    expect(r.code).toBe(1); // some case failed
    const [header, ...lines] = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    const cols = csvCells(header!);
    const rows = lines.map((l) => Object.fromEntries(csvCells(l).map((v, i) => [cols[i], v])) as Record<string, string>);
    expect(rows.map((x) => x.ID)).toEqual(['dicom', 'nifti', 'seg', 'no-ct', 'ct-as-mask', 'missing', 'nifti-segment']);
    expect(rows.map((x) => x.ErrorCode)).toEqual(['', '', '', 'DICOM_NO_IMAGES', 'DICOM_NOT_SEGMENTATION', 'RADIOMICS_FILE_UNREADABLE',
      'RADIOMICS_READER_OPTION_UNSUPPORTED']);
    expect(rows[0]!['diagnostics_Mask-original_VoxelNum']).toBe('125256'); // IBSI 1 config A initial ROI voxel count
    expect(rows[2]!['diagnostics_Mask-original_VoxelNum']).toBe('107098'); // dcmqi README, SEG frame counts summed
    for (const k of cols.filter((c) => c.startsWith('original_') && !SPACING_DEPENDENT.test(c))) expect(rows[0]![k], k).toBe(rows[1]![k]);
  }, 180_000);
});
