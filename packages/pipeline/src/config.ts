import { TaceError } from '@tace/common';
import { parseIssuerMap } from './identity.ts';

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
function list(raw: string): string[] {
  const items = raw.split(',').map((x) => x.trim()).filter(Boolean);
  if (items.length === 0) throw new Error('must list at least one value');
  return items;
}
function uris(raw: string): string[] {
  const items = list(raw);
  for (const u of items) if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(u)) throw new Error(`'${u}' is not an absolute URI`);
  return items;
}
/** JWS algorithms a bearer token may use: asymmetric only (no `none`, no HMAC keyed with a public key). */
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
function algorithms(raw: string): string[] {
  const items = list(raw);
  for (const a of items) if (!ASYMMETRIC_ALGS.includes(a)) throw new Error(`'${a}' is not allowed (allowed: ${ASYMMETRIC_ALGS.join(', ')})`);
  return items;
}
function pattern(raw: string): string {
  try { new RegExp(raw, 'i'); } catch { throw new Error('must be a valid regular expression'); }
  return raw;
}
function range(raw: string): { min: number; max: number } {
  const m = /^\s*([0-9.]+)\s*-\s*([0-9.]+)\s*$/.exec(raw);
  const min = Number(m?.[1]), max = Number(m?.[2]);
  if (!m || !Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new Error('must be MIN-MAX with MIN ≤ MAX (mm)');
  return { min, max };
}
const onOff = (raw: string): boolean => {
  if (raw !== 'on' && raw !== 'off') throw new Error("must be 'on' or 'off'");
  return raw === 'on';
};
const HTTP_SERVICES = ['ingestion', 'results'] as const;
function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}
const str = (raw: string): string => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};

export const SETTINGS = {
  fhirBaseUrl: { env: 'TACE_FHIR_BASE_URL', description: 'Base URL of the EHR FHIR R4 server (…/fhir/R4)', services: ['ingestion', 'results'], required: true, parse: url },
  fhirToken: { env: 'TACE_FHIR_TOKEN', description: 'Bearer token for the FHIR server (optional; or client credentials below)', services: ['ingestion', 'results'], parse: str, secret: true },
  fhirClientId: { env: 'TACE_FHIR_CLIENT_ID', description: 'Client id registered with the EHR (client credentials grant); with TACE_FHIR_PRIVATE_KEY_FILE (SMART Backend Services) or TACE_FHIR_CLIENT_SECRET', services: ['ingestion', 'results'], parse: str },
  fhirClientSecret: { env: 'TACE_FHIR_CLIENT_SECRET', description: 'Client secret (client_secret_basic), for EHRs without SMART Backend Services', services: ['ingestion', 'results'], parse: str, secret: true },
  fhirPrivateKeyFile: { env: 'TACE_FHIR_PRIVATE_KEY_FILE', description: 'SMART Backend Services signing key: a PKCS#8 PEM (RSA → RS384, EC P-384 → ES384) or a private JWK / JWKS file (first key signs, all are published: key rotation), e.g. a mounted k8s secret', services: ['ingestion', 'results'], parse: str },
  fhirTokenUrl: { env: 'TACE_FHIR_TOKEN_URL', description: "The EHR's token endpoint; default: token_endpoint from {TACE_FHIR_BASE_URL}/.well-known/smart-configuration", services: ['ingestion', 'results'], parse: url },
  fhirScopes: { env: 'TACE_FHIR_SCOPES', description: 'System scopes requested from the token endpoint (space-separated)', services: ['ingestion', 'results'], default: 'system/Patient.rs system/Observation.rs system/Procedure.rs system/ImagingStudy.rs system/RiskAssessment.cruds system/Device.crus system/Provenance.crs system/Task.cruds system/AuditEvent.c system/Subscription.rs', parse: str },
  fhirJwksUrl: { env: 'TACE_FHIR_JWKS_URL', description: 'Public URL of this service\'s JWKS (the results service serves it at /.well-known/jwks.json), sent as jku and registered with the EHR', services: ['ingestion', 'results'], parse: url },
  redisUrl: { env: 'TACE_REDIS_URL', description: 'Redis for the queues and run records (AOF on, maxmemory-policy noeviction)', services: ALL, default: 'redis://127.0.0.1:6379', parse: url },
  caseStoreDir: { env: 'TACE_CASE_STORE_DIR', description: 'Directory of the content-addressed case store, shared by ingestion and workers (and results, for the key image sent to the PACS)', services: ['ingestion', 'inference-worker', 'results'], default: './var/cases', parse: str },
  dicomFolder: { env: 'TACE_DICOM_FOLDER', description: 'Folder of DICOM studies (the study source; or TACE_DICOMWEB_URL)', services: ['ingestion'], parse: str },
  dicomWebUrl: { env: 'TACE_DICOMWEB_URL', description: 'DICOMweb base URL of the PACS (QIDO-RS/WADO-RS), e.g. http://pacs:8042/dicom-web; used instead of TACE_DICOM_FOLDER', services: ['ingestion'], parse: url },
  dicomWebToken: { env: 'TACE_DICOMWEB_TOKEN', description: 'Static bearer token for the DICOMweb server (TACE_DICOMWEB_AUTH=bearer; or TACE_DICOMWEB_TOKEN_FILE)', services: ['ingestion', 'results'], parse: str, secret: true },
  dicomWebAuth: { env: 'TACE_DICOMWEB_AUTH', description: "How to authenticate to the DICOMweb server: none, basic, bearer or oauth2 (client credentials); default bearer when a token is set, else none", services: ['ingestion', 'results'], parse: oneOf(['none', 'basic', 'bearer', 'oauth2'] as const) },
  dicomWebUsername: { env: 'TACE_DICOMWEB_USERNAME', description: 'HTTP Basic user name for the DICOMweb server (TACE_DICOMWEB_AUTH=basic)', services: ['ingestion', 'results'], parse: str },
  dicomWebPasswordFile: { env: 'TACE_DICOMWEB_PASSWORD_FILE', description: 'File holding the HTTP Basic password (TACE_DICOMWEB_AUTH=basic), e.g. a mounted k8s secret', services: ['ingestion', 'results'], parse: str },
  dicomWebTokenFile: { env: 'TACE_DICOMWEB_TOKEN_FILE', description: 'File holding a static bearer token (TACE_DICOMWEB_AUTH=bearer); read again after a 401, so a rotated token needs no restart', services: ['ingestion', 'results'], parse: str },
  dicomWebTokenUrl: { env: 'TACE_DICOMWEB_TOKEN_URL', description: 'OAuth 2.0 token endpoint for the DICOMweb server (TACE_DICOMWEB_AUTH=oauth2; https, or http on loopback)', services: ['ingestion', 'results'], parse: url },
  dicomWebClientId: { env: 'TACE_DICOMWEB_CLIENT_ID', description: 'OAuth 2.0 client id (TACE_DICOMWEB_AUTH=oauth2, client_secret_basic)', services: ['ingestion', 'results'], parse: str },
  dicomWebClientSecretFile: { env: 'TACE_DICOMWEB_CLIENT_SECRET_FILE', description: 'File holding the OAuth 2.0 client secret (TACE_DICOMWEB_AUTH=oauth2)', services: ['ingestion', 'results'], parse: str },
  dicomWebScope: { env: 'TACE_DICOMWEB_SCOPE', description: 'Scope requested with the OAuth 2.0 client credentials (space-separated; optional)', services: ['ingestion', 'results'], parse: str },
  dicomWebMaxPartMb: { env: 'TACE_DICOMWEB_MAX_PART_MB', description: 'Largest DICOM instance accepted in a WADO-RS answer, MiB (DICOMWEB_PART_TOO_LARGE above): bounds the memory one part may take', services: ['ingestion'], default: '1024', parse: int(1, 65_536) },
  modelBundleDir: { env: 'TACE_MODEL_BUNDLE_DIR', description: 'Model bundle folder (manifest.json + files); refused at start-up if its checks fail', services: ['ingestion', 'inference-worker'], default: './models/demo-synthetic', parse: str },
  webhookSecret: { env: 'TACE_WEBHOOK_SECRET', description: 'Signing secret of the rest-hook (Standard Webhooks: whsec_<base64>, or 16+ characters)', services: ['ingestion'], required: true, secret: true, parse: secret16 },
  webhookSecretPrevious: { env: 'TACE_WEBHOOK_SECRET_PREVIOUS', description: 'The previous rest-hook secret, still accepted during a rotation', services: ['ingestion'], secret: true, parse: secret16 },
  webhookToleranceS: { env: 'TACE_WEBHOOK_TOLERANCE_S', description: 'How far a rest-hook timestamp may be from now, seconds (older or newer is refused)', services: ['ingestion'], default: '300', parse: int(10, 3600) },
  host: { env: 'TACE_HOST', description: 'Listen address (loopback by default; 0.0.0.0 in a container behind its own network)', services: ALL, default: '127.0.0.1', parse: str },
  auth: { env: 'TACE_AUTH', description: "Bearer-token authentication of every route but health: 'on', or 'off' only for the embedded demo (refused when NODE_ENV=production)", services: HTTP_SERVICES, default: 'on', parse: onOff },
  authIssuer: { env: 'TACE_AUTH_ISSUER', description: 'OAuth 2.0 / OIDC issuer of the bearer tokens (iss); required when TACE_AUTH=on', services: HTTP_SERVICES, parse: url },
  authAudience: { env: 'TACE_AUTH_AUDIENCE', description: 'Audience the tokens must name (aud); required when TACE_AUTH=on', services: HTTP_SERVICES, parse: str },
  authJwksUrl: { env: 'TACE_AUTH_JWKS_URL', description: "The issuer's JWKS URL; default: jwks_uri from the issuer's OpenID / OAuth metadata", services: HTTP_SERVICES, parse: url },
  authAlgorithms: { env: 'TACE_AUTH_ALGORITHMS', description: 'JWS algorithms accepted (asymmetric only)', services: HTTP_SERVICES, default: 'RS256,RS384,PS256,ES256,ES384', parse: algorithms },
  authClockSkewS: { env: 'TACE_AUTH_CLOCK_SKEW_S', description: 'Clock skew tolerated on exp/nbf/iat, seconds', services: HTTP_SERVICES, default: '30', parse: int(0, 300) },
  rateLimitPerMinute: { env: 'TACE_RATE_LIMIT_PER_MINUTE', description: 'Requests per minute per client (token subject, else address) on every route but health', services: HTTP_SERVICES, default: '600', parse: int(1, 1_000_000) },
  fhirTimeoutMs: { env: 'TACE_FHIR_TIMEOUT_MS', description: 'Timeout of each FHIR request (and token request), ms', services: ['ingestion', 'results'], default: '10000', parse: int(100, 600_000) },
  dicomWebTimeoutMs: { env: 'TACE_DICOMWEB_TIMEOUT_MS', description: 'Timeout of each DICOMweb request, ms', services: ['ingestion'], default: '60000', parse: int(100, 3_600_000) },
  patientIdSystems: { env: 'TACE_PATIENT_ID_SYSTEMS', description: "Identifier systems of the FHIR Patient whose value is the study's DICOM PatientID (comma-separated URIs)", services: ['ingestion'], required: true, parse: uris },
  patientIdIssuers: { env: 'TACE_PATIENT_ID_ISSUERS', description: 'DICOM IssuerOfPatientID → identifier system, as ISSUER=system,…; a study naming an issuer not listed is refused', services: ['ingestion'], parse: parseIssuerMap },
  port: { env: 'TACE_PORT', description: 'Listen port (ingestion 8081, results 8082, worker health 8083 by default)', services: ALL, parse: int(0, 65535) },
  publicBaseUrl: { env: 'TACE_PUBLIC_RESULTS_URL', description: 'Base URL clients use to reach the status route (statusUrl in 202 answers); default: this service', services: ['ingestion'], parse: url },
  cropMarginMm: { env: 'TACE_CROP_MARGIN_MM', description: 'Margin around the tumour ROI kept in the case crop', services: ['ingestion'], default: '20', parse: num(0, 200) },
  gantryTilt: { env: 'TACE_GANTRY_TILT', description: "A gantry-tilted CT series: 'resample' onto an orthogonal grid (mask moved the same way) or 'refuse' (DICOM_GANTRY_TILT)", services: ['ingestion'], default: 'resample', parse: oneOf(['resample', 'refuse'] as const) },
  seriesDescriptionInclude: { env: 'TACE_SERIES_DESCRIPTION_INCLUDE', description: 'The scored series\' SeriesDescription must match this case-insensitive regular expression (e.g. portal|venous)', services: ['ingestion'], parse: pattern },
  seriesDescriptionExclude: { env: 'TACE_SERIES_DESCRIPTION_EXCLUDE', description: 'A series whose SeriesDescription matches this case-insensitive regular expression is not scored (e.g. scout|localizer|dose|mip)', services: ['ingestion'], parse: pattern },
  seriesPhasePreference: { env: 'TACE_SERIES_PHASE_PREFERENCE', description: 'Contrast phases preferred when several segmented series qualify, best first (comma-separated regular expressions on SeriesDescription)', services: ['ingestion'], parse: (raw: string) => list(raw).map(pattern) },
  seriesMinSlices: { env: 'TACE_SERIES_MIN_SLICES', description: 'Fewest slices a scored series may have', services: ['ingestion'], parse: int(1, 100000) },
  seriesSliceThicknessMm: { env: 'TACE_SERIES_SLICE_THICKNESS_MM', description: 'Slice thickness bounds of a scored series, as MIN-MAX mm (e.g. 0.5-5)', services: ['ingestion'], parse: range },
  seriesAfterTace: { env: 'TACE_SERIES_AFTER_TACE', description: "'on': the scored series must be acquired on or after the TACE date", services: ['ingestion'], default: 'on', parse: onOff },
  windowBeforeDays: { env: 'TACE_OBS_WINDOW_BEFORE_DAYS', description: 'Clinical observations count if taken up to this many days before the TACE', services: ['ingestion'], default: '30', parse: int(0, 3650) },
  windowAfterDays: { env: 'TACE_OBS_WINDOW_AFTER_DAYS', description: 'Clinical observations count if taken up to this many days after the TACE', services: ['ingestion'], default: '7', parse: int(0, 3650) },
  afpIuPerMlToNgPerMl: { env: 'TACE_AFP_IU_PER_ML_TO_NG_PER_ML', description: 'Conversion factor for AFP reported in [IU]/mL (LOINC 19176-7); unset = such results are refused', services: ['ingestion'], parse: num(0.01, 100) },
  noduleSystem: { env: 'TACE_NODULE_CODE_SYSTEM', description: 'Code system of the nodule-count Observation (no LOINC code exists)', services: ['ingestion'], default: 'http://tace-risk.example.org/CodeSystem/clinical', parse: str },
  noduleCode: { env: 'TACE_NODULE_CODE', description: 'Code of the nodule-count Observation', services: ['ingestion'], default: 'nodule-count', parse: str },
  inferConcurrency: { env: 'TACE_INFER_CONCURRENCY', description: 'Inference jobs run at once by one worker process (each in its own sandboxed process)', services: ['inference-worker'], default: '1', parse: int(1, 64) },
  cdsServiceUrl: { env: 'TACE_CDS_SERVICE_URL', description: 'Public URL of the CDS Hooks discovery endpoint (…/cds-services): the aud the CDS client\'s JWT must name (+ /{id} for a service); the CDS Hooks routes are served when this is set', services: ['results'], parse: url },
  cdsClients: { env: 'TACE_CDS_CLIENTS', description: 'Registered CDS clients (EHRs) as ISSUER=JWKS_URL,…: the JWT iss and the key set its signature is checked against', services: ['results'], parse: cdsClients },
  cdsJkuAllowList: { env: 'TACE_CDS_JKU_ALLOWLIST', description: 'JWKS URLs a CDS client JWT may name in its jku header (comma-separated, exact match); any other jku is refused', services: ['results'], parse: urls },
  cdsBudgetMs: { env: 'TACE_CDS_BUDGET_MS', description: 'A CDS hook is answered within this many ms (cache or prefetch; what the EHR has not answered by then gets no card and fills the cache)', services: ['results'], default: '400', parse: int(20, 5000) },
  cdsCacheTtlS: { env: 'TACE_CDS_CACHE_TTL_S', description: 'How long a patient\'s CDS answer is cached, seconds (invalidated earlier when a run of the patient publishes; "nothing to score" at most 60 s)', services: ['results'], default: '300', parse: int(5, 86_400) },
  cdsSubmitUrl: { env: 'TACE_CDS_SUBMIT_URL', description: 'Base URL of the ingestion service: a CDS hook finding no result requests a run there (POST /v1/assessments); unset = hooks request nothing', services: ['results'], parse: url },
  cdsSubmitClientId: { env: 'TACE_CDS_SUBMIT_CLIENT_ID', description: "This service's OAuth 2.0 client id at TACE_AUTH_ISSUER (client_credentials, scope assessments:submit), for TACE_CDS_SUBMIT_URL", services: ['results'], parse: str },
  cdsSubmitClientSecret: { env: 'TACE_CDS_SUBMIT_CLIENT_SECRET', description: 'Its client secret (client_secret_basic)', services: ['results'], parse: str, secret: true },
  cdsSubmitTokenUrl: { env: 'TACE_CDS_SUBMIT_TOKEN_URL', description: "Token endpoint for those credentials; default: token_endpoint of TACE_AUTH_ISSUER's metadata", services: ['results'], parse: url },
  subscriptionHeartbeatMisses: { env: 'TACE_SUBSCRIPTION_HEARTBEAT_MISSES', description: 'A topic-based Subscription with no notification for this many heartbeat periods is marked error (GET /v1/subscriptions)', services: ['ingestion'], default: '3', parse: int(1, 100) },
  subscriptionCheckIntervalS: { env: 'TACE_SUBSCRIPTION_CHECK_INTERVAL_S', description: 'How often the ingestion service checks its Subscriptions (heartbeats, open gaps), seconds', services: ['ingestion'], default: '30', parse: int(1, 3600) },
  subscriptionGapGraceS: { env: 'TACE_SUBSCRIPTION_GAP_GRACE_S', description: 'A gap in Subscription event numbers still open after this many seconds (a late delivery may fill it) is recovered with $events, else by search', services: ['ingestion'], default: '10', parse: int(0, 3600) },
  pacsResults: { env: 'TACE_PACS_RESULTS', description: "Send each run's DICOM SR (TID 1500) and key image to the PACS after the RiskAssessment: 'off', 'stow' (STOW-RS to TACE_PACS_STOW_URL) or 'cstore' (C-STORE to TACE_PACS_AE)", services: ['results'], default: 'off', parse: pacsMode },
  pacsStowUrl: { env: 'TACE_PACS_STOW_URL', description: 'DICOMweb root the results are stored to with STOW-RS, e.g. http://pacs:8042/dicom-web (the PACS must overwrite an instance sent again: Orthanc OverwriteInstances)', services: ['results'], parse: url },
  pacsAe: { env: 'TACE_PACS_AE', description: 'The PACS Storage SCP for C-STORE, as AE_TITLE@host:port', services: ['results'], parse: aeAddress },
  pacsCallingAe: { env: 'TACE_PACS_CALLING_AE', description: 'Our AE title on C-STORE associations (the PACS must know it)', services: ['results'], default: 'TACE_RISK', parse: aeTitle },
  pacsTimeoutMs: { env: 'TACE_PACS_TIMEOUT_MS', description: 'Deadline of each STOW-RS request or C-STORE association to the PACS, ms', services: ['results'], default: '30000', parse: int(100, 600_000) },
  dimsePort: { env: 'TACE_DIMSE_PORT', description: 'Port of the DIMSE Storage SCP (C-ECHO, C-STORE) on TACE_HOST; unset = no SCP', services: ['ingestion'], parse: int(1, 65535) },
  dimseAeTitle: { env: 'TACE_DIMSE_AE_TITLE', description: 'Our AE title: an association calling another is refused (called-AE-title-not-recognized)', services: ['ingestion'], default: 'TACE_RISK', parse: aeTitle },
  dimseAllowedAes: { env: 'TACE_DIMSE_ALLOWED_AES', description: 'Calling AE titles allowed to send (comma-separated); any other is refused (calling-AE-title-not-recognized, logged DIMSE_AE_NOT_ALLOWED); required with TACE_DIMSE_PORT', services: ['ingestion'], parse: (raw: string) => list(raw).map(aeTitle) },
  dimseTransferSyntaxes: { env: 'TACE_DIMSE_TRANSFER_SYNTAXES', description: 'Transfer syntax UIDs the SCP accepts (comma-separated); default: every syntax @tace/dicom decodes', services: ['ingestion'], parse: uids },
  dimseSopClasses: { env: 'TACE_DIMSE_SOP_CLASSES', description: 'Storage SOP class UIDs the SCP accepts (comma-separated); default: CT, Enhanced/Legacy Converted CT, SEG, RTSTRUCT, SR (basic, enhanced, comprehensive, 3D), Secondary Capture', services: ['ingestion'], parse: uids },
  dimseStoreDir: { env: 'TACE_DIMSE_STORE_DIR', description: 'Received-instances store: <dir>/<study>/<series>/<sop>.dcm, each written whole (tmp + rename); read before the configured study source', services: ['ingestion'], default: './var/received', parse: str },
  dimseMaxAssociations: { env: 'TACE_DIMSE_MAX_ASSOCIATIONS', description: 'Associations at once; one more is refused (transient, local-limit-exceeded)', services: ['ingestion'], default: '8', parse: int(1, 256) },
  dimseMaxPduBytes: { env: 'TACE_DIMSE_MAX_PDU_BYTES', description: 'Longest P-DATA-TF PDU accepted (announced in the A-ASSOCIATE-AC), bytes', services: ['ingestion'], default: '262144', parse: int(4096, 4_194_304) },
  dimseIdleTimeoutS: { env: 'TACE_DIMSE_IDLE_TIMEOUT_S', description: 'An association silent this long is aborted, seconds', services: ['ingestion'], default: '60', parse: int(1, 3600) },
  studyQuietS: { env: 'TACE_STUDY_QUIET_S', description: 'A received study with no new instance for this long is complete and scored (a late instance re-arms it; a run starts again only if the inputs changed), seconds', services: ['ingestion'], default: '30', parse: int(1, 86_400) },
  orthancChangesUrl: { env: 'TACE_ORTHANC_CHANGES_URL', description: "Orthanc REST root (e.g. http://pacs:8042): its change log is polled and each StableStudy is scored like a DIMSE study gone quiet; unset = not polled", services: ['ingestion'], parse: url },
  orthancChangesIntervalS: { env: 'TACE_ORTHANC_CHANGES_INTERVAL_S', description: 'How often Orthanc\'s change log is read, seconds', services: ['ingestion'], default: '5', parse: int(1, 3600) },
  logLevel: { env: 'LOG_LEVEL', description: 'pino log level', services: ALL, default: 'info', parse: (raw: string) => { if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(raw)) throw new Error('not a pino level'); return raw; } },
} satisfies Record<string, Setting<unknown>>;

function urls(raw: string): string[] {
  return list(raw).map((u) => {
    if (!/^https?:$/.test(new URL(u).protocol)) throw new Error(`'${u}' is not an http(s) URL`);
    return u;
  });
}
/** ISSUER=JWKS_URL,…; the JWKS URL is the part after the first '=' that starts an http(s) URL. */
function cdsClients(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(raw)) {
    const m = /^(.+?)=(https?:\/\/.+)$/.exec(item);
    if (!m) throw new Error(`'${item}' is not ISSUER=JWKS_URL`);
    new URL(m[2]!);
    out[m[1]!] = m[2]!;
  }
  return out;
}

function pacsMode(raw: string): 'off' | 'stow' | 'cstore' {
  if (raw !== 'off' && raw !== 'stow' && raw !== 'cstore') throw new Error("must be 'off', 'stow' or 'cstore'");
  return raw;
}
function aeAddress(raw: string): { aeTitle: string; host: string; port: number } {
  const m = /^(.+)@([^@:]+|\[[^\]]+\]):(\d{1,5})$/.exec(raw);
  if (!m) throw new Error('must be AE_TITLE@host:port');
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new Error('port must be 1-65535');
  return { aeTitle: aeTitle(m[1]!), host: m[2]!.replace(/^\[|\]$/g, ''), port };
}
/** An AE title: 1–16 characters of the default repertoire, no backslash, not only spaces (PS3.5 6.2). */
function aeTitle(raw: string): string {
  if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(raw) || raw.trim() === '') throw new Error(`'${raw}' is not an AE title (1–16 printable characters, no backslash)`);
  return raw.trim();
}
function uids(raw: string): string[] {
  const items = list(raw);
  for (const u of items) if (!/^[0-9]+(\.[0-9]+)*$/.test(u) || u.length > 64) throw new Error(`'${u}' is not a UID`);
  return items;
}

function secret16(raw: string): string {
  if (raw.length < 16) throw new Error('must be at least 16 characters');
  return raw;
}

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
  if (out.dimsePort !== undefined && !out.dimseAllowedAes && !problems.some((p) => p.startsWith('TACE_DIMSE_ALLOWED_AES'))) {
    problems.push('TACE_DIMSE_ALLOWED_AES is required with TACE_DIMSE_PORT: the calling AE titles that may send studies');
  }
  if (out.auth === true && (HTTP_SERVICES as readonly string[]).includes(service)) {
    for (const k of ['authIssuer', 'authAudience'] as const) {
      if (out[k] === undefined && !problems.some((p) => p.startsWith(SETTINGS[k].env))) problems.push(`${SETTINGS[k].env} is required when TACE_AUTH=on: ${SETTINGS[k].description}`);
    }
  }
  if ((['ingestion', 'results'] as string[]).includes(service)) problems.push(...fhirCredentialProblems(out));
  if (service === 'results') {
    if (out.pacsResults === 'stow' && !out.pacsStowUrl && !problems.some((p) => p.startsWith('TACE_PACS_STOW_URL'))) problems.push('TACE_PACS_STOW_URL is required when TACE_PACS_RESULTS=stow');
    if (out.pacsResults === 'cstore' && !out.pacsAe && !problems.some((p) => p.startsWith('TACE_PACS_AE'))) problems.push('TACE_PACS_AE is required when TACE_PACS_RESULTS=cstore');
  }
  if (service === 'ingestion') problems.push(...dicomWebCredentialProblems(out));
  if (service === 'results') problems.push(...dicomWebCredentialProblems(out, 'pacsStowUrl'));
  if (out.auth === false && env.NODE_ENV === 'production') {
    problems.push('TACE_AUTH=off is refused when NODE_ENV=production: every route but health must ask for a credential');
  }
  if (problems.length) {
    throw new TaceError('CONFIG_INVALID', `invalid configuration for ${service}:\n  - ${problems.join('\n  - ')}`, { detail: { problems } });
  }
  return out as Config;
}

/**
 * One way to authenticate to the EHR, never a credential or an auth setting silently left unused
 * (shared by the services and `tace-risk fhir subscribe`).
 */
export function fhirCredentialProblems(out: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const modes = [out.fhirToken && 'TACE_FHIR_TOKEN', out.fhirClientSecret && 'TACE_FHIR_CLIENT_SECRET', out.fhirPrivateKeyFile && 'TACE_FHIR_PRIVATE_KEY_FILE'].filter(Boolean);
  if (modes.length > 1) problems.push(`${modes.join(' and ')} are both set: choose one way to authenticate to the FHIR server`);
  if ((out.fhirClientSecret || out.fhirPrivateKeyFile) && !out.fhirClientId) problems.push('TACE_FHIR_CLIENT_ID is required with TACE_FHIR_CLIENT_SECRET or TACE_FHIR_PRIVATE_KEY_FILE');
  if (out.fhirClientId && !out.fhirClientSecret && !out.fhirPrivateKeyFile) problems.push('TACE_FHIR_CLIENT_ID needs TACE_FHIR_PRIVATE_KEY_FILE (SMART Backend Services) or TACE_FHIR_CLIENT_SECRET');
  if (out.fhirJwksUrl && !out.fhirPrivateKeyFile) problems.push('TACE_FHIR_JWKS_URL is only used with TACE_FHIR_PRIVATE_KEY_FILE (the jku of SMART Backend Services assertions)');
  if (out.fhirTokenUrl && !out.fhirClientId) problems.push('TACE_FHIR_TOKEN_URL is only used with TACE_FHIR_CLIENT_ID (client credentials)');
  return problems;
}

/** What each DICOMweb auth mode needs, and no setting of another mode left silently unused. */
const DICOMWEB_AUTH_NEEDS = {
  none: { needs: [], one: [] },
  basic: { needs: ['dicomWebUsername', 'dicomWebPasswordFile'], one: [] },
  bearer: { needs: [], one: ['dicomWebToken', 'dicomWebTokenFile'] },
  oauth2: { needs: ['dicomWebTokenUrl', 'dicomWebClientId', 'dicomWebClientSecretFile'], one: [] },
} as const;
const DICOMWEB_AUTH_KEYS = ['dicomWebUsername', 'dicomWebPasswordFile', 'dicomWebToken', 'dicomWebTokenFile', 'dicomWebTokenUrl', 'dicomWebClientId', 'dicomWebClientSecretFile', 'dicomWebScope'] as const;

/** The DICOMweb auth mode in effect: TACE_DICOMWEB_AUTH, else bearer when a token is set (as before the setting existed), else none. */
export function dicomWebAuthMode(out: Record<string, unknown>): keyof typeof DICOMWEB_AUTH_NEEDS {
  const m = out.dicomWebAuth as keyof typeof DICOMWEB_AUTH_NEEDS | undefined;
  return m ?? (out.dicomWebToken || out.dicomWebTokenFile ? 'bearer' : 'none');
}

/**
 * The TACE_DICOMWEB_AUTH credentials are those of the hospital's DICOMweb server: ingestion reads
 * studies from TACE_DICOMWEB_URL with them, results STOWs the SR and key image to
 * TACE_PACS_STOW_URL with them.
 */
export function dicomWebCredentialProblems(out: Record<string, unknown>, urlKey: 'dicomWebUrl' | 'pacsStowUrl' = 'dicomWebUrl'): string[] {
  const problems: string[] = [];
  const mode = dicomWebAuthMode(out);
  const rule = DICOMWEB_AUTH_NEEDS[mode];
  const used = new Set<string>([...rule.needs, ...rule.one, ...(mode === 'oauth2' ? ['dicomWebScope'] : [])]);
  for (const k of rule.needs) if (!out[k]) problems.push(`${SETTINGS[k].env} is required when TACE_DICOMWEB_AUTH=${mode}`);
  const given = rule.one.filter((k) => out[k]);
  if (rule.one.length && given.length !== 1) problems.push(`TACE_DICOMWEB_AUTH=${mode} needs exactly one of ${rule.one.map((k) => SETTINGS[k].env).join(', ')}`);
  for (const k of DICOMWEB_AUTH_KEYS) if (out[k] && !used.has(k)) problems.push(`${SETTINGS[k].env} is not used with TACE_DICOMWEB_AUTH=${mode}`);
  if (mode !== 'none' && !out[urlKey]) problems.push(`TACE_DICOMWEB_AUTH=${mode} is set but ${SETTINGS[urlKey].env} is not`);
  return problems;
}

export const DEFAULT_PORTS: Record<ServiceName, number> = { ingestion: 8081, results: 8082, 'inference-worker': 8083 };
