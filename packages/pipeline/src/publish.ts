import type { MedplumClient } from '@medplum/core';
import { TaceError } from '@tace/common';
import { publishResult, type ModelInfo, type NomogramPoint, type PublishedRefs, type RiskGroup } from '@tace/fhir';
import type { RunRecord } from '@tace/jobs';

/** The part of a stored score the publisher needs (written by the inference stage). */
export interface PublishableScore {
  probability: number;
  riskGroup: RiskGroup;
  /** With the clinical value before the model's transform (AFP in ng/mL) where one applies: the SR reports it. */
  points: Array<NomogramPoint & { inputValue?: number; inputUnit?: string }>;
  totalPoints: number;
  model: ModelInfo;
  scoredAt: string;
}

export function asPublishable(r: Record<string, unknown> | undefined): PublishableScore {
  const s = r as Partial<PublishableScore> | undefined;
  if (!s || typeof s.probability !== 'number' || !s.riskGroup || !s.model || !Array.isArray(s.points)) {
    throw new TaceError('RUN_RESULT_MISSING', 'the run has no score to publish; replay it from the inference stage');
  }
  return s as PublishableScore;
}

/**
 * Write the result to the EHR as one FHIR transaction (Device, RiskAssessment, Provenance and,
 * for high risk, a worklist Task), conditional on the run id: replaying it cannot duplicate.
 * Retried with backoff on 5xx; the queue retries again above that.
 */
export async function publishRun(deps: { fhir: MedplumClient; retries?: number; backoffMs?: number }, rec: RunRecord): Promise<PublishedRefs> {
  const score = asPublishable(rec.result);
  const ctx = rec.context;
  if (!ctx) throw new TaceError('RUN_CONTEXT_MISSING', 'the run has no FHIR context; replay it from ingestion');
  return publishResult(
    deps.fhir,
    {
      runId: rec.runId,
      patientRef: ctx.patientRef,
      procedure: ctx.procedure,
      ...(ctx.imagingStudyRef ? { imagingStudyRef: ctx.imagingStudyRef } : {}),
      observationRefs: ctx.observationRefs,
      model: score.model,
      probability: score.probability,
      riskGroup: score.riskGroup,
      points: score.points,
      totalPoints: score.totalPoints,
      occurrenceDateTime: score.scoredAt,
    },
    { retries: deps.retries ?? 4, backoffMs: deps.backoffMs ?? 250 },
  );
}
