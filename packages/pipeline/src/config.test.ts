import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from './config.ts';

const base = { TACE_FHIR_BASE_URL: 'http://fhir.local/fhir/R4', TACE_DICOM_FOLDER: '/data/dicom', TACE_WEBHOOK_SECRET: 'a-long-enough-secret' };

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

  it('only asks a service for its own settings', () => {
    expect(() => loadConfig('inference-worker', {})).not.toThrow();
    expect(() => loadConfig('results', {})).toThrow(/TACE_FHIR_BASE_URL is required/);
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
