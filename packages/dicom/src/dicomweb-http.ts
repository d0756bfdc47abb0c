import { TaceError } from '@tace/common';
import { dicomWebAuth, type DicomWebAuth } from './dicomweb-auth.ts';

export interface DicomWebHttpOptions {
  /** DICOMweb root, e.g. http://orthanc:8042/dicom-web (no trailing slash needed). */
  baseUrl: string;
  auth?: DicomWebAuth;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Deadline of each request, ms, the body included (default 60 000). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * GETs against a DICOMweb server with its auth, one deadline per request and the failures every
 * DICOMweb call shares, as coded errors:
 * - unreachable, timed out, 5xx or 429 → DICOM_SOURCE_UNAVAILABLE (503, retryable);
 * - 401 → the auth is refreshed once (a new OAuth2 token, a re-read token file) and the request
 *   sent again; a second 401, or a 403 → DICOMWEB_AUTH_FAILED (not retryable: wrong credentials
 *   stay wrong, and retrying them may lock the account).
 * Error messages name the kind of request, never the URL (QIDO queries carry PatientID).
 */
export class DicomWebHttp {
  readonly baseUrl: string;
  private readonly opts: DicomWebHttpOptions;
  private readonly auth: DicomWebAuth;

  constructor(opts: DicomWebHttpOptions) {
    this.opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.auth = opts.auth ?? dicomWebAuth({ mode: 'none' });
  }

  private async once(url: string, accept: string, what: string): Promise<Response> {
    const f = this.opts.fetch ?? fetch;
    const headers = { Accept: accept, ...this.opts.headers, ...(await this.auth.headers()) };
    try {
      return await f(url, { headers, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000) });
    } catch (e) {
      throw unavailable(`DICOMweb ${what}: server ${isTimeout(e) ? 'did not answer in time' : `unreachable (${e instanceof Error ? e.message : String(e)})`}`, e);
    }
  }

  /** GET `{base}/{path}`; a non-2xx answer other than the coded ones above is returned for the caller to judge. */
  async get(path: string, accept: string, what: string): Promise<Response> {
    const url = `${this.baseUrl}/${path.replace(/^\/+/, '')}`;
    let res = await this.once(url, accept, what);
    if (res.status === 401 && this.auth.refreshable) {
      await res.body?.cancel();
      this.auth.invalidate();
      res = await this.once(url, accept, what);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new TaceError('DICOMWEB_AUTH_FAILED', `DICOMweb ${what} answered HTTP ${res.status}: the ${this.auth.mode === 'none' ? 'server wants credentials (TACE_DICOMWEB_AUTH)' : `${this.auth.mode} credentials were refused`}`,
        { httpStatus: 502, retryable: false, detail: { status: res.status, auth: this.auth.mode } });
    }
    if (res.status >= 500 || res.status === 429) {
      // 500/501 can also be "cannot transcode", which the WADO-RS caller handles itself.
      if (res.status !== 500 && res.status !== 501) { await res.body?.cancel(); throw this.statusError(res, what); }
    }
    return res;
  }

  statusError(res: Response, what: string): TaceError {
    return new TaceError('DICOM_SOURCE_UNAVAILABLE', `DICOMweb ${what} answered HTTP ${res.status}`,
      { httpStatus: 503, retryable: res.status >= 500 || res.status === 429, detail: { status: res.status } });
  }
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || (e.cause instanceof Error && e.cause.name === 'TimeoutError'));
}

export function unavailable(message: string, cause?: unknown): TaceError {
  return new TaceError('DICOM_SOURCE_UNAVAILABLE', message, { httpStatus: 503, retryable: true, cause, detail: { timeout: isTimeout(cause) } });
}

/** Read a body, a connection lost or a deadline passed while reading it being a retryable outage. */
export async function readBody<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof TaceError) throw e;
    throw unavailable(`DICOMweb ${what} answer broke off (${isTimeout(e) ? 'deadline passed' : e instanceof Error ? e.message : String(e)})`, e);
  }
}
