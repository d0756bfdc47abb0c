/**
 * Authentication to a DICOMweb server as hospitals run them: HTTP Basic (Orthanc, dcm4chee
 * behind a reverse proxy), a static bearer token (an API gateway key), or OAuth 2.0 client
 * credentials (RFC 6749 §4.4, `client_secret_basic`) against the hospital's identity provider.
 * `dicomWebAuth(config)` gives one `headers()` for every DICOMweb client (QIDO/WADO here, the
 * STOW client), and `invalidate()` for the one refresh + retry after a 401. Secrets come from
 * files (mounted k8s secrets), are read when the auth is built, and appear in no error or log.
 */
import { readFileSync } from 'node:fs';
import { TaceError } from '@tace/common';

export type DicomWebAuthConfig =
  | { mode: 'none' }
  | { mode: 'basic'; username: string; password: string }
  /** `tokenFile`: re-read after a 401, so a rotated secret is picked up without a restart. */
  | { mode: 'bearer'; token?: string; tokenFile?: string }
  | { mode: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string };

export interface DicomWebAuth {
  readonly mode: DicomWebAuthConfig['mode'];
  /** Headers to add to a request (`Authorization`, or none). Fetches a token when needed. */
  headers(): Promise<Record<string, string>>;
  /** The server answered 401: drop what is cached, so the next headers() is fresh. */
  invalidate(): void;
  /** Whether invalidate() can give different credentials (so a 401 is worth one retry). */
  readonly refreshable: boolean;
}

export interface DicomWebAuthOptions {
  fetch?: typeof fetch;
  /** Timeout of a token request, ms (default 10 000). */
  timeoutMs?: number;
}

function authFailed(message: string, retryable: boolean, detail: Record<string, unknown> = {}): TaceError {
  return new TaceError('DICOMWEB_AUTH_FAILED', message, { httpStatus: 502, retryable, detail });
}

/** Read a secret from a file, trimmed (a trailing newline is not part of it); the path is named, the content never. */
export function readSecretFile(path: string, what: string): string {
  let s: string;
  try {
    s = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new TaceError('CONFIG_INVALID', `cannot read the ${what} file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { detail: { path } });
  }
  if (s === '') throw new TaceError('CONFIG_INVALID', `the ${what} file is empty`, { detail: { path } });
  return s;
}

/** A client secret only goes over https, or plain http to loopback (tests, a sidecar). */
function requireSecureTokenUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TaceError('CONFIG_INVALID', 'the DICOMweb token endpoint is not a URL');
  }
  const loopback = u.hostname === 'localhost' || u.hostname === '[::1]' || /^127\./.test(u.hostname);
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
    throw new TaceError('CONFIG_INVALID', 'the DICOMweb token endpoint is not https: no client secret is sent over plain http (except to loopback)', { detail: { protocol: u.protocol } });
  }
}

const basicHeader = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

export function dicomWebAuth(config: DicomWebAuthConfig, opts: DicomWebAuthOptions = {}): DicomWebAuth {
  switch (config.mode) {
    case 'none':
      return { mode: 'none', refreshable: false, headers: async () => ({}), invalidate: () => {} };
    case 'basic': {
      // RFC 7617: a colon cannot be inside the user-id.
      if (config.username.includes(':')) throw new TaceError('CONFIG_INVALID', 'a DICOMweb basic-auth username cannot contain ":"');
      const h = { Authorization: basicHeader(config.username, config.password) };
      return { mode: 'basic', refreshable: false, headers: async () => h, invalidate: () => {} };
    }
    case 'bearer': {
      const { tokenFile } = config;
      if (!config.token && !tokenFile) throw new TaceError('CONFIG_INVALID', 'DICOMweb bearer auth needs a token or a token file');
      let token = config.token ?? readSecretFile(tokenFile!, 'DICOMweb token');
      let stale = false;
      return {
        mode: 'bearer',
        refreshable: tokenFile !== undefined,
        headers: async () => {
          if (stale && tokenFile) { token = readSecretFile(tokenFile, 'DICOMweb token'); stale = false; }
          return { Authorization: `Bearer ${token}` };
        },
        invalidate: () => { stale = true; },
      };
    }
    case 'oauth2':
      return oauth2(config, opts);
  }
}

function oauth2(cfg: Extract<DicomWebAuthConfig, { mode: 'oauth2' }>, opts: DicomWebAuthOptions): DicomWebAuth {
  requireSecureTokenUrl(cfg.tokenUrl);
  const f = opts.fetch ?? fetch;
  let cached: { token: string; refreshAtMs: number } | undefined;
  let inflight: Promise<string> | undefined;

  const request = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...(cfg.scope ? { scope: cfg.scope } : {}) });
    let res: Response;
    try {
      res = await f(cfg.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
          authorization: basicHeader(encodeURIComponent(cfg.clientId), encodeURIComponent(cfg.clientSecret)),
        },
        body: form.toString(),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      const timedOut = e instanceof Error && e.name === 'TimeoutError';
      throw authFailed(`the DICOMweb token endpoint ${timedOut ? 'did not answer in time' : 'is unreachable'}`, true, { cause: timedOut ? 'timeout' : 'network' });
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    try {
      body = (await res.json()) as typeof body;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      // The OAuth error code only, never error_description (it may echo what was sent).
      const error = typeof body?.error === 'string' ? body.error.slice(0, 64) : undefined;
      throw authFailed(`the DICOMweb token endpoint answered HTTP ${res.status}${error ? ` (${error})` : ''}`,
        res.status >= 500 || res.status === 429, { status: res.status, ...(error ? { error } : {}) });
    }
    if (typeof body?.access_token !== 'string' || body.access_token === '') {
      throw authFailed('the DICOMweb token endpoint answered without an access_token', true, { status: res.status });
    }
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    // Refresh ahead of expiry (a minute, or a tenth of a short lifetime) so a request never carries a token that expires on the way.
    cached = { token: body.access_token, refreshAtMs: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) };
    return body.access_token;
  };

  return {
    mode: 'oauth2',
    refreshable: true,
    headers: async () => {
      if (cached && Date.now() < cached.refreshAtMs) return { Authorization: `Bearer ${cached.token}` };
      // Concurrent callers share one token request.
      inflight ??= request().finally(() => { inflight = undefined; });
      return { Authorization: `Bearer ${await inflight}` };
    },
    invalidate: () => { cached = undefined; },
  };
}

/** The settings' shape (TACE_DICOMWEB_AUTH and friends), secrets still in files. */
export interface DicomWebAuthSettings {
  mode: 'none' | 'basic' | 'bearer' | 'oauth2';
  username?: string;
  passwordFile?: string;
  token?: string;
  tokenFile?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecretFile?: string;
  scope?: string;
}

/** Build the auth from settings, reading the secret files now (a missing file stops start-up). */
export function dicomWebAuthFromSettings(s: DicomWebAuthSettings, opts: DicomWebAuthOptions = {}): DicomWebAuth {
  switch (s.mode) {
    case 'none': return dicomWebAuth({ mode: 'none' });
    case 'basic':
      if (!s.username || !s.passwordFile) throw new TaceError('CONFIG_INVALID', 'DICOMweb basic auth needs a username and a password file');
      return dicomWebAuth({ mode: 'basic', username: s.username, password: readSecretFile(s.passwordFile, 'DICOMweb password') });
    case 'bearer':
      return dicomWebAuth({ mode: 'bearer', ...(s.token ? { token: s.token } : {}), ...(s.tokenFile ? { tokenFile: s.tokenFile } : {}) });
    case 'oauth2':
      if (!s.tokenUrl || !s.clientId || !s.clientSecretFile) throw new TaceError('CONFIG_INVALID', 'DICOMweb OAuth2 needs a token URL, a client id and a client secret file');
      return dicomWebAuth({ mode: 'oauth2', tokenUrl: s.tokenUrl, clientId: s.clientId, clientSecret: readSecretFile(s.clientSecretFile, 'DICOMweb client secret'), ...(s.scope ? { scope: s.scope } : {}) }, opts);
  }
}
