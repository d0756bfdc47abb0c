/**
 * Audit of API reads of results (IHE BALP PatientRead AuditEvents written to the EHR): "who saw
 * what". A read is recorded in Redis at once (a list per service, so nothing is lost when the EHR is
 * down or the process restarts) and written to the EHR in FHIR `batch` Bundles by a background
 * flusher (every second, 50 at a time). A batch the EHR refuses or cannot take is pushed back and
 * retried with backoff; the failure is logged with the code AUDIT_WRITE_FAILED and a count, never a
 * patient reference or a token. An event the EHR refuses for good (a 4xx for its entry) goes to a
 * dead-letter list (`tace:audit:dead:<service>`, AUDIT_WRITE_REFUSED) instead of being retried forever. Entries are popped atomically (LPOP with a count), so several
 * replicas share the list without writing an event twice; an event popped by a process that dies
 * before its write answers is the one case that can be lost (a window of one request).
 */
import type { MedplumClient } from '@medplum/core';
import type { Bundle, Reference } from '@medplum/fhirtypes';
import type { Redis } from 'ioredis';
import type { Logger } from '@tace/common';
import { buildAuditEvent, RUN_ID_SYSTEM, type AuditInput } from '@tace/fhir';
import type { RunRecord } from '@tace/jobs';

export interface ReadAuditSink {
  /** Record that `who` read the result of run `rec` (no-op for runs without a score). */
  resultRead(rec: RunRecord, who: { subject: string; address: string }): Promise<void>;
  /**
   * Record a read of `what` (a RiskAssessment) about `patient` by a user known under `issuer`
   * (default: the API's token issuer) — e.g. a CDS Hooks card shown to a clinician.
   */
  recordRead(r: { patient: string; what: string | Reference; who: { subject?: string; issuer?: string; address: string } }): Promise<void>;
  /** Write what is pending now (tests, shutdown). Returns how many were written. */
  flush(): Promise<number>;
  close(): Promise<void>;
}

const BATCH = 50;

export function createReadAuditSink(o: { redis: Redis; fhir: MedplumClient; log: Logger; service: AuditInput['service']; issuer: string; intervalMs?: number }): ReadAuditSink {
  const key = `tace:audit:pending:${o.service}`;
  /** Events the EHR refused for good (4xx): kept for an operator, never silently dropped. */
  const deadKey = `tace:audit:dead:${o.service}`;
  let backoffMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let flushing: Promise<number> | undefined;

  const flushOnce = async (): Promise<number> => {
    let written = 0;
    for (;;) {
      const items = ((await o.redis.lpop(key, BATCH)) as string[] | null) ?? [];
      if (items.length === 0) return written;
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: items.map((t) => ({ resource: buildAuditEvent(JSON.parse(t) as AuditInput), request: { method: 'POST', url: 'AuditEvent' } })),
      };
      try {
        const res = await o.fhir.executeBatch(bundle);
        // per entry: 2xx written; 4xx (but 408/429) refused for good → the dead-letter list, never
        // retried forever; anything else (5xx, 408, 429, or no answer for the entry) is retried
        const retry: string[] = [];
        const refused: string[] = [];
        items.forEach((item, i) => {
          const status = Number((res.entry?.[i]?.response?.status ?? '').slice(0, 3));
          if (status >= 200 && status < 300) return;
          if (status >= 400 && status < 500 && status !== 408 && status !== 429) refused.push(item);
          else retry.push(item);
        });
        if (refused.length > 0) {
          await o.redis.rpush(deadKey, ...refused);
          o.log.error({ code: 'AUDIT_WRITE_REFUSED', refused: refused.length, deadLetter: deadKey }, 'the EHR refused audit events; kept in the dead-letter list for an operator');
        }
        written += items.length - retry.length - refused.length;
        if (retry.length > 0) throw Object.assign(new Error('not written'), { failed: retry });
        backoffMs = 0;
      } catch (e) {
        const back = (e as { failed?: string[] }).failed ?? items;
        await o.redis.rpush(key, ...back);
        backoffMs = Math.min(60_000, Math.max(1000, backoffMs * 2));
        o.log.warn({ code: 'AUDIT_WRITE_FAILED', pending: back.length, retryInMs: backoffMs }, 'audit events could not be written to the EHR; kept for retry');
        return written;
      }
    }
  };
  const flush = () => {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  };
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(() => {
      void flush()
        .catch((e: unknown) => o.log.warn({ code: 'AUDIT_WRITE_FAILED', err: (e as Error).message }, 'audit flush failed'))
        .finally(schedule);
    }, (o.intervalMs ?? 1000) + backoffMs);
    timer.unref();
  };
  schedule();

  const recordRead: ReadAuditSink['recordRead'] = async ({ patient, what, who }) => {
    const event: AuditInput = {
      interaction: 'read',
      patient: { reference: patient },
      what: typeof what === 'string' ? { reference: what } : what,
      recorded: new Date().toISOString(),
      service: o.service,
      peer: who.address,
      ...(who.subject && who.subject !== 'anonymous' ? { user: { issuer: who.issuer ?? o.issuer, subject: who.subject } } : {}),
    };
    await o.redis.rpush(key, JSON.stringify(event));
  };
  return {
    async resultRead(rec, who) {
      // a score is readable from the moment it is stored, before (or without) its RiskAssessment:
      // then the audit names the run by its identifier
      if (!rec.result && !rec.fhir?.riskAssessment) return;
      await recordRead({ patient: rec.request.patientReference, what: rec.fhir?.riskAssessment ?? { identifier: { system: RUN_ID_SYSTEM, value: rec.runId } }, who });
    },
    recordRead,
    flush,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await flush().catch(() => 0);
    },
  };
}
