import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Patient } from '@medplum/fhirtypes';
import { readDicomFile, studyPatient, type DicomPatient } from '@tace/dicom';
import { generatePatient, writeSyntheticStudy } from '@tace/synthetic';
import { checkPatientIdentity, parseIssuerMap } from './identity.ts';

const MRN = 'urn:oid:1.2.840.99999.1';
const OTHER = 'urn:oid:1.2.840.99999.2';
const cfg = { patientIdSystems: [MRN], issuers: { HOSP_A: OTHER } };
const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: OTHER, value: 'A-77' }, { system: MRN, value: '000123' }],
  birthDate: '1961-04-09',
  gender: 'female',
};
const dicom: DicomPatient = { patientId: '000123', birthDate: '19610409', sex: 'F' };

function codeOf(f: () => unknown): { code?: string; message?: string } {
  try {
    f();
    return {};
  } catch (e) {
    return e as { code: string; message: string };
  }
}

describe('checkPatientIdentity', () => {
  it('matches PatientID under a configured system, then birth date and sex', () => {
    expect(checkPatientIdentity(dicom, patient, cfg)).toEqual({ system: MRN, compared: ['patientId', 'birthDate', 'sex'] });
  });

  it("refuses another patient's PatientID, and never names it", () => {
    const e = codeOf(() => checkPatientIdentity({ ...dicom, patientId: '000124' }, patient, cfg));
    expect(e.code).toBe('IDENTITY_PATIENT_MISMATCH');
    expect(e.message).not.toContain('000124');
    expect(e.message).not.toContain('000123');
  });

  it('compares values exactly (leading zeros, case) and only under the configured systems', () => {
    expect(codeOf(() => checkPatientIdentity({ ...dicom, patientId: '123' }, patient, cfg)).code).toBe('IDENTITY_PATIENT_MISMATCH');
    // A-77 is this patient's value under another system: a study with PatientID A-77 and no issuer is not matched by it.
    expect(codeOf(() => checkPatientIdentity({ ...dicom, patientId: 'A-77' }, patient, cfg)).code).toBe('IDENTITY_PATIENT_MISMATCH');
    expect(codeOf(() => checkPatientIdentity(dicom, { ...patient, identifier: [{ system: OTHER, value: '000123' }] }, cfg)).code).toBe('IDENTITY_FHIR_IDENTIFIER_MISSING');
  });

  it('with IssuerOfPatientID, matches only under that issuer’s system, and refuses an unknown issuer', () => {
    expect(checkPatientIdentity({ ...dicom, patientId: 'A-77', issuerOfPatientId: 'HOSP_A' }, patient, cfg).system).toBe(OTHER);
    expect(codeOf(() => checkPatientIdentity({ ...dicom, issuerOfPatientId: 'HOSP_A' }, patient, cfg)).code).toBe('IDENTITY_PATIENT_MISMATCH');
    expect(codeOf(() => checkPatientIdentity({ ...dicom, issuerOfPatientId: 'HOSP_B' }, patient, cfg)).code).toBe('IDENTITY_ISSUER_UNKNOWN');
  });

  it('refuses a matching PatientID whose birth date or sex differ (a PatientID typed into the wrong record)', () => {
    expect(codeOf(() => checkPatientIdentity({ ...dicom, birthDate: '19610410' }, patient, cfg)).code).toBe('IDENTITY_DEMOGRAPHICS_MISMATCH');
    expect(codeOf(() => checkPatientIdentity({ ...dicom, sex: 'M' }, patient, cfg)).code).toBe('IDENTITY_DEMOGRAPHICS_MISMATCH');
    expect(codeOf(() => checkPatientIdentity({ ...dicom, birthDate: 'garbage' }, patient, cfg)).code).toBe('IDENTITY_DEMOGRAPHICS_MISMATCH');
  });

  it('compares what both sides record: a partial FHIR birth date, an unknown gender, absent DICOM values', () => {
    expect(checkPatientIdentity(dicom, { ...patient, birthDate: '1961' }, cfg).compared).toEqual(['patientId', 'birthDate', 'sex']);
    expect(codeOf(() => checkPatientIdentity(dicom, { ...patient, birthDate: '1962' }, cfg)).code).toBe('IDENTITY_DEMOGRAPHICS_MISMATCH');
    expect(checkPatientIdentity(dicom, { ...patient, gender: 'unknown' }, cfg).compared).toEqual(['patientId', 'birthDate']);
    expect(checkPatientIdentity({ patientId: '000123' }, patient, cfg).compared).toEqual(['patientId']);
    expect(codeOf(() => checkPatientIdentity({}, patient, cfg)).code).toBe('IDENTITY_DICOM_PATIENT_MISSING');
  });

  it('parses TACE_PATIENT_ID_ISSUERS', () => {
    expect(parseIssuerMap('HOSP_A=urn:oid:1.2, B = https://x.org/mrn?a=b')).toEqual({ HOSP_A: 'urn:oid:1.2', B: 'https://x.org/mrn?a=b' });
    expect(() => parseIssuerMap('HOSP_A')).toThrow(/ISSUER=system/);
  });
});

describe('studyPatient (real DICOM written by the synthetic writers)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tace-identity-'));
  const a = writeSyntheticStudy(generatePatient(31, 0), join(dir, 'a'));
  const b = writeSyntheticStudy(generatePatient(31, 1), join(dir, 'b'));
  const ctOf = (d: string) => readdirSync(d).filter((f) => f.startsWith('CT_')).map((f) => readDicomFile(join(d, f)));
  const ctA = ctOf(a.dir);

  it("reads the CT's patient when the SEG agrees", () => {
    const p = studyPatient(ctA, readDicomFile(a.segFile), a.studyInstanceUid);
    expect(p.patientId).toBe(generatePatient(31, 0).id);
    expect(p.birthDate).toMatch(/^\d{8}$/);
    expect(p.sex).toMatch(/^[MF]$/);
  });

  it("refuses a SEG of another patient's study drawn beside this CT", () => {
    const e = codeOf(() => studyPatient(ctA, readDicomFile(b.segFile), a.studyInstanceUid));
    expect(e.code).toBe('IDENTITY_SEGMENTATION_MISMATCH');
    expect(e.message).toContain('patientId');
    expect(e.message).not.toContain(generatePatient(31, 1).id);
  });

  it('refuses a CT series mixing two patients', () => {
    const mixed = [...ctA.slice(0, 3), ...ctOf(b.dir).slice(0, 1)];
    expect(codeOf(() => studyPatient(mixed, readDicomFile(a.segFile), a.studyInstanceUid)).code).toBe('IDENTITY_DICOM_INCONSISTENT');
  });
});
