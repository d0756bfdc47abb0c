import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referencePath } from '@tace/common';
import { loadCtVolume } from './ct-volume.ts';
import { DicomWebStudySource } from './dicomweb-source.ts';
import { splitMultipart } from './multipart.ts';
import { segToLabelMap } from './seg.ts';
import { pickSegmentation, selectCtAndSegmentation } from './select.ts';

const D = referencePath('dicom');

describe('splitMultipart', () => {
  it('returns part bodies without headers and the CRLF before each delimiter', () => {
    const body = Buffer.from('preamble\r\n--XyZ\r\nContent-Type: application/dicom\r\n\r\nAB\r\nC\r\n--XyZ\r\nContent-Type: application/dicom\r\n\r\nDE\r\n--XyZ--\r\n', 'latin1');
    expect(splitMultipart(body, 'XyZ').map((p) => Buffer.from(p).toString('latin1'))).toEqual(['AB\r\nC', 'DE']);
  });
});

// A minimal DICOMweb origin over the dcmqi-ct-3slice folder: study, series UIDs from its README.
const STUDY = '1.2.392.200103.20080913.113635.0.2009.6.22.21.43.10.22941.1';
const CT_SERIES = '1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1';

describe.skipIf(!D)('DicomWebStudySource against an in-process QIDO/WADO server', () => {
  let server: Server;
  let base = '';
  let mode: 'ok' | 'no-transcode' | 'down' = 'ok';
  const accepts: string[] = [];

  beforeAll(async () => {
    const dir = `${D}/dcmqi-ct-3slice`;
    const ct = ['01.dcm', '02.dcm', '03.dcm'].map((f) => readFileSync(`${dir}/${f}`));
    const seg = [readFileSync(`${dir}/liver.dcm`)];
    const segSeries = '1.2.276.0.7230010.3.3.0.2'; // any UID: the client only echoes it back
    server = createServer((req, res) => {
      const url = (req.url ?? '').split('?')[0];
      accepts.push(String(req.headers.accept));
      if (mode === 'down') { res.writeHead(503).end(); return; }
      if (url === `/dicom-web/studies/${STUDY}/series`) {
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify([
          { '0020000E': { vr: 'UI', Value: [CT_SERIES] }, '00080060': { vr: 'CS', Value: ['CT'] } },
          { '0020000E': { vr: 'UI', Value: [segSeries] }, '00080060': { vr: 'CS', Value: ['SEG'] } },
          { '0020000E': { vr: 'UI', Value: ['1.2.3.999'] }, '00080060': { vr: 'CS', Value: ['SR'] } },
        ]));
        return;
      }
      if (url.endsWith('/series')) { res.writeHead(204).end(); return; }
      const files = url.endsWith(CT_SERIES) ? ct : url.endsWith(segSeries) ? seg : undefined;
      if (!files) { res.writeHead(404).end(); return; }
      if (mode === 'no-transcode' && !String(req.headers.accept).includes('transfer-syntax=*')) { res.writeHead(406).end(); return; }
      const b = 'BOUNDARY_42';
      const chunks = files.flatMap((f) => [Buffer.from(`--${b}\r\nContent-Type: application/dicom\r\n\r\n`), f, Buffer.from('\r\n')]);
      res.writeHead(200, { 'content-type': `multipart/related; type="application/dicom"; boundary=${b}` });
      res.end(Buffer.concat([...chunks, Buffer.from(`--${b}--\r\n`)]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('fetches CT and SEG series (skipping others), asking for Explicit VR Little Endian', async () => {
    mode = 'ok'; accepts.length = 0;
    const study = await new DicomWebStudySource({ baseUrl: base }).getStudy(STUDY);
    expect(study.series.map((s) => s.modality)).toEqual(['CT', 'SEG']);
    expect(accepts.slice(1).every((a) => a.includes('transfer-syntax=1.2.840.10008.1.2.1'))).toBe(true);
    const sel = selectCtAndSegmentation(study);
    const v = loadCtVolume(sel.ct);
    expect(v.originMm[2]).toBeCloseTo(-128.69, 4);
    // dcmqi-ct-3slice README: 36233 / 35645 / 35220 foreground px.
    const m = segToLabelMap(sel.seg, v);
    expect(m.data.reduce((a, x) => a + x, 0)).toBe(36233 + 35645 + 35220);
  });

  it('lists the segmentations by retrieving only the SEG series, never the CT', async () => {
    mode = 'ok'; accepts.length = 0;
    const urls: string[] = [];
    const src = new DicomWebStudySource({ baseUrl: base, fetch: (u, i) => { urls.push(String(u)); return fetch(u, i); } });
    const segs = await src.listSegmentations(STUDY);
    const asked = [...urls];
    expect(segs.map((x) => x.kind)).toEqual(['SEG']);
    expect(asked).toHaveLength(2); // the QIDO-RS series list and the SEG series
    expect(asked.some((u) => u.endsWith(CT_SERIES))).toBe(false);
    expect(pickSegmentation(segs).sopInstanceUid).toBe(selectCtAndSegmentation(await src.getStudy(STUDY)).seg.sopInstanceUid);
  });

  it('falls back to transfer-syntax=* when the server cannot transcode (406)', async () => {
    mode = 'no-transcode';
    const study = await new DicomWebStudySource({ baseUrl: base }).getStudy(STUDY);
    expect(study.series[0].instances.length).toBe(3);
  });

  it('unknown study → DICOM_STUDY_NOT_FOUND (404)', async () => {
    mode = 'ok';
    await expect(new DicomWebStudySource({ baseUrl: base }).getStudy('1.2.3')).rejects.toMatchObject({ code: 'DICOM_STUDY_NOT_FOUND', httpStatus: 404 });
  });

  it('server 503 or unreachable → retryable DICOM_SOURCE_UNAVAILABLE', async () => {
    mode = 'down';
    await expect(new DicomWebStudySource({ baseUrl: base }).getStudy(STUDY)).rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE', retryable: true });
    await expect(new DicomWebStudySource({ baseUrl: 'http://127.0.0.1:1/dicom-web' }).getStudy(STUDY))
      .rejects.toMatchObject({ code: 'DICOM_SOURCE_UNAVAILABLE', retryable: true });
  });
});
