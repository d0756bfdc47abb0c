/**
 * How a CDS hook queues a run when the patient has no result: through the ingestion service's
 * own API (`POST /v1/assessments`), with this service's own OAuth 2.0 client credentials
 * (client_credentials grant at the hospital's issuer, scope `assessments:submit`).
 *
 * Why not @tace/pipeline's submitAssessment in-process: submission picks the segmentation from
 * the PACS (the study source) and derives the run id from the model bundle's id and version; the
 * results service has neither (no TACE_DICOM_FOLDER / TACE_DICOMWEB_URL, no bundle). Going
 * through ingestion keeps one submit path (same checks, same run id, same audit: the run's
 * `requestedBy` is this client) and the ingestion service's rate limit and scopes apply.
 */
import { TaceError } from '@tace/common';

export interface RunRequester {
  /** Starts (or joins) the run of this patient's study; its run id. */
  request(patientReference: string, studyInstanceUid: string): Promise<{ runId: string; created: boolean }>;
}

export interface IngestionRequesterOptions {
  /** Base URL of the ingestion service (TACE_CDS_SUBMIT_URL). */
  ingestionUrl: string;
  clientId: string;
  clientSecret: string;
  /** Token endpoint; default: `token_endpoint` of `{issuer}/.well-known/openid-configuration`. */
  tokenUrl?: string;
  issuer?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function ingestionRunRequester(opts: IngestionRequesterOptions): RunRequester {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const f = opts.fetch ?? fetch;
  let cached: { token: string; until: number } | undefined;
  let tokenUrl: string | undefined = opts.tokenUrl;

  const discover = async (): Promise<string> => {
    if (tokenUrl) return tokenUrl;
    if (!opts.issuer) throw new TaceError('CONFIG_INVALID', 'no token endpoint: set TACE_CDS_SUBMIT_TOKEN_URL or TACE_AUTH_ISSUER');
    const base = opts.issuer.replace(/\/$/, '');
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const r = await f(base + path, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } }).catch(() => undefined);
      if (!r?.ok) continue;
      const meta = (await r.json()) as { token_endpoint?: string };
      if (meta.token_endpoint) return (tokenUrl = meta.token_endpoint);
    }
    throw new TaceError('CDS_SUBMIT_UNAVAILABLE', 'the issuer publishes no token_endpoint', { httpStatus: 503, retryable: true });
  };

  const token = async (): Promise<string> => {
    if (cached && cached.until > Date.now()) return cached.token;
    const url = await discover();
    const r = await f(url, {
      method: 'POST',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64'),
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'assessments:submit' }).toString(),
    });
    if (!r.ok) throw new TaceError('CDS_SUBMIT_UNAVAILABLE', `the token endpoint answered ${r.status}`, { httpStatus: 503, retryable: true });
    const body = (await r.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new TaceError('CDS_SUBMIT_UNAVAILABLE', 'the token endpoint returned no access_token', { httpStatus: 503 });
    cached = { token: body.access_token, until: Date.now() + Math.max(10, (body.expires_in ?? 300) - 30) * 1000 };
    return body.access_token;
  };

  const post = async (bearer: string, body: string) =>
    f(opts.ingestionUrl.replace(/\/$/, '') + '/v1/assessments', {
      method: 'POST',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${bearer}` },
      body,
    });

  return {
    async request(patientReference, studyInstanceUid) {
      const body = JSON.stringify({ patientReference, studyInstanceUid });
      let r = await post(await token(), body);
      if (r.status === 401) {
        cached = undefined; // revoked or rotated: one fresh token
        r = await post(await token(), body);
      }
      if (r.status !== 202) {
        // The problem's code only: its detail may quote the request.
        const code = ((await r.json().catch(() => ({}))) as { code?: string }).code ?? `HTTP_${r.status}`;
        throw new TaceError('CDS_SUBMIT_FAILED', `the ingestion service refused the run (${code})`, { httpStatus: 502, retryable: r.status >= 500, detail: { code, status: r.status } });
      }
      const accepted = (await r.json()) as { runId: string; created: boolean };
      return { runId: accepted.runId, created: accepted.created };
    },
  };
}
