/**
 * The cohort table of `model develop` → DevelopData, refusing what cannot be modelled with a
 * stable code: COHORT_LABEL_INVALID (a label other than train / test / external), DEVELOP_NO_TRAIN,
 * TABLE_* (missing / non-numeric columns, missing values unless imputation is configured),
 * MODEL_ONE_CLASS (an outcome with one class in a cohort), DEVELOP_FEATURE_NOT_PRODUCED (a radiomics
 * column the bundle's parameter file does not produce), FEATURES_EXTRACTOR_MISMATCH (a feature
 * table made by another extractor than the bundle's).
 */
import { TaceError } from '@tace/common';
import type { ReplicateFeatures } from '@tace/modeling';
import type { DevelopConfig } from './config.ts';
import { COHORT_LABELS, type CohortLabel, type DevelopData } from './pipeline.ts';
import { hasColumn, numericColumn, outcomeColumn, requireBothClasses, textColumn, type Table } from './table.ts';

export interface Imputation {
  column: string;
  count: number;
  /** The train median it was filled with. */
  value: number;
}

export interface LoadedCohort {
  /** The table has no id column: rows are numbered instead (and the ICC screen cannot match patients). */
  noIdColumn: boolean;
  data: DevelopData;
  ids: string[];
  imputations: Imputation[];
  outcome: { positive: string; negative: string };
  /** Per cohort: n, events. */
  cohorts: Array<{ cohort: CohortLabel; n: number; events: number }>;
}

function selectColumns(t: Table, spec: { prefix?: string; columns?: string[] }, what: string, exclude: Set<string>): string[] {
  if (spec.columns) {
    for (const c of spec.columns) if (!hasColumn(t, c)) throw new TaceError('TABLE_COLUMN_MISSING', `${t.source}: no ${what} column "${c}"`, { detail: { column: c } });
    return [...spec.columns];
  }
  const names = t.columns.filter((c) => c.startsWith(spec.prefix as string) && !exclude.has(c));
  if (names.length === 0) throw new TaceError('TABLE_COLUMN_MISSING', `${t.source}: no ${what} column starts with "${spec.prefix}"`, { detail: { prefix: spec.prefix } });
  return names;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The repeated-segmentation table of the ICC screen: every listed patient is a train patient
 * (DEVELOP_ICC_NOT_TRAIN), measured by every rater exactly once (DEVELOP_ICC_INCOMPLETE), with every
 * radiomics column of the cohort table (TABLE_COLUMN_MISSING).
 */
export function loadReplicates(t: Table, c: DevelopConfig, radNames: string[], trainIds: Set<string>): ReplicateFeatures {
  const icc = c.screening.icc as NonNullable<DevelopConfig['screening']['icc']>;
  const ids = textColumn(t, c.idColumn);
  const raters = textColumn(t, icc.raterColumn);
  const cols = radNames.map((n) => numericColumn(t, n));
  const byRater = new Map<string, Map<string, number>>();
  ids.forEach((id, i) => {
    if (!trainIds.has(id)) {
      throw new TaceError('DEVELOP_ICC_NOT_TRAIN', `${t.source}: data row ${i + 1} is not a train patient; the ICC screen is fitted on training data only`, { detail: { row: i + 1 } });
    }
    const m = byRater.get(raters[i]) ?? new Map<string, number>();
    if (m.has(id)) throw new TaceError('DEVELOP_ICC_INCOMPLETE', `${t.source}: data row ${i + 1} repeats a patient for the same rater`, { detail: { row: i + 1 } });
    m.set(id, i);
    byRater.set(raters[i], m);
  });
  const subjects = [...new Set(ids)].sort();
  if (byRater.size < 2 || subjects.length < 3) {
    throw new TaceError('DEVELOP_ICC_INCOMPLETE', `${t.source}: the ICC needs at least 2 raters and 3 patients (${byRater.size} raters, ${subjects.length} patients)`);
  }
  const matrices = [...byRater.entries()].map(([rater, m]) => {
    if (m.size !== subjects.length) {
      throw new TaceError('DEVELOP_ICC_INCOMPLETE', `${t.source}: rater "${rater}" measured ${m.size} of the ${subjects.length} patients`, { detail: { rater } });
    }
    return subjects.map((id) => cols.map((col) => col[m.get(id) as number]));
  });
  return { names: radNames, raters: matrices };
}

export function loadCohort(t: Table, c: DevelopConfig, opts: { replicates?: Table } = {}): LoadedCohort {
  const labels = textColumn(t, c.cohortColumn);
  const cohort = labels.map((l, i) => {
    if (!(COHORT_LABELS as readonly string[]).includes(l)) {
      throw new TaceError('COHORT_LABEL_INVALID', `${t.source}: column "${c.cohortColumn}", data row ${i + 1}: cohort must be train, test or external`, {
        detail: { column: c.cohortColumn, row: i + 1, allowed: COHORT_LABELS },
      });
    }
    return l as CohortLabel;
  });
  const trainRows = cohort.flatMap((l, i) => (l === 'train' ? [i] : []));
  if (trainRows.length === 0) throw new TaceError('DEVELOP_NO_TRAIN', `${t.source}: no row of the train cohort`);
  if (!cohort.some((l) => l !== 'train')) {
    throw new TaceError('DEVELOP_NO_HELDOUT', `${t.source}: no test or external cohort; a model is validated on patients it was not fitted on`);
  }
  const ids = hasColumn(t, c.idColumn) ? textColumn(t, c.idColumn) : t.rows.map((_, i) => String(i + 1));
  const noIdColumn = !hasColumn(t, c.idColumn);
  const seenIds = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = seenIds.get(id);
    // one patient twice (e.g. in train and in test) would leak the outcome into the evaluation
    if (first !== undefined) throw new TaceError('TABLE_DUPLICATE_ID', `${t.source}: data rows ${first + 1} and ${i + 1} have the same ${c.idColumn}`, { detail: { rows: [first + 1, i + 1] } });
    seenIds.set(id, i);
  });
  const out = outcomeColumn(t, c.outcome.column, c.outcome.positive);
  const cohorts = COHORT_LABELS.flatMap((label) => {
    const rows = cohort.flatMap((l, i) => (l === label ? [i] : []));
    if (rows.length === 0) return [];
    const y = rows.map((i) => out.labels[i]);
    requireBothClasses(y, `${label} cohort`);
    return [{ cohort: label, n: rows.length, events: y.reduce((s, v) => s + v, 0) }];
  });
  const clinicalCols = new Set([c.clinical.tumourSizeMm, c.clinical.noduleCount, c.clinical.afpNgPerMl, c.outcome.column, c.cohortColumn, c.idColumn]);
  const radNames = selectColumns(t, c.radiomics, 'radiomics', clinicalCols);
  const dlNames = selectColumns(t, c.dl, 'DL', clinicalCols);
  const overlap = radNames.find((n) => dlNames.includes(n));
  if (overlap) throw new TaceError('DEVELOP_CONFIG_INVALID', `column "${overlap}" is both a radiomics and a DL feature`);
  const imputations: Imputation[] = [];
  const column = (name: string): Float64Array => {
    const v = numericColumn(t, name, { allowMissing: c.missing === 'median' });
    const missing = v.reduce((s, x) => s + (Number.isNaN(x) ? 1 : 0), 0);
    if (missing > 0) {
      const trainVals = trainRows.map((i) => v[i]).filter((x) => !Number.isNaN(x));
      if (trainVals.length === 0) throw new TaceError('TABLE_MISSING_VALUE', `${t.source}: column "${name}" has no value in the train cohort to impute from`, { detail: { column: name } });
      const m = median(trainVals);
      for (let i = 0; i < v.length; i++) if (Number.isNaN(v[i])) v[i] = m;
      imputations.push({ column: name, count: missing, value: m });
    }
    return v;
  };
  const size = column(c.clinical.tumourSizeMm);
  const nodules = column(c.clinical.noduleCount);
  // the worker refuses negative clinical values; so does development
  for (const [name, v] of [[c.clinical.tumourSizeMm, size], [c.clinical.noduleCount, nodules]] as const) {
    const bad = v.findIndex((x) => x < 0);
    if (bad >= 0) throw new TaceError('TABLE_NON_NUMERIC', `${t.source}: column "${name}", data row ${bad + 1}: cannot be negative`, { detail: { column: name, row: bad + 1 } });
  }
  const afpRaw = column(c.clinical.afpNgPerMl);
  afpRaw.forEach((v, i) => {
    if (v < 0) throw new TaceError('TABLE_NON_NUMERIC', `${t.source}: column "${c.clinical.afpNgPerMl}", data row ${i + 1}: AFP cannot be negative`, { detail: { row: i + 1 } });
  });
  const afpTerm = c.clinical.afpTransform === 'log10' ? ('log10AfpNgPerMl' as const) : ('afpAtLeastCutoff' as const);
  const afp = afpTerm === 'log10AfpNgPerMl' ? afpRaw.map((v) => Math.log10(Math.max(v, 1))) : afpRaw.map((v) => (v >= c.clinical.afpCutoff ? 1 : 0));
  let replicates: ReplicateFeatures | undefined;
  if (c.screening.icc) {
    if (!opts.replicates) throw new TaceError('DEVELOP_CONFIG_INVALID', 'screening.icc is configured but no replicate table was given');
    replicates = loadReplicates(opts.replicates, c, radNames, new Set(trainRows.map((i) => ids[i])));
  }
  return {
    noIdColumn,
    data: {
      ...(replicates ? { replicates } : {}),
      n: t.rows.length,
      y: out.labels,
      cohort,
      radNames,
      rad: radNames.map(column),
      dlNames,
      dl: dlNames.map(column),
      size,
      nodules,
      afp,
      afpTerm,
    },
    ids,
    imputations,
    outcome: { positive: out.positive, negative: out.negative },
    cohorts,
  };
}
