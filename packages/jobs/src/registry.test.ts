import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MemoryRunRegistry, RedisRunRegistry, type RunRegistry } from './registry.ts';
import { startRedisServer, type RedisServerHandle } from './testing.ts';

const req = { patientReference: 'Patient/1', studyInstanceUid: '1.2.3', trigger: 'rest' as const };
const rec = (runId: string) => ({ runId, status: 'queued' as const, stage: 'ingest' as const, request: req, model: { id: 'm', version: '1' } });

let redisSrv: RedisServerHandle;
let redis: Redis;
beforeAll(async () => {
  redisSrv = await startRedisServer();
  redis = new Redis(redisSrv.url);
});
afterAll(async () => {
  redis?.disconnect();
  await redisSrv?.stop();
});

for (const [name, make] of [
  ['memory', () => new MemoryRunRegistry()],
  ['redis', () => new RedisRunRegistry(redis)],
] as Array<[string, () => RunRegistry]>) {
  describe(`${name} run registry`, () => {
    it('creates a run exactly once under concurrent claims', async () => {
      const reg = make();
      const id = `run-${name}-claim`;
      const results = await Promise.all(Array.from({ length: 10 }, () => reg.claim(rec(id))));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.record.createdAt)).size).toBe(1);
    });

    it('merges concurrent patches without losing fields', async () => {
      const reg = make();
      const id = `run-${name}-patch`;
      await reg.claim(rec(id));
      await Promise.all([
        reg.update(id, { caseKey: 'k', timingsMs: { ingest: 5 } }),
        reg.update(id, { timingsMs: { infer: 7 } }),
        reg.update(id, { status: 'failed', error: { code: 'X', message: 'm', stage: 'infer' } }),
      ]);
      const r = await reg.update(id, { status: 'done', error: null });
      expect(r.caseKey).toBe('k');
      expect(r.timingsMs).toEqual({ ingest: 5, infer: 7 });
      expect(r.status).toBe('done');
      expect(r.error).toBeUndefined();
      expect((await reg.list({ status: 'done' })).map((x) => x.runId)).toContain(id);
    });
  });
}
