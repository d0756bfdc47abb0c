/**
 * How the services authenticate to the EHR, from the configuration: SMART Backend Services with a
 * key file, a client secret, or a static token — and never a configured credential left unused
 * (before, TACE_FHIR_CLIENT_ID / TACE_FHIR_CLIENT_SECRET were read and then ignored: the service
 * called the EHR without authentication).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { fhirAuthFrom } from './service.ts';

const base = {
  TACE_FHIR_BASE_URL: 'http://fhir.local/fhir/R4',
  TACE_AUTH_ISSUER: 'https://idp.hospital.example/realms/tace',
  TACE_AUTH_AUDIENCE: 'tace-risk',
};
const dir = mkdtempSync(join(tmpdir(), 'tace-fhir-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('authentication to the EHR from the configuration', () => {
  it('a key file means SMART Backend Services (private_key_jwt) with the configured scopes and jku', async () => {
    const { privateKey } = await generateKeyPair('RS384', { extractable: true, modulusLength: 2048 });
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, await exportPKCS8(privateKey));
    const cfg = loadConfig('results', { ...base, TACE_FHIR_CLIENT_ID: 'tace-risk', TACE_FHIR_PRIVATE_KEY_FILE: keyFile, TACE_FHIR_JWKS_URL: 'https://tace.hospital.example/.well-known/jwks.json' });
    const auth = await fhirAuthFrom(cfg);
    expect(auth).toMatchObject({ mode: 'private-key-jwt', clientId: 'tace-risk', jku: 'https://tace.hospital.example/.well-known/jwks.json' });
    expect(auth.mode === 'private-key-jwt' && auth.keys[0].alg).toBe('RS384');
    expect(auth.mode === 'private-key-jwt' && auth.scope).toMatch(/system\/RiskAssessment\./);
  });
  it('a client secret is used (client_secret_basic), not ignored', async () => {
    const cfg = loadConfig('results', { ...base, TACE_FHIR_CLIENT_ID: 'tace-risk', TACE_FHIR_CLIENT_SECRET: 'shh', TACE_FHIR_TOKEN_URL: 'https://ehr.example/token' });
    expect(await fhirAuthFrom(cfg)).toMatchObject({ mode: 'client-secret', clientId: 'tace-risk', clientSecret: 'shh', tokenUrl: 'https://ehr.example/token' });
  });
  it('refuses ambiguous or incomplete credentials with CONFIG_INVALID', () => {
    const bad = (env: Record<string, string>) => {
      try {
        loadConfig('results', { ...base, ...env });
      } catch (e) {
        return (e as { code?: string; message: string }).message;
      }
      return 'accepted';
    };
    expect(bad({ TACE_FHIR_CLIENT_ID: 'x' })).toMatch(/TACE_FHIR_CLIENT_ID needs TACE_FHIR_PRIVATE_KEY_FILE/);
    expect(bad({ TACE_FHIR_CLIENT_SECRET: 'shh' })).toMatch(/TACE_FHIR_CLIENT_ID is required/);
    expect(bad({ TACE_FHIR_CLIENT_ID: 'x', TACE_FHIR_CLIENT_SECRET: 'shh', TACE_FHIR_PRIVATE_KEY_FILE: '/k.pem' })).toMatch(/choose one way/);
    expect(bad({ TACE_FHIR_TOKEN: 't', TACE_FHIR_CLIENT_ID: 'x', TACE_FHIR_CLIENT_SECRET: 'shh' })).toMatch(/choose one way/);
    expect(bad({ TACE_FHIR_TOKEN: 't', TACE_FHIR_JWKS_URL: 'https://x.example/jwks.json' })).toMatch(/TACE_FHIR_JWKS_URL is only used/);
    expect(bad({ TACE_FHIR_TOKEN: 't', TACE_FHIR_TOKEN_URL: 'https://x.example/token' })).toMatch(/TACE_FHIR_TOKEN_URL is only used/);
    // the secret's value is never echoed
    expect(bad({ TACE_FHIR_TOKEN: 'tok-123', TACE_FHIR_CLIENT_ID: 'x', TACE_FHIR_CLIENT_SECRET: 'shh-456' })).not.toMatch(/tok-123|shh-456/);
  });
  it('refuses an unreadable or unusable key file with SMART_KEY_INVALID at start-up', async () => {
    const cfg = loadConfig('results', { ...base, TACE_FHIR_CLIENT_ID: 'x', TACE_FHIR_PRIVATE_KEY_FILE: join(dir, 'missing.pem') });
    await expect(fhirAuthFrom(cfg)).rejects.toMatchObject({ code: 'SMART_KEY_INVALID' });
  });
});
