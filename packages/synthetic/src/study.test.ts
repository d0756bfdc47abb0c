import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderStudySource, loadCtVolume, segmentationToLabelMap, selectCtAndSegmentation } from '@tace/dicom';
import { buildSeedTransaction } from '@tace/fhir';
import { afterAll, describe, expect, it } from 'vitest';
import { generatePatient } from './patient.ts';
import { seedFor } from './seed.ts';
import { writeSyntheticStudy } from './study.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('writeSyntheticStudy → @tace/dicom readers', () => {
  const patient = generatePatient(777, 2);

  it('reads back the same HU volume, geometry and tumour mask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tace-syn-'));
    dirs.push(dir);
    const written = writeSyntheticStudy(patient, dir);
    expect(written.ctFiles).toHaveLength(patient.ct.size[2]);

    const study = await new FolderStudySource(dir).getStudy(patient.uids.studyInstanceUid);
    const sel = selectCtAndSegmentation(study, { segmentationSopInstanceUid: patient.uids.segSopInstanceUid });
    expect(sel.kind).toBe('SEG');
    const ct = loadCtVolume(sel.ct);
    expect(ct.size).toEqual(patient.ct.size);
    for (let a = 0; a < 3; a++) {
      expect(ct.spacingMm[a]).toBeCloseTo(patient.ct.spacingMm[a], 4);
      expect(ct.originMm[a]).toBeCloseTo(patient.ct.originMm[a], 3);
    }
    // HU are integers in [-1024, 3071] so the default Modality LUT (slope 1, intercept -1024) is exact.
    let maxDiff = 0;
    for (let v = 0; v < ct.data.length; v++) maxDiff = Math.max(maxDiff, Math.abs(ct.data[v] - patient.ct.data[v]));
    expect(maxDiff).toBe(0);

    const mask = segmentationToLabelMap(sel.seg, ct, sel.segmentNumber);
    let mismatches = 0;
    let fg = 0;
    for (let v = 0; v < mask.data.length; v++) {
      if ((mask.data[v] !== 0) !== (patient.mask.data[v] !== 0)) mismatches++;
      if (patient.mask.data[v]) fg++;
    }
    expect(fg).toBeGreaterThan(100);
    expect(mismatches).toBe(0);
  });

  // The SEG writer draws a fresh DimensionOrganizationUID each call (not in SegMeta), so only
  // the CT slices are compared byte for byte; the SEG keeps its SOP Instance UID and size.
  it('writes identical CT bytes twice and the same SEG instance (UIDs come from the seed)', () => {
    const a = mkdtempSync(join(tmpdir(), 'tace-syn-'));
    const b = mkdtempSync(join(tmpdir(), 'tace-syn-'));
    dirs.push(a, b);
    const wa = writeSyntheticStudy(patient, a);
    const wb = writeSyntheticStudy(patient, b);
    for (let k = 0; k < wa.ctFiles.length; k++) expect(readFileSync(wa.ctFiles[k]).equals(readFileSync(wb.ctFiles[k]))).toBe(true);
    const segA = readFileSync(wa.segFile);
    const segB = readFileSync(wb.segFile);
    expect(segA.length).toBe(segB.length);
    expect(segA.includes(Buffer.from(patient.uids.segSopInstanceUid))).toBe(true);
    expect(segB.includes(Buffer.from(patient.uids.segSopInstanceUid))).toBe(true);
  });
});

describe('seedFor', () => {
  it('gives a SeedPatient the FHIR seeder accepts, with the patient’s values', () => {
    const p = generatePatient(777, 2);
    const bundle = buildSeedTransaction(seedFor(p));
    const resources = (bundle.entry ?? []).map((e) => e.resource);
    const types = resources.map((r) => r?.resourceType);
    expect(types).toEqual(expect.arrayContaining(['Patient', 'Procedure', 'Observation', 'ImagingStudy']));
    const text = JSON.stringify(bundle);
    expect(text).toContain(p.uids.studyInstanceUid);
    expect(text).toContain(String(p.clinical.afpNgPerMl));
    expect(text).toContain('441525007'); // SNOMED CT transarterial chemoembolisation
  });
});
