import { TaceError } from '@tace/common';
import type { DicomInstance } from './instance.ts';
import type { SeriesFiles } from './study-source.ts';
import { TAG } from './tags.ts';

/**
 * Which image series may be scored, as the hospital configures it. A post-TACE liver CT study
 * holds non-contrast, arterial, portal-venous and delayed series, scouts and reformats; the
 * segmentation names the series it was drawn on, and these rules decide whether that series is
 * acceptable (and, with several segmentations, which to prefer). Every rule is optional.
 */
export interface SeriesRules {
  /** Modalities allowed (default CT). */
  modalities?: readonly string[];
  /** SeriesDescription must match (case-insensitive regular expression), e.g. "portal|venous|PV". */
  descriptionInclude?: string;
  /** SeriesDescription must not match, e.g. "scout|localizer|dose|mip|bone". */
  descriptionExclude?: string;
  /** Contrast phases in order of preference (case-insensitive regular expressions on SeriesDescription). */
  phasePreference?: readonly string[];
  minSlices?: number;
  minSliceThicknessMm?: number;
  maxSliceThicknessMm?: number;
  /** The series must be acquired on or after this date (YYYYMMDD; the TACE date). */
  acquiredOnOrAfter?: string;
}

/** What the rules found about one series: kept with the case as the reason for the choice. */
export interface SeriesVerdict {
  seriesInstanceUid: string;
  modality: string;
  description: string;
  slices: number;
  sliceThicknessMm?: number;
  /** AcquisitionDate, else SeriesDate, else StudyDate (YYYYMMDD), if any. */
  date?: string;
  /** Index into phasePreference of the first phase that matches; undefined when none does. */
  phaseRank?: number;
  accepted: boolean;
  /** Each rule the series failed, in words (never the description text itself: it goes into error messages and logs). */
  failures: string[];
}

function regex(pattern: string, name: string): RegExp {
  try {
    return new RegExp(pattern, 'i');
  } catch {
    throw new TaceError('CONFIG_INVALID', `Series rule ${name} is not a valid regular expression: ${pattern}`);
  }
}

function dateOf(i: DicomInstance | undefined): string | undefined {
  if (!i) return undefined;
  return i.string(TAG.AcquisitionDate) ?? i.string(TAG.SeriesDate) ?? i.string(TAG.StudyDate) ?? undefined;
}

/** Judge one image series against the rules (header only: no pixel data is read). */
export function judgeSeries(series: SeriesFiles, rules: SeriesRules = {}, stackImages: readonly DicomInstance[] = series.instances): SeriesVerdict {
  const first = stackImages[0] ?? series.instances[0];
  const description = first?.string(TAG.SeriesDescription) ?? '';
  const modality = series.modality || first?.modality || '';
  // Multi-frame (Enhanced CT) instances hold many slices each.
  const slices = stackImages.reduce((n, i) => n + i.numberOfFrames, 0);
  const sliceThicknessMm = first?.decimal(TAG.SliceThickness);
  const date = dateOf(first);
  const failures: string[] = [];
  const modalities = rules.modalities ?? ['CT'];
  if (!modalities.includes(modality)) failures.push(`modality ${modality || '(none)'} is not one of ${modalities.join(', ')}`);
  if (rules.descriptionInclude && !regex(rules.descriptionInclude, 'descriptionInclude').test(description)) {
    failures.push(`SeriesDescription does not match /${rules.descriptionInclude}/i`);
  }
  if (rules.descriptionExclude && regex(rules.descriptionExclude, 'descriptionExclude').test(description)) {
    failures.push(`SeriesDescription matches the excluded /${rules.descriptionExclude}/i`);
  }
  if (rules.minSlices !== undefined && slices < rules.minSlices) failures.push(`${slices} slices, fewer than ${rules.minSlices}`);
  if (rules.minSliceThicknessMm !== undefined || rules.maxSliceThicknessMm !== undefined) {
    if (sliceThicknessMm === undefined) failures.push('no SliceThickness to check against the thickness bounds');
    else if (rules.minSliceThicknessMm !== undefined && sliceThicknessMm < rules.minSliceThicknessMm) failures.push(`slice thickness ${sliceThicknessMm} mm below ${rules.minSliceThicknessMm} mm`);
    else if (rules.maxSliceThicknessMm !== undefined && sliceThicknessMm > rules.maxSliceThicknessMm) failures.push(`slice thickness ${sliceThicknessMm} mm above ${rules.maxSliceThicknessMm} mm`);
  }
  if (rules.acquiredOnOrAfter) {
    if (!date) failures.push(`no acquisition date to compare with ${rules.acquiredOnOrAfter}`);
    else if (date < rules.acquiredOnOrAfter) failures.push(`acquired ${date}, before ${rules.acquiredOnOrAfter} (the TACE date)`);
  }
  const idx = (rules.phasePreference ?? []).findIndex((p, n) => regex(p, `phasePreference[${n}]`).test(description));
  return {
    seriesInstanceUid: series.seriesInstanceUid, modality, description, slices,
    ...(sliceThicknessMm !== undefined ? { sliceThicknessMm } : {}),
    ...(date ? { date } : {}),
    ...(idx >= 0 ? { phaseRank: idx } : {}),
    accepted: failures.length === 0,
    failures,
  };
}

/**
 * One line for people. With `withDescription` (the case bundle's record, the CLI) the series
 * description is quoted; without (error messages, which reach logs) it is not: a description
 * can carry what identifies an exam or a patient.
 */
export function describeVerdict(v: SeriesVerdict, withDescription = true): string {
  const what = `series ${v.seriesInstanceUid} (${withDescription ? `"${v.description}", ` : ''}${v.slices} slices${v.sliceThicknessMm !== undefined ? `, ${v.sliceThicknessMm} mm` : ''})`;
  return v.accepted ? `${what} accepted${v.phaseRank !== undefined ? ` (preferred phase #${v.phaseRank + 1})` : ''}` : `${what} rejected: ${v.failures.join('; ')}`;
}
