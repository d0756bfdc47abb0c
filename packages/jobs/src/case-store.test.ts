import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION } from '@tace/common';
import { DirCaseStore, type CaseBundle } from './case-store.ts';

function sampleCase(v = 1): CaseBundle {
  const geo = { size: [2, 2, 2] as [number, number, number], spacingMm: [1, 1, 2] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: IDENTITY_DIRECTION };
  const cv = (value: number) => ({ value, original: { value, unit: 'ng/mL' }, reference: 'Observation/1' });
  return {
    runId: 'run-00000000000000000000000000000000',
    image: { ...geo, data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, v]) },
    mask: { ...geo, data: Uint8Array.from([0, 1, 1, 0, 0, 1, 1, 0]) },
    clinical: { afpNgPerMl: cv(10), tumourSizeMm: cv(50), noduleCount: cv(2) },
    procedure: { reference: 'Procedure/1', performedDateTime: '2026-01-01' },
    patientReference: 'Patient/1',
    observationReferences: ['Observation/1'],
    source: { studyInstanceUid: '1.2', seriesInstanceUid: '1.3', segmentationSopInstanceUid: '1.4', segmentNumber: 1, cropOffset: [0, 0, 0] },
  };
}

describe('DirCaseStore', () => {
  it('round-trips a case and is content-addressed', async () => {
    const store = new DirCaseStore(mkdtempSync(join(tmpdir(), 'cs-')));
    const k1 = await store.put(sampleCase());
    expect(k1).toMatch(/^[0-9a-f]{64}$/);
    expect(await store.put(sampleCase())).toBe(k1);
    expect(await store.put(sampleCase(9))).not.toBe(k1);
    const back = await store.get(k1);
    expect(Array.from(back.image.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 1]);
    expect(Array.from(back.mask.data)).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    expect(back.clinical.tumourSizeMm.value).toBe(50);
    expect(back.image.spacingMm).toEqual([1, 1, 2]);
  });

  it('refuses a case whose bytes changed on disk', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cs-'));
    const store = new DirCaseStore(root);
    const k = await store.put(sampleCase());
    const dir = join(root, 'cases', k.slice(0, 2), k);
    expect(readdirSync(dir).sort()).toEqual(['case.json', 'image.f32', 'mask.u8']);
    writeFileSync(join(dir, 'mask.u8'), Buffer.from([1, 1, 1, 1, 1, 1, 1, 1]));
    await expect(store.get(k)).rejects.toMatchObject({ code: 'CASE_CORRUPT' });
  });

  it('answers CASE_NOT_FOUND and CASE_KEY_INVALID', async () => {
    const store = new DirCaseStore(mkdtempSync(join(tmpdir(), 'cs-')));
    await expect(store.get('a'.repeat(64))).rejects.toMatchObject({ code: 'CASE_NOT_FOUND' });
    await expect(store.get('../etc')).rejects.toMatchObject({ code: 'CASE_KEY_INVALID' });
  });
});
