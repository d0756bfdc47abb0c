import { TaceError } from '@tace/common';
import { isCtInstance } from './ct-volume.ts';
import type { DicomInstance } from './instance.ts';
import { isRtStruct, isSeg, listSegments, pickTumourSegment } from './segments.ts';
import { describeVerdict, judgeSeries, type SeriesRules, type SeriesVerdict } from './series-rules.ts';
import type { SeriesFiles, StudyFiles } from './study-source.ts';
import { TAG } from './tags.ts';

export interface CtAndSegmentation {
  ct: DicomInstance[];
  /** The SEG or RTSTRUCT instance. */
  seg: DicomInstance;
  kind: 'SEG' | 'RTSTRUCT';
  /** SEG SegmentNumber, or RTSTRUCT ROINumber. */
  segmentNumber: number;
  segmentLabel: string;
  /** Why this segmentation and series were chosen: kept with the case. */
  selection: SelectionReason;
}

/** The record of a choice: the rules applied and what each considered series was found to be. */
export interface SelectionReason {
  rules: SeriesRules;
  /** The chosen series' verdict first, then those of the segmentations passed over. */
  considered: Array<{ segmentationSopInstanceUid: string; verdict?: SeriesVerdict; problem?: string }>;
  /** One sentence per considered segmentation, for people. */
  summary: string[];
}

/** Series UIDs a SEG or RTSTRUCT names as its source. */
export function referencedSeriesUids(seg: DicomInstance): string[] {
  const out: string[] = [];
  for (const s of seg.sequence(TAG.ReferencedSeriesSequence)) {
    const u = s.string(TAG.SeriesInstanceUID);
    if (u) out.push(u);
  }
  for (const f of seg.sequence(TAG.ReferencedFrameOfReferenceSequence)) {
    for (const st of f.sequence(TAG.RTReferencedStudySequence)) {
      for (const se of st.sequence(TAG.RTReferencedSeriesSequence)) {
        const u = se.string(TAG.SeriesInstanceUID);
        if (u) out.push(u);
      }
    }
  }
  return out;
}

/** SOP instance UIDs a SEG (DerivationImage) or RTSTRUCT (ContourImage) points at. */
export function referencedSopUids(seg: DicomInstance): Set<string> {
  const out = new Set<string>();
  for (const pf of seg.sequence(TAG.PerFrameFunctionalGroupsSequence)) {
    for (const d of pf.sequence(TAG.DerivationImageSequence)) {
      for (const s of d.sequence(TAG.SourceImageSequence)) { const u = s.string(TAG.ReferencedSOPInstanceUID); if (u) out.add(u); }
    }
  }
  for (const rs of seg.sequence(TAG.ReferencedSeriesSequence)) {
    for (const r of rs.sequence(TAG.ReferencedInstanceSequence)) { const u = r.string(TAG.ReferencedSOPInstanceUID); if (u) out.add(u); }
  }
  for (const f of seg.sequence(TAG.ReferencedFrameOfReferenceSequence)) {
    for (const st of f.sequence(TAG.RTReferencedStudySequence)) {
      for (const se of st.sequence(TAG.RTReferencedSeriesSequence)) {
        for (const ci of se.sequence(TAG.ContourImageSequence)) { const u = ci.string(TAG.ReferencedSOPInstanceUID); if (u) out.add(u); }
      }
    }
  }
  return out;
}

/** Sort key "YYYYMMDDHHMMSS" of a segmentation's content (later is preferred). */
function contentKey(i: DicomInstance): string {
  const d = i.string(TAG.ContentDate) ?? i.string(TAG.SeriesDate) ?? '';
  const t = i.string(TAG.ContentTime) ?? i.string(TAG.SeriesTime) ?? '';
  return `${d.padEnd(8, '0')}${t.padEnd(13, '0')}`;
}

/** What choosing a segmentation needs of one SEG/RTSTRUCT: its header, never its pixel data. */
export interface SegmentationSummary {
  sopInstanceUid: string;
  kind: 'SEG' | 'RTSTRUCT';
  /** Content (else series) date and time, as a sortable key. */
  contentKey: string;
}

/** The summary of a SEG or RTSTRUCT instance (header only), or undefined for any other instance. */
export function segmentationSummary(i: DicomInstance): SegmentationSummary | undefined {
  if (!isSeg(i) && !isRtStruct(i)) return undefined;
  return { sopInstanceUid: i.sopInstanceUid, kind: isSeg(i) ? 'SEG' : 'RTSTRUCT', contentKey: contentKey(i) };
}

/**
 * The segmentation to score: the one requested (DICOM_SEGMENTATION_NOT_FOUND, 404, if it is not
 * a SEG/RTSTRUCT of the study), else the latest SEG (content date/time, ties by SOP UID), else the
 * latest RTSTRUCT; none → DICOM_NO_SEGMENTATION. The same rule whether the candidates come from
 * parsed instances or from a header index.
 */
export function pickSegmentation<T extends SegmentationSummary>(candidates: readonly T[], requested?: string): T {
  if (requested) {
    const found = candidates.find((c) => c.sopInstanceUid === requested);
    if (!found) {
      throw new TaceError('DICOM_SEGMENTATION_NOT_FOUND', 'The requested segmentation SOP Instance UID is not a SEG or RTSTRUCT in the study',
        { httpStatus: 404, detail: { segmentationSopInstanceUid: requested } });
    }
    return found;
  }
  if (candidates.length === 0) throw new TaceError('DICOM_NO_SEGMENTATION', 'The study holds no DICOM SEG or RTSTRUCT', { httpStatus: 422 });
  return rankSegmentations(candidates)[0]!;
}

/** Every candidate in the order pickSegmentation prefers them (SEG before RTSTRUCT, latest first). */
function rankSegmentations<T extends SegmentationSummary>(candidates: readonly T[]): T[] {
  const order = (c: SegmentationSummary): string => `${c.kind === 'SEG' ? '1' : '0'}${c.contentKey}${c.sopInstanceUid}`;
  return [...candidates].sort((a, b) => (order(a) < order(b) ? 1 : order(a) > order(b) ? -1 : 0));
}

/** The CT series a segmentation was drawn on, or undefined. */
function seriesOf(seg: DicomInstance, ctSeries: readonly SeriesFiles[]): SeriesFiles | undefined {
  const refSeries = referencedSeriesUids(seg);
  let ct: SeriesFiles | undefined = ctSeries.find((s) => refSeries.includes(s.seriesInstanceUid));
  if (!ct) {
    const sops = referencedSopUids(seg);
    ct = ctSeries.find((s) => s.instances.some((i) => sops.has(i.sopInstanceUid)));
  }
  if (!ct) {
    const forUid = seg.frameOfReferenceUid;
    const sameFor = ctSeries.filter((s) => forUid !== undefined && s.instances[0]?.frameOfReferenceUid === forUid);
    if (sameFor.length === 1) ct = sameFor[0];
  }
  return ct;
}

// Scout views sometimes share the series; they are not part of the axial stack.
const isStackImage = (i: DicomInstance): boolean => isCtInstance(i) && !i.strings(TAG.ImageType).includes('LOCALIZER');

/**
 * Pick the segmentation to score and the CT series it was drawn on.
 * - With `segmentationSopInstanceUid`: that SEG/RTSTRUCT, else DICOM_SEGMENTATION_NOT_FOUND (404).
 * - Without: the latest SEG (content date/time, ties by SOP UID), else the latest RTSTRUCT;
 *   none → DICOM_NO_SEGMENTATION.
 * The CT series is the one the segmentation references (ReferencedSeriesSequence /
 * RTReferencedSeriesSequence), else the CT series holding its referenced images, else the only
 * CT series in the same frame of reference; none → DICOM_REFERENCED_SERIES_NOT_FOUND.
 * That series must pass the configured `rules` (series-rules.ts); without a requested
 * segmentation, candidates whose series fail are passed over for the next, and among those that
 * pass the preferred contrast phase wins; none passing → DICOM_NO_ELIGIBLE_SERIES (422), with
 * every series' failures. The choice and its reasons come back as `selection`.
 * LOCALIZER images (ImageType) in that series are left out.
 */
export function selectCtAndSegmentation(study: StudyFiles, opts: { segmentationSopInstanceUid?: string; rules?: SeriesRules } = {}): CtAndSegmentation {
  const candidates = study.series.flatMap((s) => s.instances).flatMap((i) => {
    const summary = segmentationSummary(i);
    return summary ? [{ ...summary, instance: i }] : [];
  });
  const rules = opts.rules ?? {};
  // pickSegmentation throws the coded errors: the requested one missing, or none at all.
  const first = pickSegmentation(candidates, opts.segmentationSopInstanceUid);
  const ranked = opts.segmentationSopInstanceUid ? [first] : rankSegmentations(candidates);
  const ctSeries = study.series.filter((s) => s.instances.some(isCtInstance));
  const considered: SelectionReason['considered'] = [];
  const accepted: Array<{ seg: DicomInstance; ct: SeriesFiles; verdict: SeriesVerdict; order: number }> = [];
  for (const [order, c] of ranked.entries()) {
    const ct = seriesOf(c.instance, ctSeries);
    if (!ct) {
      considered.push({ segmentationSopInstanceUid: c.sopInstanceUid, problem: 'the CT series it was drawn on is not in the study' });
      continue;
    }
    const verdict = judgeSeries(ct, rules, ct.instances.filter(isStackImage));
    considered.push({ segmentationSopInstanceUid: c.sopInstanceUid, verdict });
    if (verdict.accepted) accepted.push({ seg: c.instance, ct, verdict, order });
  }
  if (accepted.length === 0) {
    if (considered.every((c) => c.problem)) {
      throw new TaceError('DICOM_REFERENCED_SERIES_NOT_FOUND', 'The CT series the segmentation was drawn on is not in the study',
        { detail: { segmentations: considered.length } });
    }
    // The message reaches logs: no description text in it (the verdicts in `detail` keep it for the run record).
    throw new TaceError('DICOM_NO_ELIGIBLE_SERIES', `No segmented series passes the series rules: ${considered.map((c) => c.verdict ? describeVerdict(c.verdict, false) : c.problem).join(' | ')}`,
      { httpStatus: 422, detail: { considered: considered.map((c) => ({ segmentationSopInstanceUid: c.segmentationSopInstanceUid, ...(c.problem ? { problem: c.problem } : {}), ...(c.verdict ? { failures: c.verdict.failures } : {}) })) } });
  }
  const rank = (a: (typeof accepted)[number]): number => a.verdict.phaseRank ?? Number.MAX_SAFE_INTEGER;
  const best = [...accepted].sort((a, b) => rank(a) - rank(b) || a.order - b.order)[0]!;
  const pick = pickTumourSegment(listSegments(best.seg));
  const chosenFirst = [
    ...considered.filter((c) => c.segmentationSopInstanceUid === best.seg.sopInstanceUid),
    ...considered.filter((c) => c.segmentationSopInstanceUid !== best.seg.sopInstanceUid),
  ];
  return {
    ct: best.ct.instances.filter(isStackImage),
    seg: best.seg,
    kind: isSeg(best.seg) ? 'SEG' : 'RTSTRUCT',
    segmentNumber: pick.segmentNumber,
    segmentLabel: pick.label,
    selection: {
      rules,
      considered: chosenFirst,
      summary: chosenFirst.map((c, n) => `${n === 0 ? 'chosen' : 'passed over'}: segmentation ${c.segmentationSopInstanceUid} on ${c.verdict ? describeVerdict(c.verdict) : c.problem}`),
    },
  };
}
