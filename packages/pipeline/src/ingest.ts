import type { MedplumClient } from '@medplum/core';
import { TaceError, type Logger } from '@tace/common';
import { cropToRoi, loadCtVolume, rtstructToLabelMap, segToLabelMap, selectCtAndSegmentation, sourceStudyHeader, studyPatient, type SeriesRules, type StudySource } from '@tace/dicom';
import { resolveClinicalContext, type ClinicalConfig } from '@tace/fhir';
import type { CaseBundle, DirCaseStore, RunContext, RunRecord } from '@tace/jobs';
import { checkPatientIdentity, type IdentityCheck, type IdentityConfig } from './identity.ts';

export interface IngestDeps {
  fhir: MedplumClient;
  studies: StudySource;
  cases: DirCaseStore;
  clinical: ClinicalConfig;
  cropMarginMm: number;
  /** How the study's PatientID is matched to the FHIR Patient (TACE_PATIENT_ID_SYSTEMS / _ISSUERS). */
  identity: IdentityConfig;
  log: Logger;
  /** Which series may be scored (TACE_SERIES_*); `afterTace` adds "acquired on or after the TACE date". */
  seriesRules?: SeriesRules & { afterTace?: boolean };
  /** A gantry-tilted series: resample (default) or refuse (TACE_GANTRY_TILT). */
  gantryTilt?: 'resample' | 'refuse';
}

/** The series rules of a run: the configured ones, with the TACE date filled in. */
export function runSeriesRules(cfg: IngestDeps['seriesRules'], tacePerformed: string | undefined): SeriesRules {
  const { afterTace, ...rules } = cfg ?? {};
  const day = tacePerformed?.slice(0, 10).replaceAll('-', '');
  return { ...rules, ...(afterTace && day && /^\d{8}$/.test(day) ? { acquiredOnOrAfter: day } : {}) };
}

export interface IngestTimings {
  fhirMs: number;
  dicomMs: number;
  storeMs: number;
}

/**
 * Ingest one run: clinical inputs from FHIR, CT volume + tumour mask from the study, ROI crop,
 * case bundle written to the case store. Returns the case key. Every failure is a TaceError
 * with a stable code (FHIR_AFP_MISSING, DICOM_NO_SEGMENTATION, IDENTITY_PATIENT_MISMATCH, …).
 */
export async function ingestCase(deps: IngestDeps, rec: RunRecord): Promise<{ caseKey: string; context: RunContext; identity: IdentityCheck; timings: IngestTimings }> {
  const { request } = rec;
  const t0 = performance.now();
  const ctx = await resolveClinicalContext(deps.fhir, request.patientReference, deps.clinical, { studyInstanceUid: request.studyInstanceUid });
  const t1 = performance.now();

  const study = await deps.studies.getStudy(request.studyInstanceUid);
  // Before any rule is applied or pixel read: the images, the segmentation and the FHIR Patient
  // are one patient (a study of another patient must say so, not "no eligible series").
  if (ctx.patientRef !== request.patientReference) {
    throw new TaceError('IDENTITY_PATIENT_MISMATCH', 'The FHIR server resolved the request to another Patient than the one asked for', { httpStatus: 409 });
  }
  const unruled = selectCtAndSegmentation(study, { segmentationSopInstanceUid: request.segmentationSopInstanceUid });
  const identity = checkPatientIdentity(studyPatient(unruled.ct, unruled.seg, request.studyInstanceUid), ctx.patient, deps.identity);
  const sel = selectCtAndSegmentation(study, {
    segmentationSopInstanceUid: request.segmentationSopInstanceUid,
    rules: runSeriesRules(deps.seriesRules, ctx.procedure?.performedDateTime),
  });
  // The rules may prefer another segmentation of the study: it must be the same patient too.
  if (sel.seg !== unruled.seg) checkPatientIdentity(studyPatient(sel.ct, sel.seg, request.studyInstanceUid), ctx.patient, deps.identity);
  // The CT files' pixels are not read again: free each as its slices land in the volume.
  const ct = loadCtVolume(sel.ct, { gantryTilt: deps.gantryTilt ?? 'resample', releasePixelData: true });
  const mask = sel.kind === 'SEG' ? segToLabelMap(sel.seg, ct, { segmentNumber: sel.segmentNumber }) : rtstructToLabelMap(sel.seg, ct, sel.segmentNumber);
  const crop = cropToRoi(ct, mask, deps.cropMarginMm);
  const t2 = performance.now();

  if (!(crop.volume.data instanceof Float32Array)) throw new TaceError('INTERNAL_ERROR', 'CT volume is not Float32');
  const bundle: CaseBundle = {
    runId: rec.runId,
    image: { size: crop.volume.size, spacingMm: crop.volume.spacingMm, originMm: crop.volume.originMm, direction: crop.volume.direction, data: crop.volume.data },
    mask: crop.mask,
    clinical: ctx.clinical,
    procedure: ctx.procedure,
    patientReference: ctx.patientRef,
    ...(ctx.imagingStudyRef ? { imagingStudyReference: ctx.imagingStudyRef } : {}),
    observationReferences: ctx.observationRefs,
    source: {
      studyInstanceUid: request.studyInstanceUid,
      seriesInstanceUid: sel.ct[0]?.seriesInstanceUid ?? '',
      segmentationSopInstanceUid: sel.seg.sopInstanceUid,
      segmentNumber: sel.segmentNumber,
      cropOffset: crop.offset,
      selection: sel.selection.summary,
      ...(ct.tiltResampled ? { gantryTiltResampledDeg: ct.tiltResampled.tiltDeg } : {}),
      header: sourceStudyHeader(sel.ct[0]!, sel.seg, sel.segmentNumber, ct.sliceSopInstanceUids.slice(crop.offset[2], crop.offset[2] + crop.volume.size[2])),
    },
  };
  const caseKey = await deps.cases.put(bundle);
  const t3 = performance.now();
  const context: RunContext = {
    patientRef: ctx.patientRef,
    procedure: ctx.procedure,
    ...(ctx.imagingStudyRef ? { imagingStudyRef: ctx.imagingStudyRef } : {}),
    observationRefs: ctx.observationRefs,
  };
  return { caseKey, context, identity, timings: { fhirMs: t1 - t0, dicomMs: t2 - t1, storeMs: t3 - t2 } };
}
