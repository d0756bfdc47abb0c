import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type LabelMap, type Mat3, type Volume } from '@tace/common';
import { cropToRoi } from './crop.ts';

function grid(size: [number, number, number], spacing: [number, number, number], direction: Mat3 = [...IDENTITY_DIRECTION]) {
  const n = size[0] * size[1] * size[2];
  const volume: Volume<Float32Array> = { size, spacingMm: spacing, originMm: [10, 20, 30], direction, data: new Float32Array(n) };
  for (let p = 0; p < n; p++) volume.data[p] = p; // value = linear index, so crops are checkable by hand
  const mask: LabelMap = { size, spacingMm: spacing, originMm: [10, 20, 30], direction, data: new Uint8Array(n) };
  return { volume, mask };
}

describe('cropToRoi', () => {
  it('keeps the mask bounding box plus ceil(margin / spacing) voxels and moves the origin', () => {
    const { volume, mask } = grid([10, 10, 10], [1, 1, 2]);
    mask.data[5 + 10 * (5 + 10 * 5)] = 1;
    // margin 1.5 mm → 2 voxels in x and y (1 mm), 1 voxel in z (2 mm).
    const r = cropToRoi(volume, mask, 1.5);
    expect(r.offset).toEqual([3, 3, 4]);
    expect(r.volume.size).toEqual([5, 5, 3]);
    expect(r.volume.originMm).toEqual([13, 23, 38]); // (10,20,30) + (3·1, 3·1, 4·2)
    expect(r.volume.data[0]).toBe(3 + 10 * (3 + 10 * 4));
    expect(r.mask.data[2 + 5 * (2 + 5 * 1)]).toBe(1);
    expect(r.mask.data.reduce((s, v) => s + v, 0)).toBe(1);
  });

  it('clips at the grid edge', () => {
    const { volume, mask } = grid([4, 4, 4], [1, 1, 1]);
    mask.data[0] = 1;
    const r = cropToRoi(volume, mask, 2);
    expect(r.offset).toEqual([0, 0, 0]);
    expect(r.volume.size).toEqual([3, 3, 3]);
    expect(r.volume.originMm).toEqual([10, 20, 30]);
  });

  it('moves the origin through the direction matrix', () => {
    // Axes: i → +y, j → −x, k → +z (90° about z). Offset (2,1,0) with spacing (2,3,1):
    // origin + 2·2·(0,1,0) + 1·3·(−1,0,0) = (10−3, 20+4, 30).
    const { volume, mask } = grid([6, 6, 6], [2, 3, 1], [0, -1, 0, 1, 0, 0, 0, 0, 1]);
    mask.data[2 + 6 * (1 + 6 * 3)] = 1;
    const r = cropToRoi(volume, mask, 0);
    expect(r.offset).toEqual([2, 1, 3]);
    expect(r.volume.size).toEqual([1, 1, 1]);
    expect(r.volume.originMm).toEqual([7, 24, 33]);
    expect(r.volume.direction).toEqual([0, -1, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('an empty mask gives DICOM_EMPTY_SEGMENTATION', () => {
    const { volume, mask } = grid([3, 3, 3], [1, 1, 1]);
    expect(() => cropToRoi(volume, mask, 5)).toThrow(expect.objectContaining({ code: 'DICOM_EMPTY_SEGMENTATION' }));
  });
});
