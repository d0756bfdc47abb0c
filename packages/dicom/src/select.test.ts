import { describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { FolderStudySource } from './folder-source.ts';
import { selectCtAndSegmentation } from './select.ts';

const D = referencePath('dicom');

async function codeOf(fn: () => unknown): Promise<{ code?: string; httpStatus?: number } | undefined> {
  try { await fn(); } catch (e) { return e as { code?: string; httpStatus?: number }; }
  return undefined;
}

// UIDs below are read from the reference READMEs (dcmqi-ct-3slice, rtutils-rtstruct-hole) or from dcmdump.
const DCMQI_STUDY = '1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1';
const DCMQI_CT_SERIES = '1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1';
const RTUTILS_CT_SERIES = '2.16.840.1.114362.1.11940992.23790159890.563423471.893.88';
const CT1_UNC_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040826185059.5457';

describe.skipIf(!D)('FolderStudySource + selectCtAndSegmentation over shared/reference/dicom', () => {
  const src = new FolderStudySource(D ?? '');

  it('indexes every study in the tree by header and groups instances by series', async () => {
    const study = await src.getStudy(DCMQI_STUDY);
    expect(study.studyInstanceUid).toBe(DCMQI_STUDY);
    const ct = study.series.find((s) => s.seriesInstanceUid === DCMQI_CT_SERIES);
    expect(ct?.modality).toBe('CT');
    expect(ct?.instances.length).toBe(3);
    // liver.dcm and partial_overlaps.dcm both belong to this study (README: they reference these CT images).
    expect(study.series.filter((s) => s.modality === 'SEG').flatMap((s) => s.instances).length).toBe(2);
  });

  it('unknown study → DICOM_STUDY_NOT_FOUND with HTTP 404', async () => {
    const e = await codeOf(() => src.getStudy('1.2.3.4.5'));
    expect(e?.code).toBe('DICOM_STUDY_NOT_FOUND');
    expect(e?.httpStatus).toBe(404);
  });

  it('picks the requested SEG and the CT series it references', async () => {
    const study = await src.getStudy(DCMQI_STUDY);
    const liver = study.series.flatMap((s) => s.instances).find((i) => i.modality === 'SEG' && i.numberOfFrames === 3)!;
    const r = selectCtAndSegmentation(study, { segmentationSopInstanceUid: liver.sopInstanceUid });
    expect(r.kind).toBe('SEG');
    expect(r.segmentLabel).toBe('Liver');
    expect(r.segmentNumber).toBe(1);
    expect(r.ct.map((i) => i.seriesInstanceUid)).toEqual([DCMQI_CT_SERIES, DCMQI_CT_SERIES, DCMQI_CT_SERIES]);
  });

  it('absent segmentation UID → DICOM_SEGMENTATION_NOT_FOUND (404)', async () => {
    const study = await src.getStudy(DCMQI_STUDY);
    const e = await codeOf(() => selectCtAndSegmentation(study, { segmentationSopInstanceUid: '2.25.1' }));
    expect(e?.code).toBe('DICOM_SEGMENTATION_NOT_FOUND');
    expect(e?.httpStatus).toBe(404);
  });

  it('instances from getStudy decode JPEG-LS and JPEG 2000 without further setup', async () => {
    const study = await src.getStudy(CT1_UNC_STUDY);
    const all = study.series.flatMap((s) => s.instances);
    const ref = all.find((i) => i.transferSyntaxUid === '1.2.840.10008.1.2.1')!.storedFrame(0);
    for (const ts of ['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.90']) {
      expect(all.find((i) => i.transferSyntaxUid === ts)!.storedFrame(0)).toEqual(ref);
    }
  });

  it('study without SEG or RTSTRUCT → DICOM_NO_SEGMENTATION', async () => {
    const e = await codeOf(async () => selectCtAndSegmentation(await src.getStudy(CT1_UNC_STUDY)));
    expect(e?.code).toBe('DICOM_NO_SEGMENTATION');
  });

  it('RTSTRUCT whose FrameOfReference UID mismatches is paired through its referenced series', async () => {
    const rtSrc = new FolderStudySource(`${D}/rtutils-rtstruct-hole`);
    const [uid] = [...(await rtSrc.studies()).keys()];
    const r = selectCtAndSegmentation(await rtSrc.getStudy(uid));
    expect(r.kind).toBe('RTSTRUCT');
    expect(r.segmentLabel).toBe('ROI-1');
    expect(r.ct.length).toBe(2);
    expect(r.ct[0].seriesInstanceUid).toBe(RTUTILS_CT_SERIES);
  });
});
