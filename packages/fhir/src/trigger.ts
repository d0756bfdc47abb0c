/**
 * Which incoming resources (rest-hook Subscription notifications) start a scoring run.
 *
 * - A Procedure with SNOMED CT 441525007 (TACE) and status `completed`.
 * - An ImagingStudy with status `available` (and CT among its modalities, when it lists any).
 *   Whether the study is post-TACE is not decidable from the resource alone: it is, when the
 *   patient has a completed TACE Procedure dated on or before the study's `started`. The run
 *   checks that when it resolves the clinical context (resolveClinicalContext with the study UID
 *   picks the latest completed TACE on or before `started`, and fails with
 *   FHIR_TACE_PROCEDURE_MISSING if there is none); `findPostTaceProcedure` answers it up front.
 */
import type { MedplumClient } from '@medplum/core';
import type { ImagingStudy, Resource } from '@medplum/fhirtypes';
import type { ProcedureRef } from '@tace/common';
import { findTaceProcedure, isCompletedTace } from './clinical.ts';
import { DICOM_UID_SYSTEM } from './codes.ts';

export interface TaceTrigger {
  kind: 'procedure' | 'imagingStudy';
  patientRef: string;
  studyInstanceUid?: string;
}

/** The DICOM StudyInstanceUID of an ImagingStudy (identifier urn:dicom:uid, value urn:oid:<uid>). */
export function studyInstanceUidOf(study: ImagingStudy): string | undefined {
  const v = study.identifier?.find((i) => i.system === DICOM_UID_SYSTEM)?.value;
  return v?.startsWith('urn:oid:') ? v.slice('urn:oid:'.length) : v;
}

function patientOf(ref: string | undefined): string | undefined {
  return ref && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(ref) ? ref : undefined;
}

export function isTaceTrigger(resource: Resource): TaceTrigger | undefined {
  if (resource.resourceType === 'Procedure') {
    const patientRef = patientOf(resource.subject?.reference);
    return patientRef && isCompletedTace(resource) ? { kind: 'procedure', patientRef } : undefined;
  }
  if (resource.resourceType === 'ImagingStudy') {
    const patientRef = patientOf(resource.subject?.reference);
    if (!patientRef || resource.status !== 'available') return undefined;
    const modalities = [...(resource.modality ?? []), ...(resource.series ?? []).map((s) => s.modality)];
    if (modalities.length > 0 && !modalities.some((m) => m.code === 'CT')) return undefined;
    const uid = studyInstanceUidOf(resource);
    return { kind: 'imagingStudy', patientRef, ...(uid ? { studyInstanceUid: uid } : {}) };
  }
  return undefined;
}

/** The TACE this study follows (latest completed TACE on or before `started`), or undefined. */
export async function findPostTaceProcedure(client: MedplumClient, study: ImagingStudy): Promise<ProcedureRef | undefined> {
  const patientRef = patientOf(study.subject?.reference);
  if (!patientRef || !study.started) return undefined;
  return findTaceProcedure(client, patientRef, study.started);
}
