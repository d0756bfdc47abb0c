/**
 * No Docker engine runs on the build machines, so the compose file is checked statically
 * against the configuration table the services validate at start-up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '@tace/common';
import { loadConfig, SETTINGS, type ServiceName } from '@tace/pipeline';

interface ComposeService {
  image?: string;
  build?: { args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const ours: ServiceName[] = ['ingestion', 'inference-worker', 'results'];
/** What an operator sets for the `${VAR:?…}` the compose file requires. */
const SAMPLE: Record<string, string> = { TACE_WEBHOOK_SECRET: 'x'.repeat(32), TACE_AUTH_ISSUER: 'https://idp.example.org/realms/hospital', TACE_PATIENT_ID_SYSTEMS: 'urn:oid:1.2.3.4' };

describe('docker-compose.yml', () => {
  it('has the whole stack: Redis, a PACS, a FHIR server and the three services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['fhir', 'inference-worker', 'ingestion', 'orthanc', 'redis', 'results']);
  });

  for (const name of ours) {
    it(`${name}: every variable is a known setting of that service, the config validates, the port is published`, () => {
      const svc = compose.services[name]!;
      expect(svc.build?.args?.SERVICE).toBe(name);
      const env = Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v).replace(/\$\{([A-Z_]+):\?[^}]*\}/, (_m, name: string) => SAMPLE[name] ?? '')]));
      const known = new Set(Object.values(SETTINGS).filter((s) => (s.services as readonly string[]).includes(name)).map((s) => s.env));
      for (const k of Object.keys(env)) expect(known, `${name} sets ${k}`).toContain(k);
      const cfg = loadConfig(name, env);
      expect(svc.ports?.some((p) => p.endsWith(`:${cfg.port}`))).toBe(true);
      if (cfg.redisUrl) expect(cfg.redisUrl).toBe('redis://redis:6379');
    });
  }

  it('publishes every port on the host loopback only', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const p of svc.ports ?? []) expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('asks the operator for the identity and auth settings instead of defaulting them', () => {
    const raw = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    for (const v of ['TACE_AUTH_ISSUER', 'TACE_PATIENT_ID_SYSTEMS', 'TACE_WEBHOOK_SECRET']) expect(raw).toContain(`\${${v}:?`);
    expect(raw).not.toMatch(/TACE_AUTH: *"?off/);
  });

  it('shares the case store between ingestion (writer) and the worker (reader)', () => {
    expect(compose.services.ingestion!.environment!.TACE_CASE_STORE_DIR).toBe(compose.services['inference-worker']!.environment!.TACE_CASE_STORE_DIR);
    expect(compose.services.ingestion!.volumes).toContain('cases:/data/cases');
    expect(compose.services['inference-worker']!.volumes).toContain('cases:/data/cases:ro');
  });

  it('runs Redis with AOF and noeviction', () => {
    const conf = readFileSync(join(REPO_ROOT, 'deploy', 'redis', 'redis.conf'), 'utf8');
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(compose.services.redis!.volumes!.some((v) => v.startsWith('./deploy/redis/redis.conf:'))).toBe(true);
  });
});
