/**
 * Gantry tilt: a stack whose slice origins shear in-plane (the planes stay perpendicular to the
 * normal) is resampled onto the orthogonal grid of its first slice, its SEG moved with it, or
 * refused by policy. The truth is analytic: a sphere in patient space, sampled on the tilted
 * slices when writing, must come back where it is in patient space.
 */
import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type LabelMap, type Volume } from '@tace/common';
import { loadCtVolume, TILT_PAD_HU } from './ct-volume.ts';
import { parseDicom } from './instance.ts';
import { segToLabelMap } from './seg.ts';
import { writeCtSeries } from './write/ct-writer.ts';
import { writeBinarySeg } from './write/seg-writer.ts';

const N = 40, NZ = 12, DZ = 2.5;
const C = [20, 24, 14], R = 7;
const inside = (x: number, y: number, z: number) => (x - C[0]) ** 2 + (y - C[1]) ** 2 + (z - C[2]) ** 2 <= R * R;
const distToSurface = (x: number, y: number, z: number) => Math.abs(Math.hypot(x - C[0], y - C[1], z - C[2]) - R);
const META = { studyInstanceUid: '2.25.71', seriesInstanceUid: '2.25.72', frameOfReferenceUid: '2.25.73', patientId: 'TILT', patientName: 'Synthetic^Tilt', studyDate: '20240101' };

/** A series tilted by `shiftMm` per slice along the column (y) axis: slice k starts at (0, k·shift, k·DZ). */
function tiltedStudy(shiftMm: number) {
  const ct: Uint8Array[] = [];
  const mask: LabelMap = { size: [N, N, NZ], spacingMm: [1, 1, DZ], originMm: [0, 0, 0], direction: [...IDENTITY_DIRECTION], data: new Uint8Array(N * N * NZ) };
  for (let k = 0; k < NZ; k++) {
    const o: [number, number, number] = [0, k * shiftMm, k * DZ];
    const slice: Volume<Int16Array> = { size: [N, N, 1], spacingMm: [1, 1, DZ], originMm: o, direction: [...IDENTITY_DIRECTION], data: new Int16Array(N * N) };
    for (let r = 0; r < N; r++) {
      for (let c = 0; c < N; c++) {
        const inS = inside(o[0] + c, o[1] + r, o[2]);
        slice.data[c + N * r] = inS ? 200 : 0;
        if (inS) mask.data[c + N * r + N * N * k] = 1;
      }
    }
    ct.push(...writeCtSeries(slice, { ...META, sopInstanceUids: [`2.25.74${k}`] }));
  }
  const instances = ct.map((b) => parseDicom(b));
  return { instances, seg: parseDicom(writeBinarySeg(mask, instances, { sopInstanceUid: '2.25.75' })) };
}

function codeOf(fn: () => unknown): { code?: string; detail?: Record<string, unknown> } | undefined {
  try { fn(); } catch (e) { return e as { code?: string; detail?: Record<string, unknown> }; }
  return undefined;
}

describe('gantry-tilted series', () => {
  it('whole-pixel shear: HU and SEG land exactly where the sphere is in patient space; uncovered voxels are air', () => {
    const { instances, seg } = tiltedStudy(1); // 1 mm per 2.5 mm slice: a 21.8° tilt
    const v = loadCtVolume(instances);
    expect(v.tiltResampled?.tiltDeg).toBeCloseTo((Math.atan2(11, 27.5) * 180) / Math.PI, 6);
    const m = segToLabelMap(seg, v);
    let hu = 0, mask = 0, voxels = 0;
    for (let k = 0; k < NZ; k++) {
      for (let j = 0; j < N; j++) {
        for (let i = 0; i < N; i++) {
          const p = i + N * j + N * N * k;
          const covered = j - k >= 0; // source row j − k·1 mm
          const want = !covered ? TILT_PAD_HU : inside(i, j, k * DZ) ? 200 : 0;
          if (v.data[p] !== want) hu++;
          if ((m.data[p] === 1) !== (covered && inside(i, j, k * DZ))) mask++;
          if (inside(i, j, k * DZ)) voxels++;
        }
      }
    }
    expect(voxels).toBeGreaterThan(500); // 4/3·π·7³ mm³ / 2.5 mm³ ≈ 575
    expect(hu).toBe(0);
    expect(mask).toBe(0);
  });

  it('sub-pixel shear (0.4 mm per slice): exact away from the sphere surface, bilinear HU and nearest-pixel mask', () => {
    const { instances, seg } = tiltedStudy(0.4);
    const v = loadCtVolume(instances);
    const m = segToLabelMap(seg, v);
    let bad = 0, checked = 0;
    for (let k = 0; k < NZ; k++) {
      for (let j = 5; j < N - 5; j++) {
        for (let i = 0; i < N; i++) {
          if (distToSurface(i, j, k * DZ) <= 1) continue;
          const p = i + N * j + N * N * k;
          const inS = inside(i, j, k * DZ);
          checked++;
          if (v.data[p] !== (inS ? 200 : 0) || (m.data[p] === 1) !== inS) bad++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10000);
    expect(bad).toBe(0);
  });

  it('is refused with DICOM_GANTRY_TILT and the angle when the policy says so', () => {
    const { instances } = tiltedStudy(1);
    const e = codeOf(() => loadCtVolume(instances, { gantryTilt: 'refuse' }));
    expect(e?.code).toBe('DICOM_GANTRY_TILT');
    expect(e?.detail?.tiltDeg).toBeCloseTo((Math.atan2(11, 27.5) * 180) / Math.PI, 6);
  });

  it('an orthogonal series is not resampled', () => {
    const { instances } = tiltedStudy(0);
    expect(loadCtVolume(instances).tiltResampled).toBeUndefined();
  });
});
