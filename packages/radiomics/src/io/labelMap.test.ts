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
  it.each([
    ['int32', Int32Array],
    ['int16', Int16Array],
    ['uint16', Uint16Array],
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const)('in place, narrows a %s mask over its own buffer, every label kept (offset view too)', (_t, Ctor) => {
    // labels that differ voxel by voxel, so that a byte written before its voxel was read would show
    const labels = Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) % 256);
    const whole = new Ctor(labels.length + 3);
    const data = whole.subarray(3); // a view that does not start at the buffer's first byte
    data.set(labels);
    const m = toLabelMap(vol(data), { inPlace: true });
    expect(m.data).toBeInstanceOf(Uint8Array);
    expect(m.data.buffer).toBe(whole.buffer); // no second array
    expect(m.data.byteOffset).toBe(data.byteOffset);
    expect([...m.data]).toEqual(labels);
  });
  it('in place, still refuses a label outside 0..255', () => {
    expect(() => toLabelMap(vol(Int32Array.of(0, 1, 256)), { inPlace: true })).toThrow(expect.objectContaining({ code: 'RADIOMICS_MASK_LABEL_RANGE', message: expect.stringContaining('mask value 256') }));
  });
  it('copies by default: the volume passed in keeps its voxels', () => {
    const data = Int32Array.of(3, 0, 7, 255);
    const m = toLabelMap(vol(data));
    expect(m.data.buffer).not.toBe(data.buffer);
    expect([...data]).toEqual([3, 0, 7, 255]);
  });
});
