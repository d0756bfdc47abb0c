/**
 * CDS Hooks 2.0 services of tace-risk (https://cds-hooks.hl7.org/2.0/):
 *
 * - `tace-risk-patient-view` (hook `patient-view`): a card with the patient's latest post-TACE
 *   distant-metastasis risk from this model (percent, risk group, model id + version, the
 *   synthetic-demo notice, a link to the run's status); `warning` for high risk, `info` otherwise.
 * - `tace-risk-order-select` (hook `order-select`): the same card while a follow-up order (a draft
 *   ServiceRequest, e.g. the post-TACE imaging follow-up) is selected, so the interval can take
 *   the risk into account. It suggests nothing: the model predicts, it does not prescribe.
 *
 * Never blocks the clinician: the answer comes from the cache (cds-cache.ts) or from the
 * prefetched RiskAssessment; otherwise the EHR is asked, and what is not known within the budget
 * (TACE_CDS_BUDGET_MS) is answered with no card while the lookup finishes into the cache. With
 * no result but a completed TACE and a post-TACE CT, a run is requested (cds-submit.ts) and the
 * card says so. Logs carry the service id, the outcome and timings, never the patient.
 */
import { createHash } from 'node:crypto';
import type { MedplumClient } from '@medplum/core';
import type { ReadAuditSink } from '@tace/pipeline';
import type { Bundle, ImagingStudy, RiskAssessment } from '@medplum/fhirtypes';
import { TaceError, type Logger } from '@tace/common';
import { createFhirClient, findTaceProcedure, isTaceTrigger, MODEL_ID_SYSTEM, RUN_ID_SYSTEM, studyInstanceUidOf, SYNTHETIC_DEMO_NOTICE, TACE_RISK_CODE_SYSTEM } from '@tace/fhir';
import type { RunRegistry } from '@tace/jobs';
import type { CdsCache, CdsEntry } from './cds-cache.ts';
import type { RunRequester } from './cds-submit.ts';

export const PATIENT_VIEW_ID = 'tace-risk-patient-view';
export const ORDER_SELECT_ID = 'tace-risk-order-select';

/** The prefetch template: the latest RiskAssessments this model family wrote (a retracted one is skipped). */
export const RISK_PREFETCH = `RiskAssessment?patient={{context.patientId}}&method=${MODEL_ID_SYSTEM}|&_sort=-date&_count=5`;

export const CDS_SERVICES = [
  {
    hook: 'patient-view',
    id: PATIENT_VIEW_ID,
    title: 'Post-TACE distant-metastasis risk',
    description: "Shows the patient's latest predicted risk of distant metastasis after TACE (radiomics + deep learning + clinical nomogram), or requests scoring of the post-TACE CT when there is none.",
    prefetch: { riskAssessments: RISK_PREFETCH },
    usageRequirements: 'Register the CDS client (TACE_CDS_CLIENTS); fhirServer must be the configured EHR (TACE_FHIR_BASE_URL).',
  },
  {
    hook: 'order-select',
    id: ORDER_SELECT_ID,
    title: 'Post-TACE risk while ordering follow-up',
    description: 'While a follow-up order (a draft ServiceRequest, e.g. post-TACE imaging) is selected, shows the predicted risk of distant metastasis after TACE. Suggests no order.',
    prefetch: { riskAssessments: RISK_PREFETCH },
    usageRequirements: 'Register the CDS client (TACE_CDS_CLIENTS); fhirServer must be the configured EHR (TACE_FHIR_BASE_URL).',
  },
] as const;

/** What the CDS settings lack together (loadConfig checks each alone); empty when consistent. */
export function cdsConfigProblems(cfg: { auth?: boolean | undefined; cdsServiceUrl?: string | undefined; cdsClients?: Record<string, string> | undefined; cdsSubmitUrl?: string | undefined; cdsSubmitClientId?: string | undefined; cdsSubmitClientSecret?: string | undefined; cdsSubmitTokenUrl?: string | undefined; authIssuer?: string | undefined }): string[] {
  const problems: string[] = [];
  if (!cfg.cdsServiceUrl) {
    if (cfg.cdsClients || cfg.cdsSubmitUrl) problems.push('TACE_CDS_CLIENTS / TACE_CDS_SUBMIT_URL are set without TACE_CDS_SERVICE_URL: the CDS Hooks routes are served only with it');
    return problems;
  }
  if (cfg.auth !== false && !cfg.cdsClients) problems.push('TACE_CDS_CLIENTS is required with TACE_CDS_SERVICE_URL when TACE_AUTH=on: which CDS clients may call');
  if (cfg.cdsSubmitUrl && !(cfg.cdsSubmitClientId && cfg.cdsSubmitClientSecret)) problems.push('TACE_CDS_SUBMIT_URL needs TACE_CDS_SUBMIT_CLIENT_ID and TACE_CDS_SUBMIT_CLIENT_SECRET');
  if (cfg.cdsSubmitUrl && !cfg.cdsSubmitTokenUrl && !cfg.authIssuer) problems.push('TACE_CDS_SUBMIT_URL needs TACE_CDS_SUBMIT_TOKEN_URL or TACE_AUTH_ISSUER (its token endpoint)');
  if (!cfg.cdsSubmitUrl && (cfg.cdsSubmitClientId || cfg.cdsSubmitClientSecret)) problems.push('TACE_CDS_SUBMIT_CLIENT_ID / _SECRET are set without TACE_CDS_SUBMIT_URL: they would be left unused');
  return problems;
}

export interface CdsRequest {
  hook: string;
  hookInstance: string;
  fhirServer?: string;
  fhirAuthorization?: { access_token: string; token_type: string; expires_in: number; scope: string; subject: string; patient?: string };
  context: { userId: string; patientId: string; encounterId?: string; selections?: string[]; draftOrders?: Bundle };
  prefetch?: Record<string, unknown>;
}

export interface Card {
  uuid: string;
  summary: string;
  detail?: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; url?: string; topic?: { system: string; code: string; display: string } };
  links?: Array<{ label: string; url: string; type: 'absolute' | 'smart' }>;
  overrideReasons?: Array<{ system: string; code: string; display: string }>;
}

export const OVERRIDE_REASON_SYSTEM = `${TACE_RISK_CODE_SYSTEM}/cds-override-reason`;
const OVERRIDE_REASONS = [
  { system: OVERRIDE_REASON_SYSTEM, code: 'already-aware', display: 'Already aware of this risk' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'not-applicable', display: 'Not applicable to this patient' },
  { system: OVERRIDE_REASON_SYSTEM, code: 'disagree', display: 'Disagree with the prediction' },
];
const TOPIC = { system: TACE_RISK_CODE_SYSTEM, code: 'post-tace-metastasis-risk', display: 'Post-TACE distant-metastasis risk' };

export interface CdsDeps {
  /** Records results shown on cards (BALP PatientRead audit in the EHR). */
  readAudit?: Pick<ReadAuditSink, 'recordRead'>;
  log: Logger;
  registry: RunRegistry;
  cache: CdsCache;
  /** The EHR (TACE_FHIR_BASE_URL), with the service's own credentials. */
  fhir: MedplumClient;
  fhirBaseUrl: string;
  fhirTimeoutMs?: number;
  /** Queues runs; undefined = scoring is not requested from hooks. */
  requester?: RunRequester;
  /** Public base of this service's routes (card links), e.g. https://results.hospital.org. */
  publicBaseUrl?: string;
  /** Answer within this many ms (default 400; the hook's budget is 500). */
  budgetMs?: number;
  cacheTtlS?: number;
  /** For tests and the benchmark: how the card came about. */
  onOutcome?: (o: CdsOutcome) => void;
}

export type CdsOutcome = 'prefetch' | 'cache' | 'registry' | 'ehr' | 'timeout' | 'requested' | 'none';

const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const normalise = (u: string) => u.replace(/\/+$/, '');

function cardUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function fmtPercent(p: number): string {
  return `${Number(p.toFixed(1))} %`;
}

export function cardFor(entry: CdsEntry, serviceId: string, publicBaseUrl?: string): Card | undefined {
  const statusLink = (runId: string | undefined) =>
    runId && publicBaseUrl ? [{ label: 'Run status (tace-risk API)', url: `${normalise(publicBaseUrl)}/v1/assessments/${encodeURIComponent(runId)}`, type: 'absolute' as const }] : [];
  if (entry.kind === 'result') {
    const group = entry.riskGroup;
    const summary = `Post-TACE metastasis risk: ${fmtPercent(entry.percent)} (${group})${entry.synthetic ? ' — synthetic demo, not for clinical use' : ''}`;
    const detail = [
      `Predicted probability of **distant metastasis after TACE**: **${fmtPercent(entry.percent)}**, risk group **${group}**.`,
      `Model \`${entry.modelId}\` version \`${entry.modelVersion}\`${entry.occurrence ? `, scored ${entry.occurrence.slice(0, 10)}` : ''}.`,
      ...(entry.synthetic ? [`**${SYNTHETIC_DEMO_NOTICE}.** The model was fitted on a synthetic cohort; do not use this number for care.`] : []),
      ...(entry.riskAssessment ? [`FHIR: ${entry.riskAssessment}.`] : []),
    ].join('\n\n');
    return {
      uuid: cardUuid(serviceId, 'result', entry.runId ?? entry.riskAssessment ?? '', String(entry.percent)),
      summary: summary.slice(0, 140),
      detail,
      indicator: group === 'high' ? 'warning' : 'info',
      source: { label: `tace-risk ${entry.modelId} ${entry.modelVersion}`.slice(0, 120), topic: TOPIC },
      links: statusLink(entry.runId),
      overrideReasons: OVERRIDE_REASONS,
    };
  }
  if (entry.kind === 'requested') {
    return {
      uuid: cardUuid(serviceId, 'requested', entry.runId),
      summary: 'Post-TACE metastasis risk: scoring of the post-TACE CT was requested',
      detail: 'No risk result exists yet for this patient. Scoring of the latest post-TACE CT has been requested; the result appears here once it is published.',
      indicator: 'info',
      source: { label: 'tace-risk', topic: TOPIC },
      links: statusLink(entry.runId),
    };
  }
  if (entry.kind === 'failed') {
    return {
      uuid: cardUuid(serviceId, 'failed', entry.runId),
      summary: 'Post-TACE metastasis risk: scoring could not be completed',
      detail: `Scoring of the post-TACE CT failed with code \`${entry.code}\`; the radiology team can replay the run once the cause is fixed.`,
      indicator: 'info',
      source: { label: 'tace-risk', topic: TOPIC },
      links: statusLink(entry.runId),
    };
  }
  return undefined; // no TACE or no post-TACE CT: nothing to say
}

function fromRiskAssessment(ra: RiskAssessment): CdsEntry | undefined {
  if (ra.status === 'entered-in-error' || ra.status === 'cancelled') return undefined;
  const coding = ra.method?.coding?.find((c) => c.system === MODEL_ID_SYSTEM);
  const pred = ra.prediction?.[0];
  const percent = pred?.probabilityDecimal;
  const group = pred?.qualitativeRisk?.coding?.[0]?.code;
  if (!coding?.code || typeof percent !== 'number' || !(group === 'low' || group === 'moderate' || group === 'high')) return undefined;
  const at = coding.code.lastIndexOf('@');
  const runId = ra.identifier?.find((i) => i.system === RUN_ID_SYSTEM)?.value;
  return {
    kind: 'result',
    ...(runId ? { runId } : {}),
    ...(ra.id ? { riskAssessment: `RiskAssessment/${ra.id}` } : {}),
    percent,
    riskGroup: group,
    modelId: at > 0 ? coding.code.slice(0, at) : coding.code,
    modelVersion: at > 0 ? coding.code.slice(at + 1) : '',
    synthetic: (ra.note ?? []).some((n) => n.text?.includes(SYNTHETIC_DEMO_NOTICE)),
    ...(ra.occurrenceDateTime ? { occurrence: ra.occurrenceDateTime } : {}),
    at: new Date().toISOString(),
  };
}

/**
 * The newest usable RiskAssessment of this model family about THIS patient in a searchset (prefetch
 * or query). A RiskAssessment whose subject is another patient is never used: a prefetch is the CDS
 * client's input, and a card (and the shared cache) must not show another patient's result.
 */
function latestFrom(resources: RiskAssessment[], patientId: string): CdsEntry | undefined {
  const sorted = [...resources].sort((a, b) => String(b.occurrenceDateTime ?? '').localeCompare(String(a.occurrenceDateTime ?? '')));
  for (const ra of sorted) {
    if (ra.subject?.reference !== `Patient/${patientId}`) continue;
    if (!ra.method?.coding?.some((c) => c.system === MODEL_ID_SYSTEM)) continue;
    const e = fromRiskAssessment(ra);
    if (e) return e;
  }
  return undefined;
}

/** A prefetched searchset: its RiskAssessments; `undefined` when the client sent none (or null: it could not fetch). */
function prefetched(req: CdsRequest): RiskAssessment[] | undefined {
  const b = req.prefetch?.riskAssessments as Bundle | null | undefined;
  if (!b || typeof b !== 'object' || b.resourceType !== 'Bundle') return undefined;
  return (b.entry ?? []).map((e) => e.resource).filter((r): r is RiskAssessment => r?.resourceType === 'RiskAssessment');
}

export class CdsHandler {
  private readonly inflight = new Map<string, Promise<CdsEntry | undefined>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly deps: CdsDeps;
  constructor(deps: CdsDeps) {
    this.deps = deps;
  }

  /** Lookups still finishing after their answer was sent (tests and shutdown wait for them). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async handle(serviceId: string, req: CdsRequest, startedAt = performance.now(), who?: { issuer?: string; address: string }): Promise<{ cards: Card[] }> {
    const def = CDS_SERVICES.find((s) => s.id === serviceId);
    if (!def) throw new TaceError('CDS_SERVICE_NOT_FOUND', 'no such CDS service', { httpStatus: 404 });
    if (req.hook !== def.hook) throw new TaceError('CDS_HOOK_MISMATCH', `service ${serviceId} answers the ${def.hook} hook, not ${String(req.hook).slice(0, 40)}`, { httpStatus: 400 });
    const patientId = req.context.patientId;
    if (!PATIENT_ID.test(patientId)) throw new TaceError('CDS_CONTEXT_INVALID', 'context.patientId is not a FHIR id', { httpStatus: 400 });
    // SSRF: a token is only ever sent to the configured EHR; any other server is refused before any request.
    if (req.fhirServer !== undefined && normalise(req.fhirServer) !== normalise(this.deps.fhirBaseUrl)) {
      throw new TaceError('CDS_FHIR_SERVER_UNKNOWN', 'fhirServer is not the EHR this service is configured for (TACE_FHIR_BASE_URL)', { httpStatus: 400 });
    }
    if (req.fhirAuthorization && req.fhirServer === undefined) {
      throw new TaceError('CDS_CONTEXT_INVALID', 'fhirAuthorization is given without fhirServer', { httpStatus: 400 });
    }
    if (def.hook === 'order-select' && !this.selectsFollowUp(req)) return { cards: [] };

    const entry = await this.entryFor(patientId, req, startedAt);
    const card = entry ? cardFor(entry, serviceId, this.deps.publicBaseUrl) : undefined;
    if (card && entry?.kind === 'result' && entry.riskAssessment && this.deps.readAudit) {
      // a result shown to a clinician is a read: BALP PatientRead (the user is the hook's context.userId under the CDS client)
      void this.deps.readAudit
        .recordRead({ patient: `Patient/${patientId}`, what: entry.riskAssessment, who: { ...(req.context.userId ? { subject: req.context.userId } : {}), ...(who?.issuer ? { issuer: who.issuer } : {}), address: who?.address ?? 'unknown' } })
        .catch((e: unknown) => this.deps.log.warn({ code: 'AUDIT_RECORD_FAILED', err: (e as Error).message }, 'a CDS card could not be recorded for audit'));
    }
    return { cards: card ? [card] : [] };
  }

  /** order-select: a selected draft order that is a ServiceRequest (follow-up imaging or a visit). */
  private selectsFollowUp(req: CdsRequest): boolean {
    const selections = new Set(req.context.selections ?? []);
    return (req.context.draftOrders?.entry ?? []).some((e) => e.resource?.resourceType === 'ServiceRequest' && selections.has(`ServiceRequest/${e.resource.id}`));
  }

  private outcome(o: CdsOutcome, serviceMs: number): void {
    this.deps.onOutcome?.(o);
    this.deps.log.debug({ outcome: o, ms: Math.round(serviceMs) }, 'cds hook answered');
  }

  private async entryFor(patientId: string, req: CdsRequest, startedAt: number): Promise<CdsEntry | undefined> {
    const ttl = this.deps.cacheTtlS ?? 300;
    // 1. Prefetch: the EHR's own fresh answer, free.
    const pre = prefetched(req);
    const fromPre = pre ? latestFrom(pre, patientId) : undefined;
    if (fromPre) {
      const e = await this.refreshed(patientId, fromPre, req, startedAt);
      if (e !== null) {
        await this.deps.cache.set(patientId, fromPre, ttl).catch(() => undefined);
        this.outcome('prefetch', performance.now() - startedAt);
        return e;
      }
    }
    // 2. The cache, refreshed from the run registry.
    const cached = await this.deps.cache.get(patientId).catch(() => undefined);
    if (cached) {
      const e = await this.refreshed(patientId, cached, req, startedAt);
      if (e !== null) {
        this.outcome('cache', performance.now() - startedAt);
        return e;
      }
    }
    // 3. The EHR (or, with an empty prefetch, only the eligibility checks), within the budget.
    const lookup = this.lookupOnce(patientId, req, pre !== undefined);
    const left = (this.deps.budgetMs ?? 400) - (performance.now() - startedAt);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, left));
    });
    const r = await Promise.race([lookup.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
    if (r === 'timeout') {
      this.outcome('timeout', performance.now() - startedAt);
      return undefined;
    }
    this.outcome(r?.kind === 'requested' ? 'requested' : r?.kind === 'result' ? 'ehr' : 'none', performance.now() - startedAt);
    return r;
  }

  /**
   * A cached entry checked against the run registry: a requested run that has published
   * becomes its result, one that failed says so; a result whose run was retracted or cancelled
   * is dropped (null: look again).
   */
  private async refreshed(patientId: string, entry: CdsEntry, _req: CdsRequest, _startedAt: number): Promise<CdsEntry | undefined | null> {
    if (entry.kind !== 'result' && entry.kind !== 'requested' && entry.kind !== 'failed') return entry;
    if (!entry.runId) return entry;
    const rec = await this.deps.registry.get(entry.runId).catch(() => undefined);
    if (!rec) return entry; // a run of another deployment, or the registry is away: keep what we know
    const ttl = this.deps.cacheTtlS ?? 300;
    if (rec.status === 'retracted' || rec.status === 'cancelled') {
      await this.deps.cache.invalidate(patientId).catch(() => undefined);
      return null;
    }
    if (entry.kind === 'result') return entry;
    if (rec.status === 'done' && rec.result) {
      const res = rec.result as { probability?: number; riskGroup?: string; model?: { id?: string; version?: string; syntheticDemo?: boolean }; scoredAt?: string };
      if (typeof res.probability === 'number' && (res.riskGroup === 'low' || res.riskGroup === 'moderate' || res.riskGroup === 'high')) {
        const next: CdsEntry = {
          kind: 'result',
          runId: rec.runId,
          ...(rec.fhir?.riskAssessment ? { riskAssessment: rec.fhir.riskAssessment } : {}),
          percent: Math.round(res.probability * 100 * 1e6) / 1e6,
          riskGroup: res.riskGroup,
          modelId: res.model?.id ?? rec.model.id,
          modelVersion: res.model?.version ?? rec.model.version,
          synthetic: res.model?.syntheticDemo === true,
          ...(res.scoredAt ? { occurrence: res.scoredAt } : {}),
          at: new Date().toISOString(),
        };
        await this.deps.cache.set(patientId, next, ttl).catch(() => undefined);
        this.deps.onOutcome?.('registry');
        return next;
      }
    }
    if (rec.status === 'failed' && entry.kind === 'requested') {
      const next: CdsEntry = { kind: 'failed', runId: rec.runId, code: rec.error?.code ?? 'UNKNOWN', at: new Date().toISOString() };
      await this.deps.cache.set(patientId, next, ttl).catch(() => undefined);
      return next;
    }
    if (entry.kind === 'failed' && rec.status !== 'failed') return { kind: 'requested', runId: rec.runId, at: entry.at }; // replayed
    return entry;
  }

  /** One lookup per patient at a time in this process; it outlives the hook's budget and fills the cache. */
  private lookupOnce(patientId: string, req: CdsRequest, prefetchedEmpty: boolean): Promise<CdsEntry | undefined> {
    let p = this.inflight.get(patientId);
    if (!p) {
      p = this.lookup(patientId, req, prefetchedEmpty);
      this.inflight.set(patientId, p);
      const done = p.catch((e: unknown) => {
        const code = e instanceof TaceError ? e.code : 'CDS_LOOKUP_FAILED';
        // a server's error text may quote the search (the patient id): only our own messages are logged
        this.deps.log.warn({ code, reason: e instanceof TaceError ? e.message : (e as Error).name }, 'cds lookup failed');
        return undefined;
      }).finally(() => {
        this.inflight.delete(patientId);
        this.pending.delete(done);
      });
      this.pending.add(done);
    }
    return p;
  }

  private client(req: CdsRequest): MedplumClient {
    // The clinician's token, only towards the configured EHR (checked in handle); else our own client.
    if (req.fhirAuthorization) {
      return createFhirClient({ fhirBaseUrl: this.deps.fhirBaseUrl, accessToken: req.fhirAuthorization.access_token, timeoutMs: this.deps.fhirTimeoutMs ?? 10_000 });
    }
    return this.deps.fhir;
  }

  private async lookup(patientId: string, req: CdsRequest, prefetchedEmpty: boolean): Promise<CdsEntry | undefined> {
    const ttl = this.deps.cacheTtlS ?? 300;
    const fhir = this.client(req);
    const patientRef = `Patient/${patientId}`;
    if (!prefetchedEmpty) {
      const found = (await fhir.searchResources('RiskAssessment', { patient: patientId, method: `${MODEL_ID_SYSTEM}|`, _sort: '-date', _count: '5' })) as RiskAssessment[];
      const e = latestFrom(found, patientId);
      if (e) {
        await this.deps.cache.set(patientId, e, ttl);
        return e;
      }
    }
    // No result: is there something to score? The latest completed TACE and the first CT after it.
    const tace = await findTaceProcedure(fhir, patientRef);
    if (!tace) return this.remember(patientId, { kind: 'none', reason: 'no-tace', at: new Date().toISOString() });
    const taceDate = tace.performedDateTime ?? '';
    const studies = (await fhir.searchResources('ImagingStudy', { patient: patientRef, started: `ge${taceDate.slice(0, 10)}`, _sort: 'started', _count: '20' })) as ImagingStudy[];
    const study = studies.find((s) => s.status === 'available' && isTaceTrigger(s));
    const uid = study ? studyInstanceUidOf(study) : undefined;
    if (!uid) return this.remember(patientId, { kind: 'none', reason: 'no-study', at: new Date().toISOString() });
    if (!this.deps.requester) return this.remember(patientId, { kind: 'none', reason: 'submit-not-configured', at: new Date().toISOString() });
    const { runId, created } = await this.deps.requester.request(patientRef, uid);
    this.deps.log.info({ runId, created }, 'cds: scoring requested');
    // The run may exist already (published, failed): the registry says what it is.
    const entry = await this.refreshed(patientId, { kind: 'requested', runId, at: new Date().toISOString() }, req, 0);
    // null: that run was retracted or cancelled; it is not started again from a hook (a person replays it).
    if (entry === null) return this.remember(patientId, { kind: 'none', reason: 'run-ended', at: new Date().toISOString() });
    if (entry) await this.deps.cache.set(patientId, entry, ttl);
    return entry;
  }

  private async remember(patientId: string, e: CdsEntry): Promise<CdsEntry> {
    // "Nothing to score" is re-checked sooner than a result.
    await this.deps.cache.set(patientId, e, Math.min(60, this.deps.cacheTtlS ?? 300));
    return e;
  }
}
