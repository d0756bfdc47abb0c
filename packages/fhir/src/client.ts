/**
 * MedplumClient construction for any FHIR R4 server (not only Medplum).
 *
 * - `fhirBaseUrl` is the FHIR base (e.g. `https://ehr.example.org/fhir/R4/` or HAPI's
 *   `http://hapi:8080/fhir/`); MedplumClient is given it as `baseUrl` with an empty `fhirUrlPath`,
 *   so no Medplum-specific path is appended.
 * - Caching is off: clinical inputs and idempotency checks must see the server's current state.
 * - MedplumClient's own 5xx retry is off (`maxRetries: 0`): this package retries with its own
 *   exponential backoff (see retry.ts) so attempts are counted, logged and bounded in one place.
 * - Auth: none (test server), a static bearer token, or OAuth2 client credentials against
 *   `tokenUrl` (SMART backend services style client_secret_post/basic as MedplumClient does it).
 */
import { MedplumClient, type FetchLike } from '@medplum/core';
import { TaceError } from '@tace/common';

export interface FhirClientOptions {
  fhirBaseUrl: string;
  fetch?: FetchLike;
  /** Static bearer token. */
  accessToken?: string;
  /** OAuth2 client credentials; `tokenUrl` is required with them. */
  clientCredentials?: { clientId: string; clientSecret: string; tokenUrl: string };
}

export function createFhirClient(opts: FhirClientOptions): MedplumClient {
  const base = opts.fhirBaseUrl.endsWith('/') ? opts.fhirBaseUrl : opts.fhirBaseUrl + '/';
  const client = new MedplumClient({
    baseUrl: base,
    fhirUrlPath: '',
    fetch: transientAsError(opts.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init))),
    cacheTime: 0,
    maxRetries: 0,
    ...(opts.clientCredentials
      ? { clientId: opts.clientCredentials.clientId, clientSecret: opts.clientCredentials.clientSecret, tokenUrl: opts.clientCredentials.tokenUrl }
      : {}),
    ...(opts.accessToken ? { accessToken: opts.accessToken } : {}),
  });
  return client;
}

/** Client-credentials login (call once before use when `clientCredentials` was given). */
export async function authenticateFhirClient(client: MedplumClient, opts: FhirClientOptions): Promise<void> {
  if (opts.clientCredentials) {
    await client.startClientLogin(opts.clientCredentials.clientId, opts.clientCredentials.clientSecret);
  }
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
