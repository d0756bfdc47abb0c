import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint, loadConfig } from '@redocly/openapi-core';
import { REPO_ROOT } from '@tace/common';
import { OPENAPI_PATH } from './openapi.ts';

describe('openapi/ lints clean (Redocly, recommended rules + redocly.yaml)', () => {
  it('has no error and no warning', async () => {
    const config = await loadConfig({ configPath: join(REPO_ROOT, 'redocly.yaml') });
    const problems = await lint({ ref: OPENAPI_PATH, config });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`)).toEqual([]);
  });
});
