/**
 * Test support: one vitest case per IBSI reference row (with a reference value), a per-family
 * count of matched rows, the rows the IBSI leaves without a reference, and the expected-failure
 * allowlist (expected-failures.json), whose rows run as `it.fails` so that they are never silently
 * skipped and flag when they start to pass.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IbsiFeature } from '../types.ts';
import { countByFamily, matchesReference, readReferenceTable, roundSignificant } from './referenceTable.ts';

const ALLOW = JSON.parse(readFileSync(new URL('../expected-failures.json', import.meta.url), 'utf8')) as Record<
  string,
  Record<string, string>
>;

export function defineIbsiConformance(
  dataset: string,
  tablePath: string | undefined,
  compute: () => Promise<IbsiFeature[]>,
): void {
  describe.skipIf(!tablePath)(`IBSI 1 reference values: ${dataset}`, () => {
    const rows = tablePath ? readReferenceTable(tablePath) : [];
    const allow = ALLOW[dataset] ?? {};
    const computed = new Map<string, IbsiFeature>();
    beforeAll(async () => {
      for (const f of await compute()) computed.set(f.tag, f);
    }, 300_000);

    for (const r of rows) {
      if (r.reference === undefined) continue;
      const reason = allow[r.tag];
      const title = `${r.family} · ${r.aggregation} · ${r.tag}${reason ? ` (expected failure: ${reason})` : ''}`;
      (reason ? it.fails : it)(title, () => {
        const v = computed.get(r.tag)?.value;
        const shown = v === undefined ? 'missing' : roundSignificant(v, Math.max(3, r.referenceDigits));
        expect(matchesReference(v, r), `${r.tag}: computed ${shown}, reference ${r.reference} ± ${r.tolerance ?? 0}`).toBe(true);
      });
    }

    it('reports the count matched per family, the allowlist and the rows without reference', () => {
      const counts = countByFamily(rows, computed);
      const matched = counts.reduce((a, c) => a + c.matched, 0);
      const total = counts.reduce((a, c) => a + c.total, 0);
      const lines = counts.map((c) => `  ${c.family.padEnd(22)} ${c.matched}/${c.total}`);
      const noRef = rows.filter((r) => r.reference === undefined).map((r) => `${r.tag} (${r.note})`);
      console.log(
        [
          `IBSI ${dataset}: ${matched}/${total} reference rows matched`,
          ...lines,
          `  expected failures (expected-failures.json): ${Object.keys(allow).length === 0 ? 'none' : Object.entries(allow).map(([t, why]) => `${t}: ${why}`).join('; ')}`,
          `  rows without a reference value (not computed or not compared): ${noRef.join(', ')}`,
        ].join('\n'),
      );
      // Every row either matches or is on the allowlist.
      expect(matched + Object.keys(allow).length).toBeGreaterThanOrEqual(total);
    });
  });
}
