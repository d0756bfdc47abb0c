import { describe, expect, it } from 'vitest';
import type { LabelMap, Vec3 } from '@tace/common';
import { checkFinite, labelBoundingBox } from './preprocess.ts';

function labelMap(size: Vec3, data: Uint8Array): LabelMap {
  return { size, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}

/** Set voxel (x, y, z) of a size-(nx, ny, nz) x-fastest array. */
function put(d: Uint8Array, size: Vec3, x: number, y: number, z: number, v: number): void {
  d[x + size[0] * (y + size[1] * z)] = v;
}

describe('labelBoundingBox', () => {
  it('bounds and count of one label among others, in the 16-voxel groups and in the unaligned tail', () => {
    // 7×5×3 = 105 voxels: 6 full groups of 16 (96) + a 9-voxel tail (indices 96..104 = z 2, y 3..4).
    const size: Vec3 = [7, 5, 3];
    const d = new Uint8Array(105);
    put(d, size, 3, 1, 0, 2); // index 10 (first group)
    put(d, size, 6, 0, 1, 2); // index 41: largest x
    put(d, size, 1, 4, 2, 2); // index 99 (tail): largest y, largest z
    put(d, size, 0, 2, 0, 1); // other labels must not count
    put(d, size, 6, 4, 2, 3);
    // Hand-derived: x 1..6, y 0..4, z 0..2, 3 voxels.
    expect(labelBoundingBox(labelMap(size, d), 2)).toEqual({ bb: { lower: [1, 0, 0], upper: [6, 4, 2] }, count: 3 });
    expect(labelBoundingBox(labelMap(size, d), 1)).toEqual({ bb: { lower: [0, 2, 0], upper: [0, 2, 0] }, count: 1 });
    expect(labelBoundingBox(labelMap(size, d), 4)).toBeNull();
  });

  it('several hits in one row and a view that is not 4-byte aligned', () => {
    const size: Vec3 = [20, 2, 1];
    const buf = new Uint8Array(41);
    const d = buf.subarray(1); // byteOffset 1: no word view possible
    put(d, size, 2, 1, 0, 5);
    put(d, size, 17, 1, 0, 5);
    put(d, size, 9, 1, 0, 5);
    // Hand-derived: x 2..17 in row y = 1.
    expect(labelBoundingBox(labelMap(size, d), 5)).toEqual({ bb: { lower: [2, 1, 0], upper: [17, 1, 0] }, count: 3 });
  });
});

describe('checkFinite', () => {
  it('only ROI voxels count unless the whole image is asked for', () => {
    const size: Vec3 = [6, 6, 1]; // 36 voxels: 2 groups + a 4-voxel tail
    const img = { ...labelMap(size, new Uint8Array(0)), data: new Float64Array(36) };
    const m = new Uint8Array(36);
    m[20] = 1;
    m[33] = 1;
    img.data[5] = NaN; // outside the mask
    expect(() => checkFinite(img, labelMap(size, m), false)).not.toThrow();
    expect(() => checkFinite(img, labelMap(size, m), true)).toThrow(expect.objectContaining({ code: 'RADIOMICS_NAN_VOXELS' }));
    img.data[5] = 0;
    img.data[33] = Infinity; // inside, in the tail
    expect(() => checkFinite(img, labelMap(size, m), false)).toThrow(expect.objectContaining({ code: 'RADIOMICS_NAN_VOXELS' }));
    img.data[33] = 0;
    img.data[20] = -Infinity; // inside, in a group
    expect(() => checkFinite(img, labelMap(size, m), false)).toThrow(expect.objectContaining({ code: 'RADIOMICS_NAN_VOXELS' }));
  });
});
