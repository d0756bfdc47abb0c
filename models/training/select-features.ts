/**
 * Radiomics feature selection for the demo bundle, on the TRAIN split only:
 * 1. candidates: `original_*` features finite for every patient with a non-zero spread;
 * 2. rank by univariate discrimination |AUC − 0.5| (Mann–Whitney AUC, @tace/modeling auc);
 * 3. walk the ranking, keeping a feature only if its |Pearson r| with every kept feature is
 *    below `maxAbsCorrelation` (redundancy filter), until `maxFeatures` are kept.
 * Deterministic: ties in the ranking are broken by feature name.
 */
import { auc } from '@tace/modeling';

export interface SelectionRow {
  name: string;
  auc: number;
  kept: boolean;
  reason?: string;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function selectFeatures(
  rows: ReadonlyArray<Record<string, number>>,
  labels: readonly number[],
  opts: { maxFeatures: number; maxAbsCorrelation: number },
): { selected: string[]; table: SelectionRow[] } {
  const names = Object.keys(rows[0] ?? {}).filter((n) => n.startsWith('original_')).sort();
  const columns = new Map<string, Float64Array>();
  for (const n of names) {
    const col = Float64Array.from(rows, (r) => r[n]);
    if (col.some((v) => !Number.isFinite(v))) continue;
    const first = col[0];
    if (col.every((v) => v === first)) continue;
    columns.set(n, col);
  }
  const ranked = [...columns.keys()]
    .map((name) => ({ name, auc: auc(columns.get(name) as Float64Array, labels) }))
    .sort((x, y) => Math.abs(y.auc - 0.5) - Math.abs(x.auc - 0.5) || x.name.localeCompare(y.name));
  const selected: string[] = [];
  const table: SelectionRow[] = [];
  for (const r of ranked) {
    if (selected.length >= opts.maxFeatures) {
      table.push({ ...r, kept: false, reason: 'enough features' });
      continue;
    }
    const clash = selected.find((s) => Math.abs(pearson(columns.get(s) as Float64Array, columns.get(r.name) as Float64Array)) >= opts.maxAbsCorrelation);
    if (clash) table.push({ ...r, kept: false, reason: `|r| ≥ ${opts.maxAbsCorrelation} with ${clash}` });
    else {
      selected.push(r.name);
      table.push({ ...r, kept: true });
    }
  }
  return { selected, table };
}
