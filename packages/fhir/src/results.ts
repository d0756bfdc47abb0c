/**
 * Results → FHIR: the model as a Device, the RiskAssessment, a Provenance and (high risk only)
 * a worklist Task, written as ONE transaction with conditional creates on identifiers.
 *
 * Idempotency: Device, RiskAssessment and Task are `POST` + `ifNoneExist: identifier=<system>|<value>`
 * (the query names no resource type: the entry's `url` carries it). Provenance has no identifier
 * element in R4, so it cannot be conditionally created portably; publishResult() therefore first
 * looks for the RiskAssessment of this run id and, if it exists, only adds what is missing (a
 * Provenance targeting it, the Task). Conditional create is not atomic under concurrency on many
 * servers (HAPI, Medplum): two concurrent publishes of the same run id can both create. Callers must
 * serialise per run id — the job layer does, since the BullMQ job id IS the run id. Within one
 * process, publishResult also chains calls per run id (see `inFlight`), so the embedded demo and
 * concurrent callers in one worker are safe even without the queue.
 */
import { buildAuditEvent, type AuditInput } from './audit.ts';
import { formatPoints } from '@tace/modeling';
import type { MedplumClient } from '@medplum/core';
import type { Bundle, BundleEntry, Device, Provenance, Reference, RiskAssessment, Task } from '@medplum/fhirtypes';
import { TaceError, type ProcedureRef } from '@tace/common';
import {
  DATA_OPERATION_SYSTEM,
  METASTASIS_OUTCOME_CODE,
  MODEL_ID_SYSTEM,
  MODEL_SHA256_SYSTEM,
  PROVENANCE_PARTICIPANT_TYPE_SYSTEM,
  RISK_PROBABILITY_DISPLAY,
  RISK_PROBABILITY_SYSTEM,
  RUN_ID_SYSTEM,
  SNOMED,
  SYNTHETIC_DEMO_NOTICE,
  TACE_RISK_CODE_SYSTEM,
  WORKLIST_TASK_SYSTEM,
} from './codes.ts';
import { withFhirRetry, type RetryOptions } from './retry.ts';

export type RiskGroup = 'low' | 'moderate' | 'high';

export interface ModelInfo {
  id: string;
  version: string;
  /** sha256 (hex) of the model weights (ONNX file). */
  weightsSha256: string;
  name: string;
  syntheticDemo: boolean;
  intendedUse: string;
}

export interface NomogramPoint {
  factor: string;
  value: number | string;
  unit?: string;
  points: number;
}

export interface ResultInput {
  /** Deterministic run id; must not contain `|` (it would break the identifier token search). */
  runId: string;
  patientRef: string;
  procedure: ProcedureRef;
  imagingStudyRef?: string;
  observationRefs: string[];
  model: ModelInfo;
  /** Predicted probability of distant metastasis, 0..1 (written as percent, see below). */
  probability: number;
  riskGroup: RiskGroup;
  points: NomogramPoint[];
  totalPoints: number;
  occurrenceDateTime: string;
}

export interface PublishedRefs {
  riskAssessment: string;
  device: string;
  provenance: string;
  task?: string;
}

/**
 * HL7 AI Transparency on FHIR: resources asserted by an AI model carry meta.security AIAST
 * ("Artificial Intelligence asserted", v3-ObservationValue); the Provenance names the model Device.
 */
export const AI_ASSERTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'AIAST', display: 'Artificial Intelligence asserted' } as const;

/** Where an audit record of the transaction says it went, and when (BALP, see audit.ts). */
export interface AuditContext {
  /** The EHR's FHIR base URL. */
  peer: string;
  recorded: string;
  service: AuditInput['service'];
}

/** Fixed urn:uuid placeholders: local to one Bundle, so constants are fine and keep the builder pure. */
const DEVICE_URN = 'urn:uuid:6f0a3c8e-0d6b-4e55-9b1a-000000000001';
const RA_URN = 'urn:uuid:6f0a3c8e-0d6b-4e55-9b1a-000000000002';
const PROVENANCE_URN = 'urn:uuid:6f0a3c8e-0d6b-4e55-9b1a-000000000003';
const TASK_URN = 'urn:uuid:6f0a3c8e-0d6b-4e55-9b1a-000000000004';

/** Device identifier value: `<model id>@<version>` (`|` refused, see validate). */
export function modelIdentifierValue(model: ModelInfo): string {
  return `${model.id}@${model.version}`;
}

function validate(input: ResultInput): void {
  const bad = (field: string, why: string): TaceError =>
    new TaceError('FHIR_RESULT_INVALID', `Result field ${field} ${why}`, { httpStatus: 400, detail: { field } });
  if (!input.runId || input.runId.includes('|')) throw bad('runId', 'must be non-empty and must not contain "|" (FHIR token search separator)');
  if (input.model.id.includes('|') || input.model.version.includes('|')) throw bad('model.id/version', 'must not contain "|"');
  if (!(input.probability >= 0 && input.probability <= 1)) throw bad('probability', 'must be within 0..1');
  if (!/^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(input.patientRef)) throw bad('patientRef', 'must be Patient/<id>');
  if (!/^[0-9a-f]{64}$/i.test(input.model.weightsSha256)) throw bad('model.weightsSha256', 'must be 64 hex digits');
}

/**
 * FHIR R4 RiskAssessment.prediction.probabilityDecimal is a PERCENTAGE (0–100), per the R4 spec
 * ("indicates the probability … as a percentage"). Rounded to 1e-6 % to drop float noise.
 */
export function probabilityPercent(probability: number): number {
  return Math.round(probability * 100 * 1e6) / 1e6;
}

/**
 * Points as people read them off the nomogram: whole points, rounded as rms's print.nomogram does
 * (R's round, half to even) — never 14 digits; values to 4 significant digits.
 */
function formatPoint(p: NomogramPoint): string {
  const value = typeof p.value === 'number' ? String(Number(p.value.toPrecision(4))) : p.value;
  return `${p.factor} = ${value}${p.unit ? ` ${p.unit}` : ''}: ${formatPoints([p.points])[0]} points`;
}

export function buildDevice(model: ModelInfo): Device {
  return {
    resourceType: 'Device',
    status: 'active',
    identifier: [
      { system: MODEL_ID_SYSTEM, value: modelIdentifierValue(model) },
      { system: MODEL_SHA256_SYSTEM, value: model.weightsSha256.toLowerCase() },
    ],
    deviceName: [{ name: model.name, type: 'model-name' }],
    modelNumber: model.id,
    version: [{ value: model.version }],
    type: { text: 'Software: post-TACE distant-metastasis risk model (radiomics + deep learning + clinical nomogram)' },
    property: [
      {
        type: { coding: [{ system: TACE_RISK_CODE_SYSTEM, code: 'weights-sha256', display: 'SHA-256 of the model weights' }] },
        valueCode: [{ text: model.weightsSha256.toLowerCase() }],
      },
    ],
    note: [
      { text: `Intended use: ${model.intendedUse}` },
      { text: `Model weights sha256: ${model.weightsSha256.toLowerCase()}` },
      ...(model.syntheticDemo ? [{ text: SYNTHETIC_DEMO_NOTICE }] : []),
    ],
  };
}

function buildRiskAssessment(input: ResultInput, deviceRef: string): RiskAssessment {
  const { model } = input;
  const basis: Reference[] = [
    ...(input.imagingStudyRef ? [{ reference: input.imagingStudyRef }] : []),
    ...input.observationRefs.map((reference) => ({ reference })),
  ];
  const pointsText = `Nomogram points: ${input.points.map(formatPoint).join('; ')}; total ${formatPoints([input.totalPoints])[0]} points.`;
  return {
    resourceType: 'RiskAssessment',
    meta: { security: [{ ...AI_ASSERTED }] },
    status: 'final',
    identifier: [{ system: RUN_ID_SYSTEM, value: input.runId }],
    subject: { reference: input.patientRef },
    occurrenceDateTime: input.occurrenceDateTime,
    parent: { reference: input.procedure.reference },
    basis,
    method: {
      coding: [{ system: MODEL_ID_SYSTEM, code: modelIdentifierValue(model), display: `${model.name} ${model.version}` }],
      text: `Model ${model.id} version ${model.version}: DLR (radiomics + deep learning) fused with tumour size, nodule count and AFP in a logistic nomogram`,
    },
    performer: { reference: deviceRef },
    prediction: [
      {
        outcome: {
          coding: [{ system: SNOMED, code: METASTASIS_OUTCOME_CODE, display: 'Secondary malignant neoplastic disease (disorder)' }],
          text: 'Distant metastasis after TACE',
        },
        probabilityDecimal: probabilityPercent(input.probability),
        qualitativeRisk: {
          coding: [{ system: RISK_PROBABILITY_SYSTEM, code: input.riskGroup, display: RISK_PROBABILITY_DISPLAY[input.riskGroup] }],
        },
        rationale: pointsText,
      },
    ],
    note: [
      { text: `Model ${model.id} version ${model.version}. probabilityDecimal is a percentage (0-100) as FHIR R4 specifies.` },
      ...(model.syntheticDemo ? [{ text: SYNTHETIC_DEMO_NOTICE }] : []),
    ],
  };
}

function buildProvenance(input: ResultInput, raRef: string, deviceRef: string): Provenance {
  const sources = [input.procedure.reference, ...(input.imagingStudyRef ? [input.imagingStudyRef] : []), ...input.observationRefs];
  return {
    resourceType: 'Provenance',
    target: [{ reference: raRef }],
    recorded: input.occurrenceDateTime,
    activity: { coding: [{ system: DATA_OPERATION_SYSTEM, code: 'CREATE', display: 'create' }] },
    agent: [
      {
        type: { coding: [{ system: PROVENANCE_PARTICIPANT_TYPE_SYSTEM, code: 'performer', display: 'Performer' }] },
        who: { reference: deviceRef },
      },
    ],
    entity: sources.map((reference) => ({ role: 'source', what: { reference } })),
  };
}

function buildTask(input: ResultInput, raRef: string, deviceRef: string): Task {
  return {
    resourceType: 'Task',
    meta: { security: [{ ...AI_ASSERTED }] },
    identifier: [{ system: WORKLIST_TASK_SYSTEM, value: input.runId }],
    status: 'requested',
    intent: 'order',
    priority: 'urgent',
    code: {
      coding: [{ system: TACE_RISK_CODE_SYSTEM, code: 'review-high-metastasis-risk', display: 'Review high post-TACE distant-metastasis risk' }],
      text: 'Radiology worklist: review high post-TACE distant-metastasis risk',
    },
    description: `High predicted risk of distant metastasis after TACE (${probabilityPercent(input.probability)} %, model ${input.model.id} ${input.model.version}); please review.`,
    focus: { reference: raRef },
    for: { reference: input.patientRef },
    authoredOn: input.occurrenceDateTime,
    requester: { reference: deviceRef },
  };
}

/** BALP create AuditEvents for resources the transaction creates (same transaction: both or neither). */
function auditEntries(input: ResultInput, audit: AuditContext | undefined, created: Array<{ what: string }>): BundleEntry[] {
  if (!audit) return [];
  return created.map(({ what }) => ({
    resource: buildAuditEvent({ interaction: 'create', patient: { reference: input.patientRef }, what: { reference: what }, recorded: audit.recorded, service: audit.service, peer: audit.peer }),
    request: { method: 'POST', url: 'AuditEvent' },
  }));
}

function conditional(system: string, value: string): string {
  return `identifier=${system}|${value}`;
}

/**
 * The full transaction for a first publish: Device, RiskAssessment, Provenance and (high risk) Task,
 * linked by urn:uuid references. Pure: the same input gives the same Bundle.
 */
export function buildResultTransaction(input: ResultInput, audit?: AuditContext): Bundle {
  validate(input);
  const entries: BundleEntry[] = [
    {
      fullUrl: DEVICE_URN,
      resource: buildDevice(input.model),
      request: { method: 'POST', url: 'Device', ifNoneExist: conditional(MODEL_ID_SYSTEM, modelIdentifierValue(input.model)) },
    },
    {
      fullUrl: RA_URN,
      resource: buildRiskAssessment(input, DEVICE_URN),
      request: { method: 'POST', url: 'RiskAssessment', ifNoneExist: conditional(RUN_ID_SYSTEM, input.runId) },
    },
    { fullUrl: PROVENANCE_URN, resource: buildProvenance(input, RA_URN, DEVICE_URN), request: { method: 'POST', url: 'Provenance' } },
  ];
  if (input.riskGroup === 'high') {
    entries.push({
      fullUrl: TASK_URN,
      resource: buildTask(input, RA_URN, DEVICE_URN),
      request: { method: 'POST', url: 'Task', ifNoneExist: conditional(WORKLIST_TASK_SYSTEM, input.runId) },
    });
  }
  // audit records after the audited entries (so entries[0..3] stay the Device, RA, Provenance, Task)
  entries.push(...auditEntries(input, audit, [{ what: RA_URN }, { what: PROVENANCE_URN }, ...(input.riskGroup === 'high' ? [{ what: TASK_URN }] : [])]));
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

function locationRef(entry: BundleEntry | undefined, resourceType: string): string {
  const loc = entry?.response?.location ?? (entry?.resource?.id ? `${resourceType}/${entry.resource.id}` : undefined);
  if (!loc) throw new TaceError('FHIR_TRANSACTION_RESPONSE_INVALID', `Transaction response has no location for the ${resourceType}`, { httpStatus: 502, retryable: true });
  // "RiskAssessment/123/_history/1" or an absolute URL → "RiskAssessment/123".
  const m = new RegExp(`${resourceType}/[^/]+`).exec(loc);
  if (!m) throw new TaceError('FHIR_TRANSACTION_RESPONSE_INVALID', `Unexpected location for the ${resourceType}`, { httpStatus: 502, retryable: true });
  return m[0];
}

async function publishOnce(client: MedplumClient, input: ResultInput, service: AuditInput['service']): Promise<PublishedRefs> {
  const audit: AuditContext = { peer: client.getBaseUrl(), recorded: new Date().toISOString(), service };
  const existing = await client.searchResources('RiskAssessment', { identifier: `${RUN_ID_SYSTEM}|${input.runId}` });
  if (existing.length === 0) {
    const bundle = buildResultTransaction(input, audit);
    const res = await client.executeBatch(bundle);
    const entries = res.entry ?? [];
    return {
      device: locationRef(entries[0], 'Device'),
      riskAssessment: locationRef(entries[1], 'RiskAssessment'),
      provenance: locationRef(entries[2], 'Provenance'),
      ...(input.riskGroup === 'high' ? { task: locationRef(entries[3], 'Task') } : {}),
    };
  }
  // Already published (a retry after a lost response, or a replayed job): complete what is missing.
  const ra = existing[0];
  const raRef = `RiskAssessment/${ra.id}`;
  const provenances = await client.searchResources('Provenance', { target: raRef });
  const deviceEntry: BundleEntry = {
    fullUrl: DEVICE_URN,
    resource: buildDevice(input.model),
    request: { method: 'POST', url: 'Device', ifNoneExist: conditional(MODEL_ID_SYSTEM, modelIdentifierValue(input.model)) },
  };
  // The RiskAssessment names its Device; the conditional Device entry only serves a (foreign) one without performer.
  const deviceRef = ra.performer?.reference ?? DEVICE_URN;
  const entries: BundleEntry[] = [];
  if (provenances.length === 0) {
    entries.push({ fullUrl: PROVENANCE_URN, resource: buildProvenance(input, raRef, deviceRef), request: { method: 'POST', url: 'Provenance' } });
  }
  // the Task only when it is missing: a create (and its audit record) is written only for what is created
  const tasks = input.riskGroup === 'high' ? await client.searchResources('Task', { identifier: `${WORKLIST_TASK_SYSTEM}|${input.runId}` }) : [];
  if (input.riskGroup === 'high' && tasks.length === 0) {
    entries.push({
      fullUrl: TASK_URN,
      resource: buildTask(input, raRef, deviceRef),
      request: { method: 'POST', url: 'Task', ifNoneExist: conditional(WORKLIST_TASK_SYSTEM, input.runId) },
    });
  }
  if (!ra.performer?.reference) entries.unshift(deviceEntry);
  entries.push(...auditEntries(input, audit, entries.filter((e) => e.fullUrl === PROVENANCE_URN || e.fullUrl === TASK_URN).map((e) => ({ what: e.fullUrl as string }))));
  const res = entries.length > 0 ? await client.executeBatch({ resourceType: 'Bundle', type: 'transaction', entry: entries }) : undefined;
  const out = res?.entry ?? [];
  const at = (fullUrl: string): BundleEntry | undefined => out[entries.findIndex((e) => e.fullUrl === fullUrl)];
  return {
    riskAssessment: raRef,
    device: ra.performer?.reference ?? locationRef(at(DEVICE_URN), 'Device'),
    provenance: provenances.length > 0 ? `Provenance/${provenances[0].id}` : locationRef(at(PROVENANCE_URN), 'Provenance'),
    ...(input.riskGroup === 'high' ? { task: tasks.length > 0 ? `Task/${tasks[0].id}` : locationRef(at(TASK_URN), 'Task') } : {}),
  };
}

/**
 * Publishes one result, idempotently (see the file comment), retrying transient failures
 * (network, 5xx, 429) with exponential backoff; after the retries, `FHIR_UNAVAILABLE`.
 * Defaults: 4 retries, 200 ms first backoff (0.2 + 0.4 + 0.8 + 1.6 s ≈ 3 s worst case).
 */
export async function publishResult(client: MedplumClient, input: ResultInput, opts: RetryOptions & { service?: AuditInput['service'] } = {}): Promise<PublishedRefs> {
  validate(input);
  const previous = inFlight.get(input.runId) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => withFhirRetry('publishing the result', () => publishOnce(client, input, opts.service ?? 'results'), opts));
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  inFlight.set(input.runId, settled);
  void settled.then(() => {
    if (inFlight.get(input.runId) === settled) inFlight.delete(input.runId);
  });
  return run;
}

/** Per-run-id chain of publishes in this process (conditional create is not atomic: never overlap two). */
const inFlight = new Map<string, Promise<void>>();
