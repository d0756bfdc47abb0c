/** Queue names and typed job payloads. Payloads carry keys, never pixel data. */
export const QUEUES = { ingest: 'tace-ingest', infer: 'tace-infer', publish: 'tace-publish' } as const;
export type StageName = keyof typeof QUEUES;

/** What a client (REST, rest-hook, CDS Hooks) asked for; kept with the run so it can be replayed. */
export interface AssessmentRequest {
  patientReference: string;
  studyInstanceUid: string;
  segmentationSopInstanceUid?: string;
  /** Where the request came from, for audit. */
  trigger: 'rest' | 'fhir-subscription' | 'cds-hooks' | 'cli' | 'demo' | 'dicom-stable';
  /** Who asked: the token subject of a REST caller (not part of the run id: the first asker is kept). */
  requestedBy?: string;
}

export interface IngestJob { runId: string }
export interface InferJob { runId: string; caseKey: string }
export interface PublishJob { runId: string }
