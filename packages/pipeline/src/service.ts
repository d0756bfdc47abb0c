import type { MedplumClient } from '@medplum/core';
import { createLogger, isTaceError, type Logger } from '@tace/common';
import { createFhirClient, loadSigningKeys, type FhirAuthConfig } from '@tace/fhir';
import { createTokenVerifier, type TokenVerifier } from '@tace/http';
import { loadConfig, type Config, type ServiceName } from './config.ts';

export interface RunningService {
  /** Stop taking new work, let running jobs finish, close connections. */
  close(): Promise<void>;
}

/**
 * The common life of a service process: validated configuration (a bad one stops the process
 * with every problem listed, exit code 78 = EX_CONFIG), JSON logs, and a graceful shutdown on
 * SIGTERM/SIGINT that lets the running job finish before the process exits.
 */
export async function runService(name: ServiceName, start: (cfg: Config, log: Logger) => Promise<RunningService>): Promise<void> {
  let cfg: Config;
  try {
    cfg = loadConfig(name);
  } catch (e) {
    process.stderr.write(`${name}: ${(e as Error).message}\n`);
    process.exit(78);
  }
  const log = createLogger(name, { level: cfg.logLevel ?? 'info' });
  // Signal handlers go in before start(): a worker may take its first job while start() is
  // still running, and a SIGTERM then must wait for that job too, not kill it.
  const starting = start(cfg, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing running work');
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 120_000);
    timer.unref();
    try {
      await (await starting).close();
    } catch {
      // start() failed: reported below
    }
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  try {
    await starting;
  } catch (e) {
    log.fatal({ code: isTaceError(e) ? e.code : 'STARTUP_FAILED', reason: (e as Error).message }, 'could not start');
    process.exit(1);
  }
}

/** The bearer-token verifier the configuration asks for ('off' only outside production: loadConfig checks). */
export function tokenVerifierFrom(cfg: Config): TokenVerifier | 'off' {
  if (cfg.auth === false) return 'off';
  return createTokenVerifier({
    issuer: cfg.authIssuer!,
    audience: cfg.authAudience!,
    ...(cfg.authJwksUrl ? { jwksUrl: cfg.authJwksUrl } : {}),
    algorithms: cfg.authAlgorithms!,
    clockSkewS: cfg.authClockSkewS ?? 30,
  });
}

/** How the service authenticates to the EHR, from the configuration (loads the signing keys). */
export async function fhirAuthFrom(cfg: Config): Promise<FhirAuthConfig> {
  const common = { clientId: cfg.fhirClientId!, ...(cfg.fhirTokenUrl ? { tokenUrl: cfg.fhirTokenUrl } : {}), ...(cfg.fhirScopes ? { scope: cfg.fhirScopes } : {}) };
  if (cfg.fhirPrivateKeyFile) return { mode: 'private-key-jwt', ...common, keys: await loadSigningKeys(cfg.fhirPrivateKeyFile), ...(cfg.fhirJwksUrl ? { jku: cfg.fhirJwksUrl } : {}) };
  if (cfg.fhirClientSecret) return { mode: 'client-secret', ...common, clientSecret: cfg.fhirClientSecret };
  if (cfg.fhirToken) return { mode: 'static', token: cfg.fhirToken };
  return { mode: 'none' };
}

/** The EHR's FHIR client as configured (base URL, authentication, timeout). */
export async function fhirClientFrom(cfg: Config, auth?: FhirAuthConfig): Promise<MedplumClient> {
  return createFhirClient({ fhirBaseUrl: cfg.fhirBaseUrl!, auth: auth ?? (await fhirAuthFrom(cfg)), timeoutMs: cfg.fhirTimeoutMs ?? 10_000 });
}

/** Readiness of the FHIR server: its CapabilityStatement answers (bounded by the client's timeout). */
export function fhirReadiness(fhir: MedplumClient): () => Promise<string | undefined> {
  return async () => {
    try {
      await fhir.get(fhir.fhirUrl('metadata'), { cache: 'no-cache' });
      return undefined;
    } catch (e) {
      return `FHIR server: ${e instanceof Error ? e.message.slice(0, 120) : 'not answering'}`;
    }
  };
}
