import { randomBytes } from 'node:crypto';
import { isTaceError, TaceError } from '@tace/common';
import { parseDicom } from './instance.ts';
import { TAG } from './tags.ts';

/** Extra request headers (authentication), asked for before every request so a token can be refreshed. */
export type HeadersFn = () => Promise<Record<string, string>>;

export interface StowOptions {
  /** DICOMweb root, e.g. http://pacs:8042/dicom-web */
  url: string;
  timeoutMs: number;
  headers?: HeadersFn;
  /**
   * After the store, read each instance's ContentDate/ContentTime back (WADO-RS metadata) and fail
   * with PACS_STALE_COPY when the PACS kept an older copy under the same SOP Instance UID (Orthanc
   * answers 200 to such a STOW and keeps the old one unless OverwriteInstances is on). Default true.
   */
  verify?: boolean;
}

export interface StowResult {
  stored: string[];
  /** Instances stored with a warning (WarningReason, hex), e.g. coerced attributes. */
  warnings: Array<{ sopInstanceUid: string; reason: string }>;
}

type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

const hex = (n: unknown) => (typeof n === 'number' ? `0x${n.toString(16).toUpperCase().padStart(4, '0')}` : String(n));

function unavailable(message: string, cause?: unknown): TaceError {
  return new TaceError('PACS_UNAVAILABLE', message, { httpStatus: 503, retryable: true, ...(cause ? { cause } : {}) });
}

/** fetch with a deadline over the whole exchange, body included; network faults are PACS_UNAVAILABLE. */
async function call(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<{ status: number; text: string }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    const res = await fetch(url, { ...init, signal: ac.signal });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    const timedOut = ac.signal.aborted;
    throw unavailable(timedOut ? `${what}: the PACS did not answer within ${timeoutMs} ms` : `${what}: the PACS cannot be reached (${(e as Error).message.slice(0, 120)})`, e);
  } finally {
    clearTimeout(timer);
  }
}

async function authHeaders(h: HeadersFn | undefined): Promise<Record<string, string>> {
  if (!h) return {};
  try {
    return await h();
  } catch (e) {
    if (isTaceError(e)) throw e;
    throw unavailable(`DICOMweb credentials could not be obtained (${(e as Error).message.slice(0, 120)})`, e);
  }
}

/** multipart/related body of application/dicom parts (PS3.18 8.6.1.2, RFC 2387). */
export function multipartRelated(files: readonly Uint8Array[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const f of files) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'), Buffer.from(f.buffer, f.byteOffset, f.byteLength), Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return Buffer.concat(chunks);
}

function items(json: DicomJson, tag: string): DicomJson[] {
  return (json[tag]?.Value ?? []) as DicomJson[];
}
const first = (json: DicomJson, tag: string): unknown => json[tag]?.Value?.[0];

/**
 * Store instances of one study with one STOW-RS request (PS3.18 10.5), so a PACS holds all of
 * them or the request is retried whole. Errors: PACS_UNAVAILABLE (timeout, network, 5xx, 408/429,
 * or a failure reason meaning "out of resources": retryable), PACS_AUTH_FAILED (401/403),
 * PACS_STORE_REJECTED (the PACS refused an instance or the request: not retryable — the same
 * bytes would be refused again), PACS_STALE_COPY (see `verify`).
 */
export async function stowInstances(opts: StowOptions, files: readonly Uint8Array[]): Promise<StowResult> {
  if (files.length === 0) return { stored: [], warnings: [] };
  const sent = files.map((f) => parseDicom(f, { untilTag: TAG.PixelData }));
  const study = sent[0]!.studyInstanceUid;
  if (sent.some((i) => i.studyInstanceUid !== study)) throw new TaceError('DICOM_WRITE_INVALID', 'one STOW-RS request stores instances of one study');
  const boundary = `tace-${randomBytes(12).toString('hex')}`;
  const root = opts.url.replace(/\/$/, '');
  const what = `STOW-RS to ${root}`;
  const r = await call(`${root}/studies/${study}`, {
    method: 'POST',
    // `type=` is required by PS3.18 and by Orthanc, which refuses the request without it.
    headers: { ...(await authHeaders(opts.headers)), 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`, Accept: 'application/dicom+json' },
    body: multipartRelated(files, boundary),
  }, opts.timeoutMs, what);
  if (r.status === 401 || r.status === 403) throw new TaceError('PACS_AUTH_FAILED', `${what}: HTTP ${r.status}, the PACS refused our credentials`, { httpStatus: 502 });
  if (r.status >= 500 || r.status === 408 || r.status === 429) throw unavailable(`${what}: HTTP ${r.status}`);
  let json: DicomJson = {};
  try {
    json = r.text.trim() ? (JSON.parse(r.text) as DicomJson) : {};
  } catch {
    if (r.status < 300) throw unavailable(`${what}: HTTP ${r.status} with an answer that is not DICOM JSON; the store cannot be confirmed`);
  }
  const failed = items(json, '00081198').map((it) => ({ sopInstanceUid: String(first(it, '00081155') ?? ''), reason: first(it, '00081197') }));
  const referenced = items(json, '00081199');
  if (r.status >= 400 && failed.length === 0) {
    throw new TaceError('PACS_STORE_REJECTED', `${what}: HTTP ${r.status}, the PACS refused the request (${r.text.replace(/\s+/g, ' ').slice(0, 200)})`, { httpStatus: 502 });
  }
  if (failed.length > 0) {
    const list = failed.map((f) => `${f.sopInstanceUid} (FailureReason ${hex(f.reason)})`).join(', ');
    // 0xA7xx: "Refused: out of resources" — the PACS may take it later.
    const transient = failed.every((f) => typeof f.reason === 'number' && (f.reason & 0xff00) === 0xa700);
    if (transient) throw unavailable(`${what}: the PACS is out of resources for ${list}`);
    throw new TaceError('PACS_STORE_REJECTED', `${what}: the PACS refused ${failed.length} of ${files.length} instances: ${list}`, { httpStatus: 502, detail: { failed: failed.map((f) => ({ sopInstanceUid: f.sopInstanceUid, reason: hex(f.reason) })) } });
  }
  const stored = referenced.map((it) => String(first(it, '00081155') ?? ''));
  const missing = sent.filter((i) => !stored.includes(i.sopInstanceUid));
  if (missing.length > 0) throw unavailable(`${what}: HTTP ${r.status} but the answer does not confirm ${missing.map((i) => i.sopInstanceUid).join(', ')}`);
  const warnings = referenced.filter((it) => first(it, '00081196') !== undefined).map((it) => ({ sopInstanceUid: String(first(it, '00081155')), reason: hex(first(it, '00081196')) }));
  if (opts.verify !== false) {
    for (const i of sent) await verifyCopy(opts, root, i.studyInstanceUid, i.seriesInstanceUid, i.sopInstanceUid, `${i.string(TAG.ContentDate) ?? ''}${i.string(TAG.ContentTime) ?? ''}`);
  }
  return { stored, warnings };
}

/** Does the PACS hold our version of the instance (same ContentDate + ContentTime)? */
async function verifyCopy(opts: StowOptions, root: string, study: string, series: string, sop: string, expected: string): Promise<void> {
  const what = `WADO-RS metadata of ${sop}`;
  const r = await call(`${root}/studies/${study}/series/${series}/instances/${sop}/metadata`, { headers: { ...(await authHeaders(opts.headers)), Accept: 'application/dicom+json' } }, opts.timeoutMs, what);
  if (r.status >= 500 || r.status === 404) throw unavailable(`${what}: HTTP ${r.status} right after the PACS confirmed the store`);
  if (r.status >= 400) throw new TaceError('PACS_STORE_REJECTED', `${what}: HTTP ${r.status}`, { httpStatus: 502 });
  const [meta] = JSON.parse(r.text) as DicomJson[];
  const held = `${String(first(meta ?? {}, '00080023') ?? '')}${String(first(meta ?? {}, '00080033') ?? '')}`;
  if (held !== expected) {
    throw new TaceError('PACS_STALE_COPY', `the PACS kept an older copy of SOP instance ${sop} (content ${held || 'undated'}, sent ${expected}): a resend must replace it — configure the PACS to overwrite instances on a new store (Orthanc: "OverwriteInstances": true) or delete the older copy, then replay the run`, { httpStatus: 502 });
  }
}
