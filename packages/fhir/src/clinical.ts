/**
 * Clinical inputs of the nomogram, read from the EHR's FHIR server for one patient and one TACE.
 *
 * Rules (issue #2):
 * - TACE = Procedure with SNOMED CT 441525007, status completed; the latest one by
 *   performedDateTime (or performedPeriod.start). With a study UID whose ImagingStudy has
 *   `started`, the latest such TACE on or before the study start (the TACE the study follows).
 * - AFP, tumour size (largest dimension), nodule count: the latest usable Observation of each
 *   inside the window [TACE − 30 d, TACE + 7 d] (configurable). Why these bounds: the nomogram's
 *   covariates are the peri-procedural baseline; AFP and the lesion measurements are usually taken
 *   in the month before TACE (work-up imaging, pre-procedure labs), and results charted or
 *   measured in the first days after (late lab entry, the immediate post-TACE read) still describe
 *   that baseline. Values older than a month or from follow-up weeks later reflect a different
 *   disease state and must not be silently used.
 */
import type { MedplumClient } from '@medplum/core';
import type { ImagingStudy, Observation, Patient, Procedure } from '@medplum/fhirtypes';
import { TaceError, type ClinicalInputs, type ProcedureRef } from '@tace/common';
import {
  DICOM_UID_SYSTEM,
  LOCAL_CLINICAL_SYSTEM,
  LOINC,
  LOINC_AFP_MASS,
  LOINC_AFP_UNITS,
  LOINC_TUMOUR_SIZE,
  NODULE_COUNT_CODE,
  SNOMED,
  TACE_PROCEDURE_CODE,
} from './codes.ts';
import { afpNgPerMl, fhirDateEndMs, fhirDateMs, hasCoding, latestInWindow, noduleCount, tumourSizeMm, windowBounds } from './observations.ts';
import { patientIdOf } from './reference.ts';
import { isNotFound, withFhirRetry, type RetryOptions } from './retry.ts';

export interface ClinicalConfig {
  /** ng/mL per [IU]/mL for LOINC 19176-7 (assay-specific, e.g. 1.21 for the WHO 72/225 standard). Unset: IU values are refused. */
  afpIuPerMlToNgPerMl?: number;
  /** Coding of the nodule-count Observation (no LOINC code exists). Default: local system, code `nodule-count`. */
  noduleCoding?: { system: string; code: string };
  /** Days before the TACE date an Observation may be (default 30). */
  windowDaysBefore?: number;
  /** Days after the TACE date an Observation may be (default 7). */
  windowDaysAfter?: number;
}

export const DEFAULT_CLINICAL_CONFIG: Required<Omit<ClinicalConfig, 'afpIuPerMlToNgPerMl'>> = {
  noduleCoding: { system: LOCAL_CLINICAL_SYSTEM, code: NODULE_COUNT_CODE },
  windowDaysBefore: 30,
  windowDaysAfter: 7,
};

export interface ClinicalContext {
  /** "Patient/<id>" (a conditional "Patient?identifier=…" input is resolved to the id). */
  patientRef: string;
  /** The Patient resource (its identifiers, birth date and sex are checked against the study's). */
  patient: Patient;
  procedure: ProcedureRef;
  clinical: ClinicalInputs;
  /** "ImagingStudy/<id>" when a study UID was given and the server holds that ImagingStudy. */
  imagingStudyRef?: string;
  /** Started time of that ImagingStudy, if recorded. */
  imagingStudyStarted?: string;
  /** The Observations whose values are in `clinical` (AFP, size, nodules), in that order. */
  observationRefs: string[];
}

/** Date a Procedure was performed: performedDateTime, else performedPeriod.start. */
export function procedureDate(p: Procedure): string | undefined {
  return p.performedDateTime ?? p.performedPeriod?.start;
}

export function isCompletedTace(p: Procedure): boolean {
  return p.status === 'completed' && hasCoding(p.code, SNOMED, TACE_PROCEDURE_CODE);
}

/**
 * The latest completed TACE Procedure of the patient (optionally: on or before `beforeOrAt`),
 * or undefined. Filters again on the client: servers differ in what their token search matches.
 */
export async function findTaceProcedure(client: MedplumClient, patientRef: string, beforeOrAt?: string): Promise<ProcedureRef | undefined> {
  const procedures = await client.searchResources('Procedure', {
    subject: patientRef,
    code: `${SNOMED}|${TACE_PROCEDURE_CODE}`,
    _count: '200',
  });
  // A date-only study start counts to the end of that day: a CT on the day of the TACE follows it.
  const limitMs = beforeOrAt ? fhirDateEndMs(beforeOrAt) : Number.POSITIVE_INFINITY;
  let best: { ref: ProcedureRef; ms: number } | undefined;
  for (const p of procedures) {
    const date = procedureDate(p);
    if (!isCompletedTace(p) || !date) continue;
    const ms = fhirDateMs(date);
    if (ms > limitMs) continue;
    if (!best || ms > best.ms) best = { ref: { reference: `Procedure/${p.id}`, performedDateTime: date }, ms };
  }
  return best?.ref;
}

/** The ImagingStudy with this StudyInstanceUID (identifier `urn:dicom:uid|urn:oid:<uid>`), if any. */
export async function findImagingStudy(client: MedplumClient, studyInstanceUid: string): Promise<ImagingStudy | undefined> {
  const found = await client.searchResources('ImagingStudy', { identifier: `${DICOM_UID_SYSTEM}|urn:oid:${studyInstanceUid}` });
  return found[0];
}

async function resolvePatient(client: MedplumClient, patientRef: string): Promise<Patient> {
  const notFound = (): TaceError =>
    new TaceError('FHIR_PATIENT_NOT_FOUND', 'Patient not found on the FHIR server', { httpStatus: 404 });
  if (patientRef.startsWith('Patient?')) {
    const found = await client.searchResources('Patient', patientRef.slice('Patient?'.length));
    if (found.length !== 1) throw notFound();
    return found[0];
  }
  const id = patientIdOf(patientRef);
  try {
    const p = await client.readResource('Patient', id);
    // A server that normalises odd paths may answer with another resource: trust only an exact id.
    if (p.resourceType !== 'Patient' || p.id !== id) throw notFound();
    return p;
  } catch (e) {
    if (isNotFound(e)) throw notFound();
    throw e;
  }
}

function codeParam(system: string, ...codes: string[]): string {
  return codes.map((c) => `${system}|${c}`).join(',');
}

async function observations(client: MedplumClient, patientRef: string, code: string, bounds: { fromMs: number; toMs: number }): Promise<Observation[]> {
  // The date filter is a server-side pre-filter (one day of slack each side for date-only values);
  // latestInWindow() applies the exact window.
  const params = new URLSearchParams({ subject: patientRef, code, _count: '200' });
  params.append('date', `ge${new Date(bounds.fromMs - 86_400_000).toISOString().slice(0, 10)}`);
  params.append('date', `le${new Date(bounds.toMs + 86_400_000).toISOString().slice(0, 10)}`);
  return client.searchResources('Observation', params);
}

/**
 * Reads the TACE procedure and the clinical covariates for one patient.
 * Errors (TaceError codes): FHIR_PATIENT_NOT_FOUND (404), FHIR_TACE_PROCEDURE_MISSING,
 * FHIR_AFP_MISSING, FHIR_AFP_UNIT_UNKNOWN, FHIR_TUMOUR_SIZE_MISSING, FHIR_TUMOUR_SIZE_UNIT_UNKNOWN,
 * FHIR_NODULES_MISSING, FHIR_NODULES_INVALID, FHIR_UNAVAILABLE (retryable: network, 5xx, 429).
 * Reads are retried (opts.retries, default 2) before FHIR_UNAVAILABLE is raised.
 */
export async function resolveClinicalContext(
  client: MedplumClient,
  patientRef: string,
  cfg: ClinicalConfig,
  opts: { studyInstanceUid?: string } & RetryOptions = {},
): Promise<ClinicalContext> {
  const retry: RetryOptions = { retries: opts.retries ?? 2, backoffMs: opts.backoffMs ?? 200, onRetry: opts.onRetry };
  return withFhirRetry('reading clinical inputs', () => resolveOnce(client, patientRef, cfg, opts.studyInstanceUid), retry);
}

async function resolveOnce(client: MedplumClient, patientInput: string, cfg: ClinicalConfig, studyInstanceUid?: string): Promise<ClinicalContext> {
  const patient = await resolvePatient(client, patientInput);
  const patientRef = `Patient/${patient.id}`;

  let study: ImagingStudy | undefined;
  if (studyInstanceUid) {
    study = await findImagingStudy(client, studyInstanceUid);
    // A study of another patient must not be combined with this patient's data.
    if (study && study.subject?.reference !== patientRef) {
      throw new TaceError('FHIR_STUDY_PATIENT_MISMATCH', 'The ImagingStudy with this StudyInstanceUID belongs to another patient', { httpStatus: 409 });
    }
  }
  const procedure = await findTaceProcedure(client, patientRef, study?.started);
  if (!procedure) {
    throw new TaceError(
      'FHIR_TACE_PROCEDURE_MISSING',
      `No completed TACE Procedure (SNOMED CT ${TACE_PROCEDURE_CODE})${study?.started ? ' on or before the study date' : ''} for this patient`,
    );
  }

  const bounds = windowBounds(procedure.performedDateTime, {
    daysBefore: cfg.windowDaysBefore ?? DEFAULT_CLINICAL_CONFIG.windowDaysBefore,
    daysAfter: cfg.windowDaysAfter ?? DEFAULT_CLINICAL_CONFIG.windowDaysAfter,
  });
  const windowText = `in the window TACE −${cfg.windowDaysBefore ?? DEFAULT_CLINICAL_CONFIG.windowDaysBefore}/+${cfg.windowDaysAfter ?? DEFAULT_CLINICAL_CONFIG.windowDaysAfter} days`;
  const nodule = cfg.noduleCoding ?? DEFAULT_CLINICAL_CONFIG.noduleCoding;

  const [afpObs, sizeObs, noduleObs] = await Promise.all([
    observations(client, patientRef, codeParam(LOINC, LOINC_AFP_MASS, LOINC_AFP_UNITS), bounds),
    observations(client, patientRef, codeParam(LOINC, LOINC_TUMOUR_SIZE), bounds),
    observations(client, patientRef, codeParam(nodule.system, nodule.code), bounds),
  ]);

  const afp = latestInWindow(
    afpObs.filter((o) => hasCoding(o.code, LOINC, LOINC_AFP_MASS) || hasCoding(o.code, LOINC, LOINC_AFP_UNITS)),
    bounds,
  );
  if (!afp) throw new TaceError('FHIR_AFP_MISSING', `No AFP Observation (LOINC ${LOINC_AFP_MASS} or ${LOINC_AFP_UNITS}) ${windowText}`);
  const size = latestInWindow(sizeObs.filter((o) => hasCoding(o.code, LOINC, LOINC_TUMOUR_SIZE)), bounds);
  if (!size) throw new TaceError('FHIR_TUMOUR_SIZE_MISSING', `No tumour size Observation (LOINC ${LOINC_TUMOUR_SIZE}) ${windowText}`);
  const nod = latestInWindow(noduleObs.filter((o) => hasCoding(o.code, nodule.system, nodule.code)), bounds);
  if (!nod) throw new TaceError('FHIR_NODULES_MISSING', `No nodule-count Observation (${nodule.system}|${nodule.code}) ${windowText}`);

  const clinical: ClinicalInputs = {
    afpNgPerMl: afpNgPerMl(afp, cfg.afpIuPerMlToNgPerMl),
    tumourSizeMm: tumourSizeMm(size),
    noduleCount: noduleCount(nod),
  };
  return {
    patientRef,
    patient,
    procedure,
    clinical,
    ...(study ? { imagingStudyRef: `ImagingStudy/${study.id}` } : {}),
    ...(study?.started ? { imagingStudyStarted: study.started } : {}),
    observationRefs: [clinical.afpNgPerMl.reference, clinical.tumourSizeMm.reference, clinical.noduleCount.reference],
  };
}

