/**
 * MedplumClient construction for any FHIR R4 server (not only Medplum).
 *
 * - `fhirBaseUrl` is the FHIR base (e.g. `https://ehr.example.org/fhir/R4/` or HAPI's
 *   `http://hapi:8080/fhir/`); MedplumClient is given it as `baseUrl` with an empty `fhirUrlPath`,
 *   so no Medplum-specific path is appended.
 * - Caching is off: clinical inputs and idempotency checks must see the server's current state.
 * - MedplumClient's own 5xx retry is off (`maxRetries: 0`): this package retries with its own
 *   exponential backoff (retry.ts) so attempts are counted, logged and bounded in one place.
 * - Auth (smart-auth.ts): none (test server), a static bearer token, OAuth2 client credentials with
 *   a client secret, or SMART Backend Services (a signed JWT client assertion, no shared secret);
 *   tokens cached until shortly before expiry and refreshed once on a 401. Done here in the fetch
 *   wrapper rather than with MedplumClient's `startClientLogin`, which after the token also calls
 *   Medplum's own `auth/me` endpoint that a non-Medplum EHR does not have.
 */
import { MedplumClient, type FetchLike } from '@medplum/core';
import { TaceError } from '@tace/common';
import { createTokenSource, type FhirAuthConfig } from './smart-auth.ts';

export interface FhirClientOptions {
  fhirBaseUrl: string;
  fetch?: FetchLike;
  /** Static bearer token. */
  accessToken?: string;
  /** OAuth2 client credentials. */
  clientCredentials?: { clientId: string; clientSecret: string; tokenUrl: string; scope?: string };
  /** Any of the modes, SMART Backend Services (private_key_jwt) included; wins over the two above. */
  auth?: FhirAuthConfig;
  /** Timeout of each request (FHIR and token endpoint), response body included, ms (default 10 000). */
  timeoutMs?: number;
}

/**
 * Every request gets a deadline: a FHIR server that accepts the connection and never answers
 * (hung, stopped, a proxy holding the socket) fails the call as a retryable FHIR_UNAVAILABLE
 * instead of holding a request handler or a job forever. The signal also bounds the body read.
 */
function withTimeout(inner: FetchLike, timeoutMs: number): FetchLike {
  return async (url: string, init?: RequestInit) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await inner(url, { ...init, signal });
    } catch (e) {
      if (deadline.aborted) {
        throw new TaceError('FHIR_UNAVAILABLE', `FHIR server did not answer ${init?.method ?? 'GET'} within ${timeoutMs} ms`, { httpStatus: 503, retryable: true, detail: { timeoutMs }, cause: e });
      }
      throw e;
    }
  };
}

export function createFhirClient(opts: FhirClientOptions): MedplumClient {
  const base = opts.fhirBaseUrl.endsWith('/') ? opts.fhirBaseUrl : opts.fhirBaseUrl + '/';
  const inner: FetchLike = withTimeout(opts.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init)), opts.timeoutMs ?? 10_000);
  return new MedplumClient({
    baseUrl: base,
    fhirUrlPath: '',
    fetch: transientAsError(withAuth(inner, opts)),
    cacheTime: 0,
    maxRetries: 0,
  });
}

function withAuth(inner: FetchLike, opts: FhirClientOptions): FetchLike {
  const auth: FhirAuthConfig =
    opts.auth ??
    (opts.accessToken
      ? { mode: 'static', token: opts.accessToken }
      : opts.clientCredentials
        ? { mode: 'client-secret', ...opts.clientCredentials }
        : { mode: 'none' });
  if (auth.mode === 'none') return inner;
  const source = createTokenSource(auth, opts.fhirBaseUrl, inner as (url: string, init?: RequestInit) => Promise<Response>);
  const send = async (url: string, init: RequestInit | undefined) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await source.token()}`);
    return (await inner(url, { ...init, headers })) as Response;
  };
  return async (url: string, init?: RequestInit) => {
    const res = await send(url, init);
    // an access token the server no longer accepts (revoked, expired early, keys rotated): drop it
    // and try once more with a fresh one (a static token cannot be refreshed)
    if (res.status === 401 && auth.mode !== 'static') {
      await res.arrayBuffer().catch(() => undefined);
      source.invalidate();
      return send(url, init);
    }
    return res;
  };
}

/**
 * MedplumClient turns every >= 400 answer into an OperationOutcomeError and drops the status, and
 * a non-JSON 502 from a proxy becomes an "invalid" outcome. To classify reliably, 5xx and 429
 * answers are raised here as `FHIR_UNAVAILABLE` (retryable) with the status in `detail`; the
 * body is not echoed (it may contain patient data).
 */
function transientAsError(inner: FetchLike): FetchLike {
  return async (url: string, init?: RequestInit) => {
    const res = (await inner(url, init)) as Response;
    if (res.status >= 500 || res.status === 429) {
      throw new TaceError('FHIR_UNAVAILABLE', `FHIR server answered HTTP ${res.status} to ${init?.method ?? 'GET'}`, {
        httpStatus: 503,
        retryable: true,
        detail: { status: res.status },
      });
    }
    return res;
  };
}
