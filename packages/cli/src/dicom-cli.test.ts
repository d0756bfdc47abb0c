/**
 * `tace-risk dicom volume|mask|inspect` through the real launcher (bin/tace-risk, spawned through a
 * symlink in a temporary folder with the system's PATH first), against reference data read in place:
 * the IBSI 1 CT phantom (DICOM series + RTSTRUCT vs its NIfTI image and mask), dcmqi's liver SEG (vs
 * the NRRD label map it encodes), rt-utils' RTSTRUCT with a hole, and the transfer-syntax samples.
 * Written files are read back with the radiomics package's readers (which read the reference files
 * as SimpleITK does), and with nibabel where python3 has it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { referencePath, type Volume } from '@tace/common';
import type { DicomInventory } from '@tace/dicom';
import { readNifti, readNrrd } from '@tace/radiomics';

const ibsi = referencePath('ibsi1-ct-phantom');
const dcmqi = referencePath('dicom/dcmqi-ct-3slice');
const hole = referencePath('dicom/rtutils-rtstruct-hole');
const syntaxes = referencePath('dicom/transfer-syntaxes');

const LAUNCHER = fileURLToPath(new URL('../bin/tace-risk', import.meta.url));
/** Where the launcher is run from: a folder outside the repository, through a symlink, the system's Node first on PATH. */
const WORK = mkdtempSync(join(tmpdir(), 'tace-dicom-cli-'));
symlinkSync(LAUNCHER, join(WORK, 'tace-risk'));
const ENV: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` };
delete ENV.NODE_OPTIONS;

interface Run { code: number; stdout: string; stderr: string }

function tace(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(join(WORK, 'tace-risk'), args, { cwd: WORK, env: ENV, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** A fresh output folder. */
const outDir = (): string => mkdtempSync(join(WORK, 'out-'));

function readImage(path: string): Volume {
  const b = readFileSync(path);
  return path.endsWith('.nrrd') ? readNrrd(b) : readNifti(b);
}

function expectSameGrid(got: Volume, want: Volume, tolMm: number): void {
  expect(got.size).toEqual(want.size);
  for (let i = 0; i < 3; i++) {
    expect(Math.abs(got.spacingMm[i]! - want.spacingMm[i]!), `spacing ${i}`).toBeLessThanOrEqual(tolMm);
    expect(Math.abs(got.originMm[i]! - want.originMm[i]!), `origin ${i}`).toBeLessThanOrEqual(tolMm);
  }
  for (let i = 0; i < 9; i++) expect(Math.abs(got.direction[i]! - want.direction[i]!), `direction ${i}`).toBeLessThanOrEqual(1e-6);
}

/** Index of the first voxel where two volumes differ, or -1. */
function firstDifference(a: Volume['data'], b: Volume['data']): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function dice(a: Volume['data'], b: Volume['data']): number {
  let both = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0, y = b[i] !== 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) both++;
  }
  return (2 * both) / (na + nb);
}

/** A python3 with nibabel, or undefined after saying loudly that the nibabel cross-check is skipped. */
const nibabelPython = ((): string | undefined => {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import nibabel'], { stdio: 'ignore' }).status === 0) return py;
  }
  console.warn('\n*** SKIPPING: the nibabel cross-check of the written NIfTI files (no python3 with nibabel: apt-get install python3-nibabel) ***\n');
  return undefined;
})();

describe.skipIf(!ibsi)('IBSI CT phantom: DICOM series and RTSTRUCT vs its NIfTI image and mask', () => {
  it('dicom volume gives the NIfTI image exactly (values; geometry to float32), as .nii.gz and .nrrd', async () => {
    const dir = outDir();
    const ref = readImage(join(ibsi!, 'nifti/image.nii.gz'));
    for (const name of ['vol.nii.gz', 'vol.nrrd']) {
      const r = await tace(['dicom', 'volume', '--in', join(ibsi!, 'dicom/image'), '--out', join(dir, name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/204 × 201 × 60 voxels/);
      const got = readImage(join(dir, name));
      expect(got.data).toBeInstanceOf(Int16Array); // integer HU written as int16
      expectSameGrid(got, ref, 1e-4); // the DICOM z gap is 2.9999999999998486 mm, the NIfTI's 3
      expect(firstDifference(got.data, ref.data)).toBe(-1);
    }
    if (nibabelPython) {
      // nibabel's affine (RAS) of ours equals the reference's, and so do the voxels
      const py = `import nibabel as nb, numpy as np, sys
a, b = nb.load(sys.argv[1]), nb.load(sys.argv[2])
assert np.allclose(a.affine, b.affine, atol=1e-4), (a.affine, b.affine)
assert np.array_equal(np.asarray(a.dataobj), np.asarray(b.dataobj))
print('ok')`;
      const r = spawnSync(nibabelPython, ['-c', py, join(dir, 'vol.nii.gz'), join(ibsi!, 'nifti/image.nii.gz')], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('ok');
    }
  }, 60_000);

  it('dicom mask of the RTSTRUCT gives the NIfTI mask with Dice ≥ 0.99 on the same grid', async () => {
    const dir = outDir();
    const r = await tace(['dicom', 'mask', '--in', join(ibsi!, 'dicom/image'), '--seg', join(ibsi!, 'dicom/rtstruct/DCM_RS_00060.dcm'),
      '--out', join(dir, 'mask.nii.gz')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ROI 1 'GTV-1' \(the only one\).*125256 voxels/);
    const got = readImage(join(dir, 'mask.nii.gz'));
    const ref = readImage(join(ibsi!, 'nifti/mask.nii.gz'));
    expectSameGrid(got, ref, 1e-4);
    expect(got.data).toBeInstanceOf(Uint8Array);
    expect(dice(got.data, ref.data)).toBeGreaterThanOrEqual(0.99);
  }, 60_000);
});

describe.skipIf(!dcmqi)('dcmqi liver SEG vs liver_seg.nrrd', () => {
  it('dicom mask gives the NRRD label map voxel for voxel (SEG picked by the selection, then named; by label and by number)', async () => {
    const dir = outDir();
    const ref = readImage(join(dcmqi!, 'liver_seg.nrrd'));
    for (const [name, extra] of [['picked.nrrd', []], ['label.nrrd', ['--seg', join(dcmqi!, 'liver.dcm'), '--segment', 'liver']],
      ['number.nii', ['--seg', join(dcmqi!, 'liver.dcm'), '--segment', '1']]] as const) {
      const r = await tace(['dicom', 'mask', '--in', dcmqi!, ...extra, '--out', join(dir, name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const got = readImage(join(dir, name));
      expectSameGrid(got, ref, 1e-4); // CT x origin -235.199997, the NRRD's -235.2
      expect(firstDifference(got.data, ref.data)).toBe(-1);
    }
  }, 60_000);
});

describe.skipIf(!dcmqi)('the same SEG in other encodings and as a LABELMAP, through the CLI', () => {
  it('each re-encoding (test-reencode.ts: dcmjs + the codecs\' own encoders) gives liver_seg.nrrd voxel for voxel', async () => {
    const { loadEncoders, reencodeSeg } = await import('../../dicom/src/test-reencode.ts');
    await loadEncoders();
    const dir = outDir();
    const ref = readImage(join(dcmqi!, 'liver_seg.nrrd'));
    const variants = [
      ...(['deflated-frames', 'rle', 'jpeg-ls', 'jpeg2000', 'htj2k'] as const).map((enc) => ({ name: `binary-${enc}`, bytes: reencodeSeg(join(dcmqi!, 'liver.dcm'), enc) })),
      ...(['native', 'jpeg2000', 'deflated-frames'] as const).map((enc) => ({ name: `labelmap-${enc}`, bytes: reencodeSeg(join(dcmqi!, 'liver.dcm'), enc, { labelmap: true }) })),
    ];
    for (const v of variants) {
      const seg = join(dir, `${v.name}.dcm`);
      writeFileSync(seg, v.bytes);
      const out = join(dir, `${v.name}.nrrd`);
      const r = await tace(['dicom', 'mask', '--in', dcmqi!, '--seg', seg, '--out', out]);
      expect(r.stderr, v.name).toBe('');
      expect(r.code, v.name).toBe(0);
      expect(firstDifference(readImage(out).data, ref.data), v.name).toBe(-1);
    }
  }, 120_000);
});

describe.skipIf(!hole)('rt-utils RTSTRUCT whose ROI has a hole', () => {
  it('the hole stays a hole: 1443 voxels on z = 60 (even-odd), the centre empty, nothing on z = 65', async () => {
    const dir = outDir();
    const r = await tace(['dicom', 'mask', '--in', hole!, '--out', join(dir, 'hole.nrrd')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = readImage(join(dir, 'hole.nrrd'));
    const [nx, ny] = m.size;
    const count = (k: number): number => { let n = 0; for (let i = 0; i < nx * ny; i++) n += m.data[k * nx * ny + i]!; return n; };
    expect(count(0)).toBe(1443);
    expect(count(1)).toBe(0);
    // (-40, -40) mm LPS, the hole's centre: index = (p − origin) / spacing on this axial grid
    const ix = Math.round((-40 - m.originMm[0]) / m.spacingMm[0]), iy = Math.round((-40 - m.originMm[1]) / m.spacingMm[1]);
    expect(m.data[iy * nx + ix]).toBe(0);
    const jx = Math.round((-49 - m.originMm[0]) / m.spacingMm[0]); // between the outer and the inner contour
    expect(m.data[iy * nx + jx]).toBe(1);
  }, 60_000);
});

describe.skipIf(!syntaxes)('dicom inspect', () => {
  it('lists every transfer syntax of dicom/transfer-syntaxes (README), says which cannot be decoded, and why no volume', async () => {
    const r = await tace(['dicom', 'inspect', syntaxes!, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout) as DicomInventory;
    const seen = new Map(inv.studies.flatMap((s) => s.series.flatMap((x) => x.transferSyntaxes)).map((t) => [t.uid, t.decodable]));
    const readme = readFileSync(join(syntaxes!, 'README.md'), 'utf8');
    const expected = new Set([...readme.matchAll(/\| `(1\.2\.840\.10008\.1\.2[.\d]*)` \|/g)].map((m) => m[1]!));
    expect(expected.size).toBe(13);
    expect([...seen.keys()].sort()).toEqual([...expected].sort());
    expect(seen.get('1.2.840.10008.1.2.4.50')).toBe(false); // lossy JPEG: refused for radiomics
    expect(seen.get('1.2.840.10008.1.2.4.80')).toBe(true);
    expect(inv.dicomFiles).toBe(23);
    expect(inv.notDicom).toEqual(['README.md']);
    expect('code' in inv.volumeSeries && inv.volumeSeries.code).toBe('DICOM_MULTIPLE_SERIES');
    const text = await tace(['dicom', 'inspect', syntaxes!]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('transfer syntax 1.2.840.10008.1.2.4.90 JPEG 2000 (Lossless Only)');
    expect(text.stdout).toContain('JPEG Baseline (Process 1), lossy (pixel data not decodable here)');
    expect(text.stdout).not.toMatch(/MISTER|PatientName/i); // no patient identifiers (CTImage's PatientName is MISTER^CT)
  }, 60_000);

  it.skipIf(!dcmqi || !hole)('two studies in one folder: each study\'s selection with its reasons; mask takes the series its segmentation references', async () => {
    const dir = join(outDir(), 'two');
    mkdirSync(dir);
    for (const f of readdirSync(dcmqi!)) symlinkSync(join(dcmqi!, f), join(dir, `dcmqi_${f}`));
    for (const f of readdirSync(hole!)) symlinkSync(join(hole!, f), join(dir, `rtutils_${f}`));
    const inv = JSON.parse((await tace(['dicom', 'inspect', dir, '--json'])).stdout) as DicomInventory;
    expect(inv.studies.map((s) => [s.selection.segmentation?.kind, s.selection.ctSeries?.why, s.selection.segment?.label]).sort()).toEqual([
      ['RTSTRUCT', 'named in the RTSTRUCT\'s RTReferencedSeriesSequence', 'ROI-1'],
      ['SEG', 'named in the SEG\'s ReferencedSeriesSequence', 'Liver'],
    ]);
    const vol = await tace(['dicom', 'volume', '--in', dir, '--out', join(dir, '..', 'v.nrrd')]);
    expect(vol.code).toBe(1);
    expect(vol.stderr).toMatch(/^DICOM_MULTIPLE_SERIES: .*pick one with --series/);
    const m = await tace(['dicom', 'mask', '--in', dir, '--seg', join(dir, 'rtutils_rt.dcm'), '--out', join(dir, '..', 'm.nrrd')]);
    expect(m.stderr).toBe('');
    expect(m.stdout).toMatch(/the series the segmentation references\): 1443 voxels/);
  }, 60_000);
});

describe('usage and bad input', () => {
  it('--help exits 0 for every command; a usage error exits 2 with CLI_BAD_ARGUMENT', async () => {
    for (const args of [['dicom', '--help'], ['dicom', 'volume', '--help'], ['dicom', 'mask', '--help'], ['dicom', 'inspect', '--help'], ['--help']]) {
      const r = await tace(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^usage: tace-risk/);
    }
    const usage: Array<[string[], RegExp]> = [
      [['dicom', 'export'], /usage: tace-risk dicom/],
      [['dicom', 'volume', '--in', WORK], /^CLI_BAD_ARGUMENT: --out is required/],
      [['dicom', 'volume', '--in', WORK, '--out', 'v.mha'], /^CLI_BAD_ARGUMENT: --out v\.mha: the name must end in \.nrrd, \.nii or \.nii\.gz/],
      [['dicom', 'mask', '--in', WORK, '--out', 'm.nrrd', '--label', '2'], /^CLI_BAD_ARGUMENT: Unknown option '--label'/],
      [['dicom', 'inspect'], /^CLI_BAD_ARGUMENT: give one DIR/],
    ];
    for (const [args, err] of usage) {
      const r = await tace(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(err);
    }
  }, 60_000);

  it.skipIf(!dcmqi || !hole)('not DICOM, a missing folder, an unknown segment, a SEG of another series: the stable code, exit 1, nothing written', async () => {
    const dir = outDir();
    mkdirSync(join(dir, 'notes'));
    writeFileSync(join(dir, 'notes', 'a.txt'), 'not DICOM\n');
    const out = join(dir, 'm.nrrd');
    const cases: Array<[string[], RegExp]> = [
      [['dicom', 'mask', '--in', dcmqi!, '--seg', join(dcmqi!, 'README.md'), '--out', out], /^DICOM_PARSE_ERROR: '.*README\.md' is not a DICOM Part 10 file/],
      [['dicom', 'mask', '--in', dcmqi!, '--seg', join(dcmqi!, '01.dcm'), '--out', out], /^DICOM_NOT_SEGMENTATION: '.*01\.dcm' is a DICOM CT/],
      [['dicom', 'volume', '--in', join(dir, 'notes'), '--out', out], /^DICOM_NO_IMAGES: '.*notes' holds no DICOM CT image \(0 DICOM files, 1 others\)/],
      [['dicom', 'volume', '--in', join(dir, 'no-such-folder'), '--out', out], /^DICOM_INPUT_NOT_FOUND: '.*no-such-folder' cannot be read \(ENOENT\)/],
      [['dicom', 'inspect', join(dir, 'no-such-folder')], /^DICOM_INPUT_NOT_FOUND/],
      [['dicom', 'mask', '--in', dcmqi!, '--segment', 'Tumour', '--out', out], /^DICOM_SEGMENT_NOT_FOUND: No segment labelled 'Tumour' in the SEG; it has: 1 'Liver'/],
      [['dicom', 'mask', '--in', dcmqi!, '--segment', '7', '--out', out], /^DICOM_SEGMENT_NOT_FOUND: No segment number '7'/],
      [['dicom', 'mask', '--in', hole!, '--seg', join(dcmqi!, 'liver.dcm'), '--out', out],
        /^DICOM_SEG_SERIES_MISMATCH: The SEG was drawn on series 1\.2\.392\.200103\.20080913\.113635\.1\.2009\.6\.22\.21\.43\.10\.23430\.1, not on the image series 2\.16\.840/],
      [['dicom', 'volume', '--in', dcmqi!, '--series', '1.2.3', '--out', out], /^DICOM_SERIES_NOT_FOUND: Series 1\.2\.3 is not in/],
      ...(syntaxes ? [[['dicom', 'volume', '--in', join(syntaxes, 'CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm'), '--out', out],
        /^DICOM_TRANSFER_SYNTAX_UNSUPPORTED: '.*4\.50\.dcm' holds its pixels in transfer syntax 1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline \(Process 1\), lossy\), which is not decoded here: lossy JPEG is unfit for radiomics/] as [string[], RegExp]] : []),
      [['dicom', 'volume', '--in', dcmqi!, '--series', '1.2.276.0.7230010.3.1.3.0.42154.1458337731.665795', '--out', out], /^DICOM_NOT_CT: .* is modality SEG/],
    ];
    for (const [args, err] of cases) {
      const r = await tace(args);
      expect(r.stderr, args.join(' ')).toMatch(err);
      expect(r.stderr.trim().split('\n')).toHaveLength(1); // the code and message, no stack
      expect(r.code, args.join(' ')).toBe(1);
    }
    expect(readdirSync(dir)).toEqual(['notes']);
  }, 60_000);
});

describe('the launcher', () => {
  it('is @tace/cli\'s bin, and runs the pinned Node from any folder through chained and relative symlinks', async () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['tace-risk']).toBe('./bin/tace-risk');
    // What `npm ci` installs comes from the lockfile, not package.json: the two must agree, and the
    // installed command must be the launcher (a stale lockfile once linked the .mjs entry, which the
    // system's Node 20 then ran).
    const lock = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package-lock.json', import.meta.url)), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    expect(lock.packages['packages/cli']?.bin?.['tace-risk']).toBe('bin/tace-risk');
    expect(realpathSync(fileURLToPath(new URL('../../../node_modules/.bin/tace-risk', import.meta.url)))).toBe(realpathSync(LAUNCHER));
    const dir = outDir();
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true });
    symlinkSync('../../tace-link', join(dir, 'deep', 'er', 'tr')); // relative link → link → launcher
    symlinkSync(join(WORK, 'tace-risk'), join(dir, 'tace-link'));
    // with the system's Node first on PATH (ENV): were it used, the entry would refuse to run (below)
    for (const exe of [join(dir, 'deep', 'er', 'tr'), LAUNCHER]) {
      const r = spawnSync(exe, ['--help'], { cwd: join(dir, 'deep'), env: ENV, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^usage: tace-risk demo/);
    }
    // `sh tace-risk` from its own folder (no slash in $0)
    const inBin = spawnSync('sh', ['tace-risk', 'dicom', '--help'], { cwd: fileURLToPath(new URL('../bin/', import.meta.url)), env: ENV, encoding: 'utf8' });
    expect(inBin.status).toBe(0);
    // The system's Node, where it is older than 22.18, is refused by the entry itself with a code.
    const sys = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (sys.status === 0 && Number(sys.stdout.split('.')[0]) < 22) {
      const old = spawnSync('/usr/bin/node', [fileURLToPath(new URL('../bin/tace-risk.mjs', import.meta.url)), '--help'], { encoding: 'utf8' });
      expect(old.status).toBe(1);
      expect(old.stderr).toMatch(/^CLI_NODE_TOO_OLD: tace-risk needs Node >= 22\.18; this is Node 2\d\./);
    }
  }, 60_000);
});

describe.skipIf(!dcmqi)('inspect applies the service\'s series rules', () => {
  it('TACE_SERIES_DESCRIPTION_EXCLUDE matching the only CT series leaves nothing to score, saying why', async () => {
    const plain = await tace(['dicom', 'inspect', dcmqi!, '--json']);
    const ok = (JSON.parse(plain.stdout) as DicomInventory).studies[0]!.selection;
    expect(ok.ok).toBe(true);
    expect(ok.rules?.[0]).toMatch(/^chosen: segmentation .* accepted/);
    // The dcmqi CT series has no SeriesDescription, so an include rule cannot match it.
    const r = await new Promise<Run>((resolve) => {
      execFile(join(WORK, 'tace-risk'), ['dicom', 'inspect', dcmqi!, '--json'], { cwd: WORK, env: { ...ENV, TACE_SERIES_DESCRIPTION_INCLUDE: 'portal' } },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const sel = (JSON.parse(r.stdout) as DicomInventory).studies[0]!.selection;
    expect(sel.ok).toBe(false);
    expect(sel.code).toBe('DICOM_NO_ELIGIBLE_SERIES');
    expect(sel.message).toContain('SeriesDescription does not match /portal/i');
  }, 60_000);
});
