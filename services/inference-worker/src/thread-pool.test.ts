import { describe, expect, it } from 'vitest';
import { ScoringPool } from './thread-pool.ts';

const fixture = new URL('./thread-pool.fixture.ts', import.meta.url);

describe('ScoringPool', () => {
  it('routes each result to its caller, across threads and out of order', async () => {
    const pool = new ScoringPool(fixture, 2, {});
    await pool.ready();
    const keys = ['a:30', 'b:0', 'c:10', 'd:0', 'e:5'];
    const results = await Promise.all(keys.map((k) => pool.run({ caseKey: k })));
    expect(results.map((r) => r.caseKey)).toEqual(keys);
    await pool.close();
  });

  it('passes a scoring error on with its code, and survives a crashed thread', async () => {
    const pool = new ScoringPool(fixture, 1, {});
    await pool.ready();
    await expect(pool.run({ caseKey: 'bad' })).rejects.toMatchObject({ code: 'MODEL_MASK_EMPTY', retryable: false });
    await expect(pool.run({ caseKey: 'crash' })).rejects.toMatchObject({ code: 'WORKER_CRASHED', retryable: true });
    expect((await pool.run({ caseKey: 'after:0' })).caseKey).toBe('after:0');
    await pool.close();
  });

  it('reports a thread that cannot load its bundle with the bundle error code', async () => {
    const pool = new ScoringPool(fixture, 1, { failStart: true });
    await expect(pool.ready()).rejects.toMatchObject({ code: 'BUNDLE_CHECKSUM_MISMATCH' });
    await pool.close();
  });
});
