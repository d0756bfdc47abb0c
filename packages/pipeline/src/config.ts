import { TaceError } from '@tace/common';

/**
 * Every setting the services read, in one table: name, meaning, default, parser. Start-up
 * validates the environment against it and stops with one message listing every problem.
 * The docker-compose test checks the compose file against the same table.
 */
export interface Setting<T> {
  env: string;
  description: string;
  services: ReadonlyArray<'ingestion' | 'inference-worker' | 'results'>;
  required?: boolean;
  default?: string;
  parse: (raw: string) => T;
  secret?: boolean;
}

const ALL = ['ingestion', 'inference-worker', 'results'] as const;

function url(raw: string): string {
  const u = new URL(raw);
  if (!/^(https?|redis|rediss):$/.test(u.protocol)) throw new Error(`unsupported scheme ${u.protocol}`);
  return raw.replace(/\/$/, '');
}
function num(min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`must be a number in [${min}, ${max}]`);
    return n;
  };
}
function int(min: number, max: number) {
  return (raw: string): number => {
    const n = num(min, max)(raw);
    if (!Number.isInteger(n)) throw new Error('must be an integer');
    return n;
  };
}
const str = (raw: string): string => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};

export const SETTINGS = {
  fhirBaseUrl: { env: 'TACE_FHIR_BASE_URL', description: 'Base URL of the EHR FHIR R4 server (…/fhir/R4)', services: ['ingestion', 'results'], required: true, parse: url },
  fhirToken: { env: 'TACE_FHIR_TOKEN', description: 'Bearer token for the FHIR server (optional; or client credentials below)', services: ['ingestion', 'results'], parse: str, secret: true },
  fhirClientId: { env: 'TACE_FHIR_CLIENT_ID', description: 'SMART backend client id (client credentials grant, optional)', services: ['ingestion', 'results'], parse: str },
  fhirClientSecret: { env: 'TACE_FHIR_CLIENT_SECRET', description: 'SMART backend client secret', services: ['ingestion', 'results'], parse: str, secret: true },
  redisUrl: { env: 'TACE_REDIS_URL', description: 'Redis for the queues and run records (AOF on, maxmemory-policy noeviction)', services: ALL, default: 'redis://127.0.0.1:6379', parse: url },
  caseStoreDir: { env: 'TACE_CASE_STORE_DIR', description: 'Directory of the content-addressed case store, shared by ingestion and workers', services: ['ingestion', 'inference-worker'], default: './var/cases', parse: str },
  dicomFolder: { env: 'TACE_DICOM_FOLDER', description: 'Folder of DICOM studies (the study source; or TACE_DICOMWEB_URL)', services: ['ingestion'], parse: str },
  dicomWebUrl: { env: 'TACE_DICOMWEB_URL', description: 'DICOMweb base URL of the PACS (QIDO-RS/WADO-RS), e.g. http://pacs:8042/dicom-web; used instead of TACE_DICOM_FOLDER', services: ['ingestion'], parse: url },
  dicomWebToken: { env: 'TACE_DICOMWEB_TOKEN', description: 'Bearer token for the DICOMweb server (optional)', services: ['ingestion'], parse: str, secret: true },
  modelBundleDir: { env: 'TACE_MODEL_BUNDLE_DIR', description: 'Model bundle folder (manifest.json + files); refused at start-up if its checks fail', services: ['ingestion', 'inference-worker'], default: './models/demo-synthetic', parse: str },
  webhookSecret: { env: 'TACE_WEBHOOK_SECRET', description: 'Shared secret of the FHIR rest-hook Subscription (HMAC-SHA256 of the body in X-Signature); at least 16 characters', services: ['ingestion'], required: true, secret: true, parse: (raw: string) => { if (raw.length < 16) throw new Error('must be at least 16 characters'); return raw; } },
  host: { env: 'TACE_HOST', description: 'Listen address', services: ALL, default: '0.0.0.0', parse: str },
  port: { env: 'TACE_PORT', description: 'Listen port (ingestion 8081, results 8082, worker health 8083 by default)', services: ALL, parse: int(0, 65535) },
  publicBaseUrl: { env: 'TACE_PUBLIC_RESULTS_URL', description: 'Base URL clients use to reach the status route (statusUrl in 202 answers); default: this service', services: ['ingestion'], parse: url },
  cropMarginMm: { env: 'TACE_CROP_MARGIN_MM', description: 'Margin around the tumour ROI kept in the case crop', services: ['ingestion'], default: '20', parse: num(0, 200) },
  windowBeforeDays: { env: 'TACE_OBS_WINDOW_BEFORE_DAYS', description: 'Clinical observations count if taken up to this many days before the TACE', services: ['ingestion'], default: '30', parse: int(0, 3650) },
  windowAfterDays: { env: 'TACE_OBS_WINDOW_AFTER_DAYS', description: 'Clinical observations count if taken up to this many days after the TACE', services: ['ingestion'], default: '7', parse: int(0, 3650) },
  afpIuPerMlToNgPerMl: { env: 'TACE_AFP_IU_PER_ML_TO_NG_PER_ML', description: 'Conversion factor for AFP reported in [IU]/mL (LOINC 19176-7); unset = such results are refused', services: ['ingestion'], parse: num(0.01, 100) },
  noduleSystem: { env: 'TACE_NODULE_CODE_SYSTEM', description: 'Code system of the nodule-count Observation (no LOINC code exists)', services: ['ingestion'], default: 'http://tace-risk.example.org/CodeSystem/clinical', parse: str },
  noduleCode: { env: 'TACE_NODULE_CODE', description: 'Code of the nodule-count Observation', services: ['ingestion'], default: 'nodule-count', parse: str },
  inferConcurrency: { env: 'TACE_INFER_CONCURRENCY', description: 'Inference jobs run at once by one worker process (each in its own sandboxed process)', services: ['inference-worker'], default: '1', parse: int(1, 64) },
  logLevel: { env: 'LOG_LEVEL', description: 'pino log level', services: ALL, default: 'info', parse: (raw: string) => { if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(raw)) throw new Error('not a pino level'); return raw; } },
} satisfies Record<string, Setting<unknown>>;

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: ReturnType<Settings[K]['parse']> | undefined };
export type ServiceName = 'ingestion' | 'inference-worker' | 'results';

/**
 * Read and validate the settings one service needs. Throws CONFIG_INVALID listing every
 * problem at once (so an operator fixes them in one go); secrets are never echoed.
 */
export function loadConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    if (!s.services.includes(service)) continue;
    const raw = env[s.env] ?? s.default;
    if (raw === undefined || raw === '') {
      if (s.required) problems.push(`${s.env} is required: ${s.description}`);
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (e) {
      problems.push(`${s.env}${s.secret ? '' : `='${raw}'`} ${(e as Error).message} (${s.description})`);
    }
  }
  if (service === 'ingestion' && !out.dicomFolder && !out.dicomWebUrl && !problems.some((p) => p.startsWith('TACE_DICOMWEB_URL'))) {
    problems.push('TACE_DICOM_FOLDER or TACE_DICOMWEB_URL is required: where the studies come from');
  }
  if (problems.length) {
    throw new TaceError('CONFIG_INVALID', `invalid configuration for ${service}:\n  - ${problems.join('\n  - ')}`, { detail: { problems } });
  }
  return out as Config;
}

export const DEFAULT_PORTS: Record<ServiceName, number> = { ingestion: 8081, results: 8082, 'inference-worker': 8083 };
