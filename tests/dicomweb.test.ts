/**
 * DicomWebStudySource against a real PACS: Orthanc (Debian) with its DICOMweb plugin, fed by
 * STOW-RS. Each study read over QIDO-RS + WADO-RS must give the same series, instances, HU
 * volume and mask as FolderStudySource over the very files uploaded, and as the external
 * ground truth (the synthetic phantom's arrays; the reference READMEs' pixel counts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import {
  DicomWebStudySource, FolderStudySource, loadCtVolume, newUid, parseDicom, readDicomFile, segmentationToLabelMap, segToLabelMap, selectCtAndSegmentation,
  TAG, TRANSFER_SYNTAX, writeCtSeries, type StudyFiles,
} from '@tace/dicom';
import { generatePatient, writeSyntheticStudy, type WrittenStudy } from '@tace/synthetic';
import { findOrthanc, startOrthanc, type OrthancHandle } from './support/orthanc.ts';

const ORTHANC = findOrthanc();
const CT3 = referencePath('dicom/dcmqi-ct-3slice');
const TS = referencePath('dicom/transfer-syntaxes');
const RT = referencePath('dicom/rtutils-rtstruct-hole');

/** Series → sorted SOP UIDs, series sorted by UID: what a study holds, independent of order. */
function shape(s: StudyFiles): Array<{ series: string; modality: string; sops: string[] }> {
  return s.series.map((x) => ({ series: x.seriesInstanceUid, modality: x.modality, sops: x.instances.map((i) => i.sopInstanceUid).sort() }))
    .sort((a, b) => a.series.localeCompare(b.series));
}

function parseDicomHeader(bytes: Uint8Array) {
  return parseDicom(bytes, { untilTag: TAG.PixelData });
}

function readAll(paths: string[]): Uint8Array[] {
  return paths.map((p) => new Uint8Array(readFileSync(p)));
}

/** A fetch that records (Accept, status) of every request, to see which transfer syntax was asked for. */
function recordingFetch(log: Array<{ accept: string; status: number }>): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    log.push({ accept: String(new Headers(init?.headers).get('accept')), status: res.status });
    return res;
  };
}

describe.skipIf(!ORTHANC)('DicomWebStudySource against Orthanc (STOW-RS, QIDO-RS, WADO-RS)', () => {
  let orthanc: OrthancHandle;
  let web: DicomWebStudySource;
  let tmp: string;
  let synth: WrittenStudy;
  const patient = generatePatient(4242, 3);

  beforeAll(async () => {
    orthanc = await startOrthanc(ORTHANC);
    web = new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl });
    tmp = mkdtempSync(join(tmpdir(), 'tace-dicomweb-'));
    synth = writeSyntheticStudy(patient, join(tmp, 'synthetic'));
    await orthanc.stow(readAll([...synth.ctFiles, synth.segFile]));
  });
  afterAll(async () => {
    await orthanc?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('synthetic study: same series and instances as the folder; HU volume and mask equal the phantom', async () => {
    const viaWeb = await web.getStudy(synth.studyInstanceUid);
    const viaFolder = await new FolderStudySource(synth.dir).getStudy(synth.studyInstanceUid);
    expect(shape(viaWeb)).toEqual(shape(viaFolder));
    // One CT image per phantom slice, one SEG object (what writeSyntheticStudy writes).
    expect(shape(viaWeb).map((s) => `${s.modality}:${s.sops.length}`).sort()).toEqual([`CT:${patient.ct.size[2]}`, 'SEG:1']);
    // Every instance came back as Explicit VR LE (the first request's transfer syntax is honoured).
    for (const s of viaWeb.series) for (const i of s.instances) expect(i.transferSyntaxUid).toBe(TRANSFER_SYNTAX.ExplicitVRLittleEndian);

    const sel = selectCtAndSegmentation(viaWeb);
    const vol = loadCtVolume(sel.ct);
    const mask = segToLabelMap(sel.seg, vol);
    // Ground truth: the phantom's own arrays (Int16 HU written with slope 1, intercept -1024 → exact).
    expect(vol.size).toEqual(patient.ct.size);
    expect(Array.from(vol.data)).toEqual(Array.from(patient.ct.data));
    expect(mask.data).toEqual(patient.mask.data.map((v) => (v > 0 ? 1 : 0)));

    const selF = selectCtAndSegmentation(viaFolder);
    const volF = loadCtVolume(selF.ct);
    expect(vol.originMm).toEqual(volF.originMm);
    expect(vol.spacingMm).toEqual(volF.spacingMm);
    expect(vol.direction).toEqual(volF.direction);
    expect(vol.data).toEqual(volF.data);
    expect(mask.data).toEqual(segToLabelMap(selF.seg, volF).data);
  });

  describe.skipIf(!CT3)('dcmqi-ct-3slice (Implicit LE CT + BINARY SEG)', () => {
    // StudyInstanceUID and SEG pixel counts from the reference folder's README / headers.
    const STUDY = '1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1';
    const files = ['01.dcm', '02.dcm', '03.dcm', 'liver.dcm'];

    beforeAll(async () => {
      await orthanc.stow(readAll(files.map((f) => join(CT3!, f))));
    });

    it('same series/instances, volume and mask as the folder; mask counts from the README', async () => {
      const viaWeb = await web.getStudy(STUDY);
      const viaFolder = await new FolderStudySource(CT3!).getStudy(STUDY);
      expect(shape(viaWeb)).toEqual(shape(viaFolder));
      expect(shape(viaWeb).map((s) => `${s.modality}:${s.sops.length}`).sort()).toEqual(['CT:3', 'SEG:1']);
      const sel = selectCtAndSegmentation(viaWeb);
      const vol = loadCtVolume(sel.ct);
      const selF = selectCtAndSegmentation(viaFolder);
      const volF = loadCtVolume(selF.ct);
      expect(vol.size).toEqual([512, 512, 3]);
      expect(vol.originMm[2]).toBeCloseTo(-128.69, 4); // README: lowest z of the three slices
      expect(vol.data).toEqual(volF.data);
      const mask = segToLabelMap(sel.seg, vol);
      expect(mask.data).toEqual(segToLabelMap(selF.seg, volF).data);
      // README: foreground per frame, frame order = increasing z = k order here.
      const plane = 512 * 512;
      const perSlice = [0, 1, 2].map((k) => mask.data.subarray(k * plane, (k + 1) * plane).reduce((a, v) => a + v, 0));
      expect(perSlice).toEqual([36233, 35645, 35220]);
    });
  });

  describe.skipIf(!RT)('rtutils-rtstruct-hole (Explicit LE CT + Implicit LE RTSTRUCT)', () => {
    beforeAll(async () => {
      await orthanc.stow(readAll(['ct_1.dcm', 'ct_2.dcm', 'rt.dcm'].map((f) => join(RT!, f))));
    });

    it('same series/instances, volume and mask as the folder; even-odd mask count from the README', async () => {
      const studyUid = readDicomFile(join(RT!, 'rt.dcm')).studyInstanceUid;
      const viaWeb = await web.getStudy(studyUid);
      const viaFolder = await new FolderStudySource(RT!).getStudy(studyUid);
      expect(shape(viaWeb)).toEqual(shape(viaFolder));
      expect(shape(viaWeb).map((s) => `${s.modality}:${s.sops.length}`).sort()).toEqual(['CT:2', 'RTSTRUCT:1']);
      const sel = selectCtAndSegmentation(viaWeb);
      const vol = loadCtVolume(sel.ct);
      const selF = selectCtAndSegmentation(viaFolder);
      const volF = loadCtVolume(selF.ct);
      expect(vol.data).toEqual(volF.data);
      const mask = segmentationToLabelMap(sel.seg, vol);
      expect(mask.data).toEqual(segmentationToLabelMap(selF.seg, volF).data);
      // README: outer square minus the nested inner contour = 1443 px, all on ct_1 (z = 60).
      expect(mask.data.reduce((a, v) => a + v, 0)).toBe(1443);
    });
  });

  it('unknown study → DICOM_STUDY_NOT_FOUND (404, not retryable)', async () => {
    await expect(web.getStudy('1.2.826.0.1.3680043.2.1125.999999.1')).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND', httpStatus: 404, retryable: false });
  });

  it('Orthanc stopped → DICOM_SOURCE_UNAVAILABLE (503, retryable)', async () => {
    const other = await startOrthanc(ORTHANC);
    await other.stow(readAll(synth.ctFiles.slice(0, 2)));
    const src = new DicomWebStudySource({ baseUrl: other.dicomWebUrl, timeoutMs: 5_000 });
    expect((await src.getStudy(synth.studyInstanceUid)).series[0].instances).toHaveLength(2);
    await other.stop();
    await expect(src.getStudy(synth.studyInstanceUid)).rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE', httpStatus: 503, retryable: true });
  });

  it('Orthanc killed in the middle of a WADO-RS answer → retryable error, never a short series', async () => {
    // 60 × 512² CT (≈ 31 MB of incompressible values) so the answer is still streaming when
    // Orthanc dies: the synthetic study (0.8 MB) would sit whole in the socket buffers.
    const n = 60;
    const data = new Int16Array(512 * 512 * n).map((_, i) => ((i * 2654435761) >>> 20) % 3000 - 1000);
    const files = writeCtSeries(
      { size: [512, 512, n], spacingMm: [0.7, 0.7, 2.5], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data },
      { studyInstanceUid: newUid(), patientId: 'KILL-TEST', patientName: 'Kill^Test', studyDate: '20260101', seriesInstanceUid: newUid() });
    const other = await startOrthanc(ORTHANC);
    try {
      await other.stow(files);
      let requests = 0;
      // Request 1 is QIDO-RS; kill as soon as the headers of request 2 (WADO-RS) are in.
      const killing: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (++requests === 2) process.kill(other.pid, 'SIGKILL');
        return res;
      };
      const src = new DicomWebStudySource({ baseUrl: other.dicomWebUrl, fetch: killing });
      const studyUid = parseDicomHeader(files[0]).studyInstanceUid;
      const err = await src.getStudy(studyUid).then(() => undefined, (e: unknown) => e);
      // The cut lands either in the multipart (Orthanc closes a Connection: close body cleanly →
      // DICOMWEB_MULTIPART_INVALID) or in HTTP framing (fetch throws → DICOM_SOURCE_UNAVAILABLE).
      expect(err).toMatchObject({ retryable: true });
      expect(['DICOMWEB_MULTIPART_INVALID', 'DICOM_SOURCE_UNAVAILABLE']).toContain((err as { code?: string }).code);
    } finally {
      await other.stop();
    }
  });

  describe.skipIf(!TS)('transfer syntaxes (reference transfer-syntaxes folder)', () => {
    /**
     * file → the uncompressed file whose stored pixels it must equal, and the tolerance in stored
     * units. Identity and tolerances are the README's own checks (DCMTK / pydicom): lossless
     * files decode identical; .81 near-lossless max error 2; JPEG 2000 .91 max error 5.
     */
    const CT1 = 'CT1_UNC.explicit_little_endian.dcm';
    const CT0012 = 'CT0012.explicit_little_endian.dcm';
    const CTIMG = 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm';
    const cases: Array<[file: string, reference: string, maxAbsError: number]> = [
      ['CT1_UNC.implicit_little_endian.dcm', CT1, 0],
      ['CT1_UNC.explicit_big_endian.dcm', CT1, 0],
      ['CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm', CT1, 0],
      ['CT1_UNC.not_fragmented_no_bot_jpeg_ls.80.dcm', CT1, 0],
      ['CT1_UNC.fragmented_bot_jpeg_ls.80.dcm', CT1, 0],
      ['CT1_J2KR.dcm', CT1, 0],
      ['CT0012.fragmented_no_bot_jpeg_lossless.57.dcm', CT0012, 0],
      ['CT0012.fragmented_no_bot_jpeg_lossless.70.dcm', CT0012, 0],
      ['CT0012.fragmented_no_bot_jpeg_ls.80.dcm', CT0012, 0],
      ['CT0012.not_fragmented_bot_jpeg_ls.80.dcm', CT0012, 0],
      ['CT0012.not_fragmented_no_bot_jpeg_ls.80.dcm', CT0012, 0],
      ['CT0012.fragmented_no_bot_jpeg_ls.81.dcm', CT0012, 2],
      ['CT0012.not_fragmented_bot_rle.dcm', CT0012, 0],
      ['CT0012.not_fragmented_no_bot_rle.dcm', CT0012, 0],
      ['CTImage.dcm_DeflatedExplicitVRLittleEndianTransferSyntax_1.2.840.10008.1.2.1.99.dcm', CTIMG, 0],
      ['CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm', CTIMG, 0],
      ['CTImage.dcm_JPEG2000TransferSyntax_1.2.840.10008.1.2.4.91.dcm', CTIMG, 5],
    ];

    it.each(cases)('%s: STOW, WADO-RS back, stored pixels equal the uncompressed reference', async (file, reference, maxAbsError) => {
      const bytes = readFileSync(join(TS!, file));
      const uploaded = readDicomFile(join(TS!, file));
      const ref = readDicomFile(join(TS!, reference));
      const log: Array<{ accept: string; status: number }> = [];
      await orthanc.stow([new Uint8Array(bytes)]);
      try {
        const src = new DicomWebStudySource({ baseUrl: orthanc.dicomWebUrl, fetch: recordingFetch(log) });
        const study = await src.getStudy(uploaded.studyInstanceUid);
        const got = study.series.flatMap((s) => s.instances);
        expect(got.map((i) => i.sopInstanceUid)).toEqual([uploaded.sopInstanceUid]);
        const inst = got[0];
        const wado = log.slice(1).map((l) => `${/transfer-syntax=([^;\s]+)/.exec(l.accept)?.[1]}→${l.status}`).join(', ');
        console.log(`[dicomweb] ${file}: stored ${uploaded.transferSyntaxUid}, WADO-RS ${wado}, received ${inst.transferSyntaxUid}`);
        expect(inst.numberOfFrames).toBe(ref.numberOfFrames);
        let worst = 0;
        for (let f = 0; f < ref.numberOfFrames; f++) {
          const a = inst.storedFrame(f), b = ref.storedFrame(f);
          expect(a.length).toBe(b.length);
          for (let p = 0; p < a.length; p++) worst = Math.max(worst, Math.abs(a[p] - b[p]));
        }
        expect(worst).toBeLessThanOrEqual(maxAbsError);
        // Modality LUT must survive the trip too (Enhanced CT keeps it in functional groups).
        expect(inst.rescale(0)).toEqual(ref.rescale(0));
      } finally {
        await orthanc.deleteStudy(uploaded.studyInstanceUid);
      }
    });

    /**
     * Lossy JPEG (.50 baseline, .51 extended): the folder source refuses to decode it. Orthanc
     * would transcode it to Explicit LE on request (measured), which would launder lossy pixels
     * (README: .51 stored values ≈ original + 1023); the DICOMweb source must refuse it the same way.
     */
    it.each([
      'CTImage.dcm_JPEGProcess1TransferSyntax_1.2.840.10008.1.2.4.50.dcm',
      'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm',
    ])('%s (lossy JPEG): refused as from the folder, DICOM_TRANSFER_SYNTAX_UNSUPPORTED', async (file) => {
      const uploaded = readDicomFile(join(TS!, file));
      expect(() => loadCtVolume([uploaded])).toThrow(expect.objectContaining({ code: 'DICOM_TRANSFER_SYNTAX_UNSUPPORTED' }));
      await orthanc.stow([new Uint8Array(readFileSync(join(TS!, file)))]);
      try {
        const study = await web.getStudy(uploaded.studyInstanceUid);
        const inst = study.series.flatMap((s) => s.instances)[0];
        expect(inst.transferSyntaxUid).toBe(uploaded.transferSyntaxUid);
        expect(() => loadCtVolume([inst])).toThrow(expect.objectContaining({ code: 'DICOM_TRANSFER_SYNTAX_UNSUPPORTED' }));
      } finally {
        await orthanc.deleteStudy(uploaded.studyInstanceUid);
      }
    });
  });
});
