/**
 * Retraction of a published result: the RiskAssessment becomes `entered-in-error`, the worklist
 * Task (if any) `cancelled`, and a Provenance records who did it and why (activity NULLIFY of
 * v3-DataOperation, the caller as author, the reason as text) — in one transaction, so the EHR
 * never holds a retracted assessment without its Provenance or the reverse. Each update carries
 * the version read (If-Match), so a concurrent change is not overwritten.
 */
import { buildAuditEvent } from './audit.ts';
import type { MedplumClient } from '@medplum/core';
import type { Bundle, BundleEntry, Provenance, RiskAssessment, Task } from '@medplum/fhirtypes';
import { TaceError } from '@tace/common';
import { DATA_OPERATION_SYSTEM, PROVENANCE_PARTICIPANT_TYPE_SYSTEM, TACE_RISK_CODE_SYSTEM } from './codes.ts';
import { withFhirRetry, type RetryOptions } from './retry.ts';

export interface RetractionInput {
  /** The EHR's FHIR base, for the BALP audit records written in the same transaction (omit: none). */
  auditPeer?: string;
  /** The service writing the retraction (the audit record's observer; default ingestion, where the retract route is). */
  auditService?: 'ingestion' | 'results' | 'inference-worker';
  riskAssessmentRef: string;
  taskRef?: string;
  /** The authenticated caller (token subject) and, when known, the token's issuer. */
  by: { sub: string; issuer?: string };
  reason: string;
  at: string;
}

/** The identifier system naming the callers of this service (the token issuer, else local). */
const CALLER_SYSTEM = `${TACE_RISK_CODE_SYSTEM.replace(/CodeSystem\/.*$/, '')}caller`;

function versioned(ref: string, r: { meta?: { versionId?: string } }): string {
  return r.meta?.versionId ? `${ref}/_history/${r.meta.versionId}` : ref;
}

function update<T extends RiskAssessment | Task>(ref: string, resource: T): BundleEntry {
  return { resource, request: { method: 'PUT', url: ref, ...(resource.meta?.versionId ? { ifMatch: `W/"${resource.meta.versionId}"` } : {}) } };
}

export function buildRetractionTransaction(input: RetractionInput, ra: RiskAssessment, task?: Task): Bundle {
  const entries: BundleEntry[] = [update(input.riskAssessmentRef, { ...ra, status: 'entered-in-error' })];
  const taskUpdated = Boolean(task && input.taskRef && task.status !== 'cancelled' && task.status !== 'completed');
  if (task && input.taskRef && taskUpdated) {
    entries.push(update(input.taskRef, { ...task, status: 'cancelled', statusReason: { text: `Risk assessment retracted: ${input.reason}` } }));
  }
  const provenance: Provenance = {
    resourceType: 'Provenance',
    target: [{ reference: versioned(input.riskAssessmentRef, ra) }, ...(task && input.taskRef ? [{ reference: input.taskRef }] : [])],
    recorded: input.at,
    activity: { coding: [{ system: DATA_OPERATION_SYSTEM, code: 'NULLIFY', display: 'nullify' }], text: 'Risk assessment retracted (entered in error)' },
    reason: [{ text: input.reason }],
    agent: [
      {
        type: { coding: [{ system: PROVENANCE_PARTICIPANT_TYPE_SYSTEM, code: 'author', display: 'Author' }] },
        who: { identifier: { system: input.by.issuer ?? CALLER_SYSTEM, value: input.by.sub }, display: `tace-risk API caller ${input.by.sub}` },
      },
    ],
    entity: [{ role: 'revision', what: { reference: versioned(input.riskAssessmentRef, ra) } }],
  };
  entries.push({ fullUrl: 'urn:uuid:6a1d3c2e-8f4b-4c1a-9e7d-000000000002', resource: provenance, request: { method: 'POST', url: 'Provenance' } });
  if (input.auditPeer && ra.subject?.reference) {
    // BALP records in the same transaction, naming the user who retracted: an update per updated
    // resource and a create for the retraction's Provenance
    const service = input.auditService ?? 'ingestion';
    const user = { issuer: input.by.issuer ?? CALLER_SYSTEM, subject: input.by.sub };
    const audited: Array<{ interaction: 'update' | 'create'; what: string }> = [
      { interaction: 'update', what: input.riskAssessmentRef },
      ...(taskUpdated && input.taskRef ? [{ interaction: 'update' as const, what: input.taskRef }] : []),
      { interaction: 'create', what: 'urn:uuid:6a1d3c2e-8f4b-4c1a-9e7d-000000000002' },
    ];
    for (const a of audited) {
      entries.push({
        resource: buildAuditEvent({ interaction: a.interaction, patient: { reference: ra.subject.reference }, what: { reference: a.what }, recorded: input.at, service, peer: input.auditPeer, user }),
        request: { method: 'POST', url: 'AuditEvent' },
      });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** Write the retraction; returns the Provenance reference. Retried on transient faults. */
export async function retractResult(client: MedplumClient, input: RetractionInput, opts: RetryOptions = {}): Promise<{ provenance: string }> {
  return withFhirRetry(
    'retracting the result',
    async () => {
      const ra = (await client.readReference({ reference: input.riskAssessmentRef })) as RiskAssessment;
      if (ra.status === 'entered-in-error') {
        // Retracted already (a retry after our answer was lost): return its Provenance, write nothing.
        // It targets the version that was retracted, so look it up by each earlier version.
        const history = await client.readHistory('RiskAssessment', input.riskAssessmentRef.split('/')[1]!);
        for (const e of history.entry ?? []) {
          const v = e.resource?.meta?.versionId;
          if (!v || v === ra.meta?.versionId) continue;
          const provs = (await client.searchResources('Provenance', { target: `${input.riskAssessmentRef}/_history/${v}` })) as Provenance[];
          const done = provs.find((p) => p.activity?.coding?.some((c) => c.system === DATA_OPERATION_SYSTEM && c.code === 'NULLIFY'));
          if (done?.id) return { provenance: `Provenance/${done.id}` };
        }
      }
      const task = input.taskRef ? ((await client.readReference({ reference: input.taskRef })) as Task) : undefined;
      const bundle = buildRetractionTransaction({ auditPeer: client.getBaseUrl(), ...input }, ra, task);
      const res = await client.executeBatch(bundle);
      const at = bundle.entry?.findIndex((e) => e.resource?.resourceType === 'Provenance') ?? -1;
      const loc = res.entry?.[at]?.response?.location ?? '';
      const m = /Provenance\/[^/]+/.exec(loc);
      if (!m) throw new TaceError('FHIR_TRANSACTION_RESPONSE_INVALID', 'The retraction transaction answered no Provenance location', { httpStatus: 502, retryable: true });
      return { provenance: m[0] };
    },
    { retries: opts.retries ?? 2, backoffMs: opts.backoffMs ?? 200, ...(opts.onRetry ? { onRetry: opts.onRetry } : {}) },
  );
}
