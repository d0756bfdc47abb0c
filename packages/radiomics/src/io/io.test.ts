import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { readNifti } from './nifti.ts';
import { readNrrd } from './nrrd.ts';

function niftiHeader(opts: { qform?: boolean; sform?: boolean }): Uint8Array {
  const buf = new Uint8Array(352 + 2 * 2 * 2 * 2);
  const dv = new DataView(buf.buffer);
  dv.setInt32(0, 348, true);
  [3, 2, 2, 2, 1, 1, 1, 1].forEach((v, i) => dv.setInt16(40 + 2 * i, v, true));
  dv.setInt16(70, 4, true); // int16
  dv.setInt16(72, 16, true);
  [1, 0.5, 0.75, 2].forEach((v, i) => dv.setFloat32(76 + 4 * i, v, true)); // qfac, pixdim
  dv.setFloat32(108, 352, true);
  if (opts.qform) {
    dv.setInt16(252, 1, true);
    // Identity rotation (b = c = d = 0), offsets (10, 20, 30) in RAS.
    dv.setFloat32(268, 10, true); dv.setFloat32(272, 20, true); dv.setFloat32(276, 30, true);
  }
  if (opts.sform) {
    dv.setInt16(254, 1, true);
    // Columns: i → (0.5, 0, 0), j → (0, 0.75, 0), k → (0, 0, 2); origin (1, 2, 3) RAS
    [0.5, 0, 0, 1].forEach((v, i) => dv.setFloat32(280 + 4 * i, v, true));
    [0, 0.75, 0, 2].forEach((v, i) => dv.setFloat32(296 + 4 * i, v, true));
    [0, 0, 2, 3].forEach((v, i) => dv.setFloat32(312 + 4 * i, v, true));
  }
  buf.set([0x6e, 0x2b, 0x31, 0], 344);
  for (let i = 0; i < 8; i++) dv.setInt16(352 + 2 * i, i - 3, true);
  return buf;
}

describe('NIfTI reader (RAS → LPS as SimpleITK)', () => {
  it('qform: x and y of direction and origin negated', () => {
    const v = readNifti(niftiHeader({ qform: true }));
    expect(v.size).toEqual([2, 2, 2]);
    expect(v.spacingMm).toEqual([0.5, 0.75, 2]);
    expect(v.direction).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(v.originMm).toEqual([-10, -20, 30]);
    expect(Array.from(v.data)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4]);
  });
  it('sform only, gzipped', () => {
    const v = readNifti(gzipSync(niftiHeader({ sform: true })));
    expect(v.originMm).toEqual([-1, -2, 3]);
    expect(v.direction.map((x) => x + 0)).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
  });
});

describe('NRRD reader', () => {
  it('RAS space directions become LPS; spacing is the vector length', () => {
    const header = 'NRRD0004\ntype: uint8\ndimension: 3\nspace: right-anterior-superior\nsizes: 2 1 1\n' +
      'space directions: (0,2,0) (-3,0,0) (0,0,4)\nencoding: raw\nspace origin: (1,2,3)\n\n';
    const bytes = new Uint8Array([...new TextEncoder().encode(header), 7, 9]);
    const v = readNrrd(bytes);
    expect(v.spacingMm).toEqual([2, 3, 4]);
    // Columns in LPS: i → (0, −1, 0), j → (1, 0, 0), k → (0, 0, 1)
    expect(v.direction.map((x) => x + 0)).toEqual([0, 1, 0, -1, 0, 0, 0, 0, 1]);
    expect(v.originMm).toEqual([-1, -2, 3]);
    expect(Array.from(v.data)).toEqual([7, 9]);
  });
});
