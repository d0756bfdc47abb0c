/**
 * Series selection rules on a synthetic post-TACE study: an arterial and a portal-venous series,
 * each with its own SEG, plus the rules a hospital sets. The expected choices follow from the
 * headers written here, not from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { IDENTITY_DIRECTION, type LabelMap, type Volume } from '@tace/common';
import { groupSeries } from './study-source.ts';
import { parseDicom } from './instance.ts';
import { selectCtAndSegmentation } from './select.ts';
import { writeCtSeries } from './write/ct-writer.ts';
import { writeBinarySeg } from './write/seg-writer.ts';

const STUDY = '2.25.81';
const base = { studyInstanceUid: STUDY, patientId: 'RULES', patientName: 'Synthetic^Rules', studyDate: '20240310' };

function series(uid: string, description: string, slices: number, thicknessMm: number, segUid: string, contentDate: string) {
  const vol: Volume<Int16Array> = { size: [8, 8, slices], spacingMm: [1, 1, thicknessMm], originMm: [0, 0, 0], direction: [...IDENTITY_DIRECTION], data: new Int16Array(64 * slices) };
  const ct = writeCtSeries(vol, { ...base, seriesInstanceUid: uid, seriesDescription: description }).map((b) => parseDicom(b));
  const mask: LabelMap = { ...vol, data: new Uint8Array(64 * slices) };
  mask.data[64 + 9] = 1;
  const seg = parseDicom(writeBinarySeg(mask, ct, { sopInstanceUid: segUid, seriesInstanceUid: `${segUid}.1`, contentDate }));
  return [...ct, seg];
}

// The arterial SEG is the later one: with no rules it is the one picked.
const study = () => groupSeries(STUDY, [
  ...series('2.25.82', 'Liver ART 1.25mm', 40, 1.25, '2.25.83', '20240311'),
  ...series('2.25.84', 'Liver PV 5mm', 12, 5, '2.25.85', '20240310'),
]);

describe('series selection rules', () => {
  it('without rules: the latest SEG and its series, and the reason says so', () => {
    const sel = selectCtAndSegmentation(study());
    expect(sel.seg.sopInstanceUid).toBe('2.25.83');
    expect(sel.selection.summary[0]).toMatch(/^chosen: segmentation 2\.25\.83 on series 2\.25\.82 \("Liver ART 1\.25mm", 40 slices, 1\.25 mm\) accepted/);
  });

  it('a description rule passes over the arterial SEG for the portal-venous one, and records why', () => {
    const sel = selectCtAndSegmentation(study(), { rules: { descriptionInclude: 'PV|portal' } });
    expect(sel.ct[0].seriesInstanceUid).toBe('2.25.84');
    expect(sel.selection.summary[1]).toMatch(/passed over: segmentation 2\.25\.83 on series 2\.25\.82 \("Liver ART 1\.25mm".*rejected: SeriesDescription does not match \/PV\|portal\/i/);
  });

  it('phase preference picks the preferred phase among series that pass', () => {
    const sel = selectCtAndSegmentation(study(), { rules: { phasePreference: ['PV|portal', 'ART'] } });
    expect(sel.seg.sopInstanceUid).toBe('2.25.85');
    expect(sel.selection.considered[0].verdict?.phaseRank).toBe(0);
  });

  it('slice-count and thickness bounds', () => {
    expect(selectCtAndSegmentation(study(), { rules: { minSlices: 20 } }).seg.sopInstanceUid).toBe('2.25.83');
    expect(selectCtAndSegmentation(study(), { rules: { minSliceThicknessMm: 3 } }).seg.sopInstanceUid).toBe('2.25.85');
  });

  it('a series acquired before the TACE date is not scored: DICOM_NO_ELIGIBLE_SERIES naming each failure', () => {
    let err: { code?: string; httpStatus?: number; message?: string } | undefined;
    try { selectCtAndSegmentation(study(), { rules: { acquiredOnOrAfter: '20240311' } }); } catch (e) { err = e as typeof err; }
    expect(err?.code).toBe('DICOM_NO_ELIGIBLE_SERIES');
    expect(err?.httpStatus).toBe(422);
    expect(err?.message).toContain('acquired 20240310, before 20240311 (the TACE date)');
    // The message reaches logs: it names series by UID, never by their (free-text) description.
    expect(err?.message).not.toContain('Liver');
  });

  it('a requested segmentation whose series fails the rules is refused, not swapped for another', () => {
    let code: string | undefined;
    try { selectCtAndSegmentation(study(), { segmentationSopInstanceUid: '2.25.83', rules: { descriptionExclude: 'ART' } }); } catch (e) { code = (e as { code: string }).code; }
    expect(code).toBe('DICOM_NO_ELIGIBLE_SERIES');
  });
});
