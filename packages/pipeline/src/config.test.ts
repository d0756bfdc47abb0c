import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from './config.ts';

const base = {
  TACE_FHIR_BASE_URL: 'http://fhir.local/fhir/R4',
  TACE_DICOM_FOLDER: '/data/dicom',
  TACE_WEBHOOK_SECRET: 'a-long-enough-secret',
  TACE_PATIENT_ID_SYSTEMS: 'urn:oid:1.2.3.4',
  TACE_AUTH_ISSUER: 'https://idp.hospital.example/realms/tace',
  TACE_AUTH_AUDIENCE: 'tace-risk',
};

describe('loadConfig', () => {
  it('applies defaults and parses numbers', () => {
    const c = loadConfig('ingestion', { ...base, TACE_CROP_MARGIN_MM: '15.5' });
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.cropMarginMm).toBe(15.5);
    expect(c.windowBeforeDays).toBe(30);
    expect(c.fhirBaseUrl).toBe('http://fhir.local/fhir/R4');
  });

  it('lists every problem at once, with CONFIG_INVALID, and never echoes a secret', () => {
    let err: unknown;
    try {
      loadConfig('ingestion', { TACE_WEBHOOK_SECRET: 'short-secret', TACE_CROP_MARGIN_MM: 'wide', TACE_FHIR_BASE_URL: 'ftp://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    const msg = (err as Error).message;
    expect(msg).toContain('TACE_DICOM_FOLDER or TACE_DICOMWEB_URL is required');
    expect(msg).toContain("TACE_CROP_MARGIN_MM='wide' must be a number");
    expect(msg).toContain('TACE_FHIR_BASE_URL');
    expect(msg).toContain('TACE_WEBHOOK_SECRET must be at least 16 characters');
    expect(msg).not.toContain('short-secret');
  });

  it('takes a DICOMweb PACS instead of a folder', () => {
    const { TACE_DICOM_FOLDER: _f, ...rest } = base;
    const c = loadConfig('ingestion', { ...rest, TACE_DICOMWEB_URL: 'http://pacs:8042/dicom-web/' });
    expect(c.dicomWebUrl).toBe('http://pacs:8042/dicom-web');
    expect(c.dicomFolder).toBeUndefined();
  });

  it('DICOMweb auth: each mode needs its settings and leaves none of another mode unused', () => {
    const { TACE_DICOM_FOLDER: _f, ...rest } = base;
    const web = { ...rest, TACE_DICOMWEB_URL: 'https://pacs.hospital.example/dicom-web' };
    const problems = (env: Record<string, string>): string => {
      try { loadConfig('ingestion', env); return ''; } catch (e) { return (e as Error).message; }
    };
    // a token alone keeps meaning bearer, as before TACE_DICOMWEB_AUTH existed
    expect(problems({ ...web, TACE_DICOMWEB_TOKEN: 'static-token' })).toBe('');
    expect(problems({ ...web, TACE_DICOMWEB_AUTH: 'basic', TACE_DICOMWEB_USERNAME: 'ai', TACE_DICOMWEB_PASSWORD_FILE: '/run/secrets/pw' })).toBe('');
    expect(problems({ ...web, TACE_DICOMWEB_AUTH: 'oauth2', TACE_DICOMWEB_TOKEN_URL: 'https://idp/token', TACE_DICOMWEB_CLIENT_ID: 'tace', TACE_DICOMWEB_CLIENT_SECRET_FILE: '/run/secrets/cs', TACE_DICOMWEB_SCOPE: 'dicomweb' })).toBe('');
    expect(problems({ ...web, TACE_DICOMWEB_AUTH: 'basic', TACE_DICOMWEB_USERNAME: 'ai' })).toContain('TACE_DICOMWEB_PASSWORD_FILE is required when TACE_DICOMWEB_AUTH=basic');
    expect(problems({ ...web, TACE_DICOMWEB_AUTH: 'oauth2', TACE_DICOMWEB_CLIENT_ID: 'tace' })).toMatch(/TACE_DICOMWEB_TOKEN_URL is required[\s\S]*TACE_DICOMWEB_CLIENT_SECRET_FILE is required/);
    expect(problems({ ...web, TACE_DICOMWEB_AUTH: 'bearer', TACE_DICOMWEB_TOKEN: 'secret-value-x', TACE_DICOMWEB_TOKEN_FILE: '/t' })).toContain('needs exactly one of TACE_DICOMWEB_TOKEN, TACE_DICOMWEB_TOKEN_FILE');
    const unused = problems({ ...web, TACE_DICOMWEB_AUTH: 'basic', TACE_DICOMWEB_USERNAME: 'ai', TACE_DICOMWEB_PASSWORD_FILE: '/p', TACE_DICOMWEB_TOKEN: 'secret-value-x' });
    expect(unused).toContain('TACE_DICOMWEB_TOKEN is not used with TACE_DICOMWEB_AUTH=basic');
    expect(unused).not.toContain('secret-value-x');
    expect(problems({ ...web, TACE_DICOMWEB_AUTH: 'kerberos' })).toContain("TACE_DICOMWEB_AUTH='kerberos' must be one of none, basic, bearer, oauth2");
    expect(problems({ ...base, TACE_DICOMWEB_AUTH: 'bearer', TACE_DICOMWEB_TOKEN_FILE: '/t' })).toContain('TACE_DICOMWEB_URL is not');
  });

  it('only asks a service for its own settings', () => {
    expect(() => loadConfig('inference-worker', {})).not.toThrow();
    expect(() => loadConfig('results', {})).toThrow(/TACE_FHIR_BASE_URL is required/);
  });

  it('listens on loopback unless told otherwise', () => {
    expect(loadConfig('ingestion', base).host).toBe('127.0.0.1');
  });

  it('needs an issuer and an audience with auth on, and refuses auth off in production', () => {
    const { TACE_AUTH_ISSUER: _i, TACE_AUTH_AUDIENCE: _a, ...noAuth } = base;
    expect(() => loadConfig('ingestion', noAuth)).toThrow(/TACE_AUTH_ISSUER is required when TACE_AUTH=on[\s\S]*TACE_AUTH_AUDIENCE is required/);
    expect(() => loadConfig('results', { TACE_FHIR_BASE_URL: base.TACE_FHIR_BASE_URL })).toThrow(/TACE_AUTH_ISSUER is required/);
    expect(loadConfig('ingestion', { ...noAuth, TACE_AUTH: 'off' }).auth).toBe(false);
    expect(() => loadConfig('ingestion', { ...noAuth, TACE_AUTH: 'off', NODE_ENV: 'production' })).toThrow(/TACE_AUTH=off is refused when NODE_ENV=production/);
    expect(() => loadConfig('ingestion', { ...base, TACE_AUTH: 'no' })).toThrow(/TACE_AUTH='no' must be 'on' or 'off'/);
  });

  it('accepts only asymmetric token algorithms', () => {
    expect(loadConfig('ingestion', { ...base, TACE_AUTH_ALGORITHMS: 'ES256, RS256' }).authAlgorithms).toEqual(['ES256', 'RS256']);
    expect(() => loadConfig('ingestion', { ...base, TACE_AUTH_ALGORITHMS: 'RS256,HS256' })).toThrow(/'HS256' is not allowed/);
    expect(() => loadConfig('ingestion', { ...base, TACE_AUTH_ALGORITHMS: 'none' })).toThrow(/'none' is not allowed/);
  });

  it('needs the patient identifier systems, and reads the issuer map', () => {
    const { TACE_PATIENT_ID_SYSTEMS: _s, ...rest } = base;
    expect(() => loadConfig('ingestion', rest)).toThrow(/TACE_PATIENT_ID_SYSTEMS is required/);
    expect(() => loadConfig('ingestion', { ...base, TACE_PATIENT_ID_SYSTEMS: 'not a uri' })).toThrow(/not an absolute URI/);
    const c = loadConfig('ingestion', { ...base, TACE_PATIENT_ID_ISSUERS: 'HOSP=urn:oid:1.2.3.4' });
    expect(c.patientIdIssuers).toEqual({ HOSP: 'urn:oid:1.2.3.4' });
  });

  it('has unique environment variable names', () => {
    const names = Object.values(SETTINGS).map((s) => s.env);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('README configuration table', () => {
  it('lists every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { REPO_ROOT } = await import('@tace/common');
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const s of Object.values(SETTINGS)) expect(readme, `README lacks ${s.env}`).toContain(`\`${s.env}\``);
  });
});

describe('DICOMweb credentials on the results side (STOW of the SR and key image)', () => {
  const results = { TACE_FHIR_BASE_URL: 'http://fhir.local/fhir/R4', TACE_REDIS_URL: 'redis://127.0.0.1:6379', TACE_AUTH: 'off' };
  const problems = (env: Record<string, string>): string => {
    try { loadConfig('results', { ...results, ...env }); return ''; } catch (e) { return (e as Error).message; }
  };
  it('basic auth for the STOW needs its user and password file, and a STOW URL', () => {
    expect(problems({ TACE_PACS_RESULTS: 'stow', TACE_PACS_STOW_URL: 'http://pacs.local/dicom-web', TACE_DICOMWEB_AUTH: 'basic' })).toContain('TACE_DICOMWEB_USERNAME is required when TACE_DICOMWEB_AUTH=basic');
    expect(problems({ TACE_DICOMWEB_AUTH: 'bearer', TACE_DICOMWEB_TOKEN: 't' })).toContain('TACE_DICOMWEB_AUTH=bearer is set but TACE_PACS_STOW_URL is not');
    expect(problems({ TACE_PACS_RESULTS: 'stow', TACE_PACS_STOW_URL: 'http://pacs.local/dicom-web', TACE_DICOMWEB_AUTH: 'bearer', TACE_DICOMWEB_TOKEN: 't' })).toBe('');
  });
});
