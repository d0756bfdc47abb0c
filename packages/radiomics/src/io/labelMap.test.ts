/** toLabelMap: integer volumes become Uint8 label maps; anything outside the integers 0..255 is refused. */
import { describe, expect, it } from 'vitest';
import type { Vec3, Volume, VoxelArray } from '@tace/common';
import { toLabelMap } from './index.ts';

function vol(data: VoxelArray): Volume {
  return { size: [data.length, 1, 1] as Vec3, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
}

describe('toLabelMap', () => {
  it.each([
    ['int32', Int32Array.of(0, 1, 2, 255, 0)],
    ['int16', Int16Array.of(0, 1, 2, 255, 0)],
    ['uint16', Uint16Array.of(0, 1, 2, 255, 0)],
    ['float64', Float64Array.of(0, 1, 2, 255, 0)],
  ])('keeps the labels of a %s mask', (_t, data) => {
    const m = toLabelMap(vol(data));
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect([...m.data]).toEqual([0, 1, 2, 255, 0]);
  });
  it.each([
    ['int32 256', Int32Array.of(0, 1, 256), 'mask value 256'],
    ['int32 -1', Int32Array.of(0, -1, 1), 'mask value -1'],
    ['int16 -256', Int16Array.of(1, -256), 'mask value -256'],
    ['uint16 300', Uint16Array.of(300), 'mask value 300'],
    ['float32 1.5', Float32Array.of(1, 1.5), 'mask value 1.5'],
  ])('refuses %s with RADIOMICS_MASK_LABEL_RANGE naming the value', (_t, data, msg) => {
    expect(() => toLabelMap(vol(data))).toThrow(expect.objectContaining({ code: 'RADIOMICS_MASK_LABEL_RANGE', message: expect.stringContaining(msg) }));
  });
});
