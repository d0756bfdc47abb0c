/**
 * The NRRD / NIfTI-1 writers against the readers (nrrd.ts, nifti.ts, which read the IBSI and
 * PyRadiomics reference files as SimpleITK does), and the reference files themselves re-written.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { referencePath, type Mat3, type Vec3, type Volume } from '@tace/common';
import { readNifti } from './nifti.ts';
import { readNrrd } from './nrrd.ts';
import { encodeNifti, encodeNrrd, imageFormatOf, writeImageFile } from './write.ts';

/** Rotation by `deg` about the unit axis `u` (Rodrigues), columns = rotated axes. */
function rotation(u: Vec3, deg: number): Mat3 {
  const t = (deg * Math.PI) / 180, c = Math.cos(t), s = Math.sin(t), [x, y, z] = u;
  return [
    c + x * x * (1 - c), x * y * (1 - c) - z * s, x * z * (1 - c) + y * s,
    y * x * (1 - c) + z * s, c + y * y * (1 - c), y * z * (1 - c) - x * s,
    z * x * (1 - c) - y * s, z * y * (1 - c) + x * s, c + z * z * (1 - c),
  ];
}

function volume(direction: Mat3, data: Volume['data'], size: Vec3 = [4, 3, 2]): Volume {
  return { size, spacingMm: [0.7, 0.81, 2.5], originMm: [-120.25, 33.5, -7], direction, data };
}

const SQRT3 = Math.sqrt(1 / 3);
const DIRECTIONS: Array<[string, Mat3]> = [
  ['identity (axial, LPS)', [1, 0, 0, 0, 1, 0, 0, 0, 1]],
  ['oblique: 30° about (1,1,1)/√3', rotation([SQRT3, SQRT3, SQRT3], 30)],
  ['180° about z (a = 0 branch of the quaternion)', [-1, 0, 0, 0, -1, 0, 0, 0, 1]],
  ['180° about x', [1, 0, 0, 0, -1, 0, 0, 0, -1]],
  ['mirrored: slices run feet-ward (det −1, qfac −1)', [1, 0, 0, 0, 1, 0, 0, 0, -1]],
  ['coronal', [1, 0, 0, 0, 0, -1, 0, 1, 0]],
];

function expectGeometry(got: Volume, want: Volume, tol: number): void {
  expect(got.size).toEqual(want.size);
  for (let i = 0; i < 3; i++) expect(Math.abs(got.spacingMm[i]! - want.spacingMm[i]!)).toBeLessThanOrEqual(tol);
  for (let i = 0; i < 3; i++) expect(Math.abs(got.originMm[i]! - want.originMm[i]!)).toBeLessThanOrEqual(tol * 100);
  for (let i = 0; i < 9; i++) expect(Math.abs(got.direction[i]! - want.direction[i]!), `direction[${i}]`).toBeLessThanOrEqual(tol);
}

describe('encodeNrrd / encodeNifti → readNrrd / readNifti', () => {
  const n = 24;
  const ramp = <T extends Volume['data']>(a: T): T => { for (let i = 0; i < n; i++) a[i] = i * 3 - 20; return a; };
  for (const [name, dir] of DIRECTIONS) {
    it(`geometry round-trips: ${name}`, () => {
      const v = volume(dir, ramp(new Float32Array(n)));
      // NRRD keeps float64 text (the reader's normalisation rounds in the last bit); NIfTI stores
      // float32 (quaternion and offsets): float32 precision.
      expectGeometry(readNrrd(encodeNrrd(v)), v, 1e-15);
      const nii = readNifti(encodeNifti(v));
      expectGeometry(nii, v, 2e-6);
      expect(Array.from(nii.data)).toEqual(Array.from(v.data));
    });
  }

  it('every voxel type keeps its type and values; gzip and raw read the same', () => {
    const arrays = [new Uint8Array(n), new Int16Array(n), new Uint16Array(n), new Int32Array(n), new Float32Array(n), new Float64Array(n)];
    for (const a of arrays) {
      for (let i = 0; i < n; i++) a[i] = a instanceof Uint8Array || a instanceof Uint16Array ? i * 7 : i * 7.5 - 40;
      const v = volume(DIRECTIONS[1]![1], a);
      for (const bytes of [encodeNrrd(v), encodeNrrd(v, { gzip: false }), encodeNifti(v), encodeNifti(v, { gzip: true })]) {
        const back = bytes[0] === 0x4e ? readNrrd(bytes) : readNifti(bytes);
        expect(back.data.constructor, a.constructor.name).toBe(a.constructor);
        expect(Array.from(back.data)).toEqual(Array.from(a));
      }
    }
  });

  it('NIfTI header: RAS qform and sform agree (the reader takes the qform; read the sform alone here)', () => {
    const v = volume(DIRECTIONS[1]![1], new Int16Array(n));
    const f = encodeNifti(v);
    const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
    expect(dv.getInt16(252, true)).toBe(1);
    expect(dv.getInt16(254, true)).toBe(1);
    expect(dv.getFloat32(108, true)).toBe(352);
    expect(new TextDecoder().decode(f.subarray(344, 347))).toBe('n+1');
    // srow = RAS direction × spacing | RAS origin: x and y of LPS negated
    for (let r = 0; r < 3; r++) {
      const sign = r < 2 ? -1 : 1;
      for (let c = 0; c < 3; c++) {
        expect(dv.getFloat32(280 + 16 * r + 4 * c, true)).toBeCloseTo(sign * v.direction[3 * r + c]! * v.spacingMm[c]!, 6);
      }
      expect(dv.getFloat32(280 + 16 * r + 12, true)).toBeCloseTo(sign * v.originMm[r]!, 4);
    }
    // With the qform switched off the reader falls back to the sform: same geometry.
    dv.setInt16(252, 0, true);
    expectGeometry(readNifti(f), v, 2e-6);
  });

  it('NRRD header names LPS and the direction columns scaled by the spacing', () => {
    const text = Buffer.from(encodeNrrd(volume(DIRECTIONS[0]![1], new Int16Array(n)))).toString('latin1');
    expect(text).toContain('space: left-posterior-superior\n');
    expect(text).toContain('space directions: (0.7,0,0) (0,0.81,0) (0,0,2.5)\n');
    expect(text).toContain('space origin: (-120.25,33.5,-7)\n');
    expect(text).toContain('type: short\n');
  });

  it('a wrong voxel count or file name is refused; a failed write leaves nothing behind', async () => {
    expect(() => encodeNrrd({ ...volume(DIRECTIONS[0]![1], new Uint8Array(5)) })).toThrow(/RADIOMICS|holds 5 voxels/);
    expect(imageFormatOf('a.NII.GZ')).toEqual({ format: 'nifti', gzip: true });
    expect(imageFormatOf('a.mha')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-write-'));
    await expect(writeImageFile(join(dir, 'x.mha'), volume(DIRECTIONS[0]![1], new Uint8Array(n)))).rejects.toMatchObject({ code: 'RADIOMICS_FILE_WRITE_FAILED' });
    await expect(writeImageFile(join(dir, 'no-such-dir', 'x.nrrd'), volume(DIRECTIONS[0]![1], new Uint8Array(n))))
      .rejects.toMatchObject({ code: 'RADIOMICS_FILE_WRITE_FAILED' });
    await writeImageFile(join(dir, 'x.nii.gz'), volume(DIRECTIONS[0]![1], new Uint8Array(n)));
    expect(readdirSync(dir)).toEqual(['x.nii.gz']);
  });
});

const ibsi = referencePath('ibsi1-ct-phantom/nifti');
const pyrad = referencePath('pyradiomics/data');

describe.skipIf(!ibsi || !pyrad)('reference files re-written read back the same', () => {
  it('IBSI CT phantom NIfTI image and mask, PyRadiomics brain1 NRRD image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-write-ref-'));
    for (const f of ['image.nii.gz', 'mask.nii.gz']) {
      const ref = readNifti(readFileSync(join(ibsi!, f)));
      const bytes = encodeNifti(ref, { gzip: true });
      writeFileSync(join(dir, f), bytes);
      const back = readNifti(bytes);
      expectGeometry(back, ref, 0); // float32 in, float32 out: bit for bit
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength)
        .equals(Buffer.from(ref.data.buffer, ref.data.byteOffset, ref.data.byteLength))).toBe(true);
      // and the uncompressed header of ours has the reference's dims and pixdim
      const h = gunzipSync(bytes);
      expect(h.readInt16LE(42)).toBe(ref.size[0]);
    }
    const brain = readNrrd(readFileSync(join(pyrad!, 'brain1_image.nrrd')));
    const back = readNrrd(encodeNrrd(brain));
    expectGeometry(back, brain, 0);
    expect(Array.from(back.data)).toEqual(Array.from(brain.data));
  });
});

/** A python3 with nibabel, or undefined after saying loudly that the cross-check is skipped. */
const nibabelPython = ((): string | undefined => {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import nibabel'], { stdio: 'ignore' }).status === 0) return py;
  }
  console.warn('\n*** SKIPPING: the nibabel cross-check of the NIfTI writer (no python3 with nibabel: apt-get install python3-nibabel) ***\n');
  return undefined;
})();

describe.skipIf(!nibabelPython)('nibabel reads our NIfTI with the geometry we meant', () => {
  it('qform and sform affines = RAS direction × spacing | RAS origin, for every test direction', () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomics-write-nib-'));
    const files = DIRECTIONS.map(([, d], k) => {
      const f = join(dir, `${k}.nii`);
      writeFileSync(f, encodeNifti(volume(d, new Int16Array(24))));
      return f;
    });
    const py = `import nibabel as nb, json, sys
print(json.dumps([[nb.load(f).header.get_qform().tolist(), nb.load(f).header.get_sform().tolist()] for f in sys.argv[1:]]))`;
    const r = spawnSync(nibabelPython!, ['-c', py, ...files], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const affines = JSON.parse(r.stdout) as number[][][][];
    DIRECTIONS.forEach(([name, d], k) => {
      const v = volume(d, new Int16Array(24));
      for (const affine of affines[k]!) {
        for (let row = 0; row < 3; row++) {
          const sign = row < 2 ? -1 : 1;
          for (let c = 0; c < 3; c++) {
            expect(Math.abs(affine[row]![c]! - sign * d[3 * row + c]! * v.spacingMm[c]!), `${name} [${row}][${c}]`).toBeLessThanOrEqual(1e-5);
          }
          expect(Math.abs(affine[row]![3]! - sign * v.originMm[row]!), `${name} origin ${row}`).toBeLessThanOrEqual(1e-4);
        }
      }
    });
  });
});
