/**
 * Seeding a synthetic patient (demo and tests): Patient, completed TACE Procedure, AFP, tumour
 * size and nodule-count Observations, and the post-TACE CT ImagingStudy, as one transaction.
 * Every resource carries an identifier derived from the patient identifier and is conditionally
 * created, so seeding twice changes nothing.
 */
import type { MedplumClient } from '@medplum/core';
import type { Bundle, BundleEntry, ImagingStudy, Observation, Patient, Procedure, Resource } from '@medplum/fhirtypes';
import { TaceError } from '@tace/common';
import {
  DEMO_ID_SYSTEM,
  DICOM_UID_SYSTEM,
  LOCAL_CLINICAL_SYSTEM,
  LOINC,
  LOINC_AFP_MASS,
  LOINC_TUMOUR_LARGEST_DIMENSION,
  LOINC_TUMOUR_SIZE,
  NODULE_COUNT_CODE,
  SNOMED,
  TACE_PROCEDURE_CODE,
  UCUM,
} from './codes.ts';
import { withFhirRetry, type RetryOptions } from './retry.ts';

export interface SeedPatient {
  /** Value of the Patient identifier (system DEMO_ID_SYSTEM); must not contain `|`. */
  patientIdentifier: string;
  familyName: string;
  givenName: string;
  birthDate: string;
  gender: 'male' | 'female' | 'other' | 'unknown';
  /** Date (or dateTime) the TACE was performed. */
  taceDate: string;
  studyInstanceUid: string;
  /** Started date(time) of the post-TACE CT study (default: TACE date + 28 days). */
  studyDate?: string;
  afp: { value: number; unit: string; loinc?: '1834-1' | '19176-7' };
  tumourSize: { value: number; unit: 'mm' | 'cm' };
  noduleCount: number;
  /** Effective dates of the Observations (default: TACE date − 3 days for each). */
  observationDates?: { afp?: string; tumourSize?: string; noduleCount?: string };
}

const DAY_MS = 86_400_000;

function shiftDate(date: string, days: number): string {
  const ms = Date.parse(date.length === 10 ? `${date}T00:00:00Z` : date) + days * DAY_MS;
  return date.length === 10 ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString();
}

const PATIENT_URN = 'urn:uuid:0b7e9a52-3c1d-4f8e-a000-000000000001';

function entry<T extends Resource>(fullUrl: string | undefined, resource: T, idValue: string): BundleEntry {
  return {
    ...(fullUrl ? { fullUrl } : {}),
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${DEMO_ID_SYSTEM}|${idValue}` },
  };
}

/** UCUM code for a unit string as entered (display unit kept as given). */
function ucum(unit: string): { unit: string; system: string; code: string } {
  return { unit, system: UCUM, code: unit };
}

export function buildSeedTransaction(p: SeedPatient): Bundle {
  if (p.patientIdentifier.includes('|') || p.patientIdentifier.length === 0) {
    throw new TaceError('FHIR_SEED_INVALID', 'patientIdentifier must be non-empty and must not contain "|"', { httpStatus: 400 });
  }
  const id = p.patientIdentifier;
  const subject = { reference: PATIENT_URN };
  const obsDefault = shiftDate(p.taceDate, -3);
  const afpLoinc = p.afp.loinc ?? LOINC_AFP_MASS;

  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [{ system: DEMO_ID_SYSTEM, value: id }],
    name: [{ family: p.familyName, given: [p.givenName] }],
    birthDate: p.birthDate,
    gender: p.gender,
  };
  const procedure: Procedure = {
    resourceType: 'Procedure',
    identifier: [{ system: DEMO_ID_SYSTEM, value: `${id}-tace` }],
    status: 'completed',
    code: { coding: [{ system: SNOMED, code: TACE_PROCEDURE_CODE, display: 'Transarterial chemoembolization of liver' }] },
    subject,
    performedDateTime: p.taceDate,
  };
  const afp: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: DEMO_ID_SYSTEM, value: `${id}-afp` }],
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: afpLoinc, display: 'Alpha-1-Fetoprotein in Serum or Plasma' }] },
    subject,
    effectiveDateTime: p.observationDates?.afp ?? obsDefault,
    valueQuantity: { value: p.afp.value, ...ucum(p.afp.unit) },
  };
  const size: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: DEMO_ID_SYSTEM, value: `${id}-tumour-size` }],
    status: 'final',
    code: { coding: [{ system: LOINC, code: LOINC_TUMOUR_SIZE, display: 'Size Tumor' }] },
    subject,
    effectiveDateTime: p.observationDates?.tumourSize ?? obsDefault,
    component: [
      {
        code: { coding: [{ system: LOINC, code: LOINC_TUMOUR_LARGEST_DIMENSION, display: 'Size.maximum dimension in Tumor' }] },
        valueQuantity: { value: p.tumourSize.value, ...ucum(p.tumourSize.unit) },
      },
    ],
  };
  const nodules: Observation = {
    resourceType: 'Observation',
    identifier: [{ system: DEMO_ID_SYSTEM, value: `${id}-nodule-count` }],
    status: 'final',
    code: { coding: [{ system: LOCAL_CLINICAL_SYSTEM, code: NODULE_COUNT_CODE, display: 'Number of HCC nodules' }] },
    subject,
    effectiveDateTime: p.observationDates?.noduleCount ?? obsDefault,
    valueInteger: p.noduleCount,
  };
  const study: ImagingStudy = {
    resourceType: 'ImagingStudy',
    identifier: [{ system: DICOM_UID_SYSTEM, value: `urn:oid:${p.studyInstanceUid}` }],
    status: 'available',
    subject,
    started: p.studyDate ?? shiftDate(p.taceDate, 28),
    modality: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: 'CT' }],
    description: 'Post-TACE CT (synthetic)',
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry(PATIENT_URN, patient, id),
      entry(undefined, procedure, `${id}-tace`),
      entry(undefined, afp, `${id}-afp`),
      entry(undefined, size, `${id}-tumour-size`),
      entry(undefined, nodules, `${id}-nodule-count`),
      // The study is found by its DICOM UID, so that is its conditional key.
      { resource: study, request: { method: 'POST', url: 'ImagingStudy', ifNoneExist: `identifier=${DICOM_UID_SYSTEM}|urn:oid:${p.studyInstanceUid}` } },
    ],
  };
}

export interface SeededRefs {
  patientRef: string;
  procedureRef: string;
  observationRefs: string[];
  imagingStudyRef: string;
}

function loc(e: BundleEntry | undefined): string {
  const m = /([A-Za-z]+\/[^/]+)/.exec(e?.response?.location ?? '');
  if (!m) throw new TaceError('FHIR_TRANSACTION_RESPONSE_INVALID', 'Seed transaction response lacks a location', { httpStatus: 502 });
  return m[1];
}

export async function seedPatient(client: MedplumClient, p: SeedPatient, opts: RetryOptions = {}): Promise<SeededRefs> {
  const bundle = buildSeedTransaction(p);
  const res = await withFhirRetry('seeding a patient', () => client.executeBatch(bundle), opts);
  const e = res.entry ?? [];
  return { patientRef: loc(e[0]), procedureRef: loc(e[1]), observationRefs: [loc(e[2]), loc(e[3]), loc(e[4])], imagingStudyRef: loc(e[5]) };
}
