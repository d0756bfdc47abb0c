/** Unit checks of the CDS Hooks pieces that need no server (the whole flow: tests/cds.test.ts). */
import { describe, expect, it } from 'vitest';
import { memoryJtiStore } from '@tace/http';
import { loadConfig } from '@tace/pipeline';
import { cardFor, cdsConfigProblems, ORDER_SELECT_ID, PATIENT_VIEW_ID } from './cds.ts';
import { cacheKey } from './cds-cache.ts';
import { toRecord } from './cds-feedback.ts';

const ENV = { TACE_FHIR_BASE_URL: 'https://ehr.example.org/fhir/R4', TACE_AUTH_ISSUER: 'https://idp.example.org', TACE_AUTH_AUDIENCE: 'tace-risk' };

describe('CDS settings', () => {
  it('parses TACE_CDS_CLIENTS as issuer → JWKS URL (an issuer may itself be a URL) and the jku allow-list', () => {
    const cfg = loadConfig('results', {
      ...ENV,
      TACE_CDS_SERVICE_URL: 'https://results.example.org/cds-services',
      TACE_CDS_CLIENTS: 'https://ehr.example.org=https://ehr.example.org/.well-known/jwks.json, epic-prod=https://epic.example.org/jwks?tenant=a',
      TACE_CDS_JKU_ALLOWLIST: 'https://ehr.example.org/keys/next.json',
    });
    expect(cfg.cdsClients).toEqual({ 'https://ehr.example.org': 'https://ehr.example.org/.well-known/jwks.json', 'epic-prod': 'https://epic.example.org/jwks?tenant=a' });
    expect(cfg.cdsJkuAllowList).toEqual(['https://ehr.example.org/keys/next.json']);
    expect(cfg.cdsBudgetMs).toBe(400);
    expect(cfg.cdsCacheTtlS).toBe(300);
    expect(cdsConfigProblems(cfg)).toEqual([]);
  });
  it('refuses a malformed client list, a non-http jku and a budget out of range, each named', () => {
    expect(() => loadConfig('results', { ...ENV, TACE_CDS_CLIENTS: 'no-url-here', TACE_CDS_JKU_ALLOWLIST: 'ftp://x/y', TACE_CDS_BUDGET_MS: '0' })).toThrow(/TACE_CDS_CLIENTS[\s\S]*TACE_CDS_JKU_ALLOWLIST[\s\S]*TACE_CDS_BUDGET_MS/);
  });
  it('needs the clients with auth on, both submit credentials with a submit URL, and nothing left unused', () => {
    const base = { auth: true, cdsServiceUrl: 'https://r/cds-services' };
    expect(cdsConfigProblems(base)).toEqual([expect.stringContaining('TACE_CDS_CLIENTS is required')]);
    expect(cdsConfigProblems({ ...base, auth: false })).toEqual([]);
    expect(cdsConfigProblems({ ...base, cdsClients: { a: 'https://a/j' }, cdsSubmitUrl: 'https://ingestion', cdsSubmitClientId: 'x', authIssuer: 'https://idp' })).toEqual([expect.stringContaining('TACE_CDS_SUBMIT_CLIENT_SECRET')]);
    expect(cdsConfigProblems({ auth: true, cdsClients: { a: 'https://a/j' } })).toEqual([expect.stringContaining('without TACE_CDS_SERVICE_URL')]);
    expect(cdsConfigProblems({ ...base, cdsClients: { a: 'https://a/j' }, cdsSubmitClientSecret: 's' })).toEqual([expect.stringContaining('left unused')]);
  });
});

describe('cards', () => {
  const result = { kind: 'result' as const, runId: 'run-0123', riskAssessment: 'RiskAssessment/1', percent: 81.25, riskGroup: 'high' as const, modelId: 'tace-dlr-demo', modelVersion: '1.0.0', synthetic: true, at: '2026-01-01T00:00:00Z' };
  it('high risk is a warning with the percent, group, model and the synthetic notice; a summary ≤ 140 characters; a stable v4-shaped uuid', () => {
    const c = cardFor(result, PATIENT_VIEW_ID, 'https://results.example.org')!;
    expect(c.indicator).toBe('warning');
    expect(c.summary.length).toBeLessThanOrEqual(140);
    expect(c.summary).toBe('Post-TACE metastasis risk: 81.3 % (high) — synthetic demo, not for clinical use');
    expect(c.detail).toContain('synthetic demonstration model — not for clinical use');
    expect(c.links).toEqual([{ label: 'Run status (tace-risk API)', url: 'https://results.example.org/v1/assessments/run-0123', type: 'absolute' }]);
    expect(c.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(cardFor(result, PATIENT_VIEW_ID)!.uuid).toBe(c.uuid);
    expect(cardFor(result, ORDER_SELECT_ID)!.uuid).not.toBe(c.uuid);
  });
  it('low and moderate are info; a real bundle carries no synthetic notice; nothing to score gives no card', () => {
    expect(cardFor({ ...result, riskGroup: 'moderate', synthetic: false }, PATIENT_VIEW_ID)!.indicator).toBe('info');
    expect(cardFor({ ...result, riskGroup: 'low', synthetic: false }, PATIENT_VIEW_ID)!.detail).not.toContain('synthetic');
    expect(cardFor({ kind: 'none', reason: 'no-tace', at: '' }, PATIENT_VIEW_ID)).toBeUndefined();
  });
});

describe('no identifiers at rest in names', () => {
  it('the cache key is a hash of the patient id', () => {
    expect(cacheKey('patient-123')).toMatch(/^tace:cds:patient:[0-9a-f]{40}$/);
    expect(cacheKey('patient-123')).not.toContain('patient-123');
  });
  it('feedback keeps whether there was a comment, not the comment', () => {
    const r = toRecord('svc', 'iss', { card: 'c', outcome: 'overridden', outcomeTimestamp: 't', overrideReason: { reason: { code: 'disagree' }, userComment: 'Mr Smith, MRN 123' } });
    expect(r).toMatchObject({ overrideReason: 'disagree', hasComment: true });
    expect(JSON.stringify(r)).not.toContain('Smith');
  });
});

describe('jti store', () => {
  it('claims a token id once until it expires', async () => {
    const s = memoryJtiStore();
    expect(await s.claim('a', 1)).toBe(true);
    expect(await s.claim('a', 1)).toBe(false);
    expect(await s.claim('b', 1)).toBe(true);
  });
});
