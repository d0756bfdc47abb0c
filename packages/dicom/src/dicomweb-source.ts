import { TaceError } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import type { DicomWebAuth } from './dicomweb-auth.ts';
import { DicomWebHttp, readBody } from './dicomweb-http.ts';
import { parseDicom, type DicomInstance } from './instance.ts';
import { multipartBoundary, readMultipart } from './multipart.ts';
import { searchSeries, type SeriesResult } from './qido.ts';
import { segmentationSummary, type SegmentationSummary } from './select.ts';
import type { SeriesFiles, StudyFiles, StudySource } from './study-source.ts';
import { TRANSFER_SYNTAX } from './tags.ts';

export interface DicomWebOptions {
  /** DICOMweb root, e.g. http://orthanc:8042/dicom-web (no trailing slash needed). */
  baseUrl: string;
  /** Credentials (dicomWebAuth); default none. */
  auth?: DicomWebAuth;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Modalities whose series are fetched; default CT, SEG, RTSTRUCT. */
  modalities?: readonly string[];
  /** Per-request deadline, ms, the body included (default 60 000). */
  timeoutMs?: number;
  /** Largest instance accepted in a WADO-RS answer, bytes (default 1 GiB): DICOMWEB_PART_TOO_LARGE above. */
  maxPartBytes?: number;
  fetch?: typeof fetch;
}

const ACCEPT_EXPLICIT_LE = `multipart/related; type="application/dicom"; transfer-syntax=${TRANSFER_SYNTAX.ExplicitVRLittleEndian}`;
const ACCEPT_ANY = 'multipart/related; type="application/dicom"; transfer-syntax=*';
/**
 * Answers to the Explicit-LE request after which the series is asked for as stored: 406 is the
 * standard "cannot transcode" (PS3.18 8.7.3); Orthanc 1.10 + DICOMweb 1.7 answers 500 ("Not
 * implemented yet: Cannot transcode image") for a series holding any JPEG 2000 image (measured;
 * it does transcode JPEG-LS, JPEG Lossless, RLE, deflate and big endian); 501 likewise.
 */
const CANNOT_TRANSCODE = new Set([406, 500, 501]);

const LOSSY_IMAGE_COMPRESSION_METHOD = 'x00282114'; // (0028,2114), dicom-parser key format as in TAG

/**
 * An image the server decompressed from lossy JPEG (baseline/extended) while transcoding to the
 * native syntax we asked for: LossyImageCompressionMethod (0028,2114) names ISO_10918_1
 * (PS3.3 C.7.6.1.1.5). Measured with Orthanc: it transcodes .50 and .51 to Explicit LE and keeps
 * this attribute, so without this check lossy pixels (e.g. CT0012 .51, stored values + 1023)
 * would be read as if lossless.
 */
function wasLossyJpegTranscoded(i: DicomInstance): boolean {
  if (i.transferSyntaxUid !== TRANSFER_SYNTAX.ExplicitVRLittleEndian) return false;
  return i.strings(LOSSY_IMAGE_COMPRESSION_METHOD).some((m) => m.trim() === 'ISO_10918_1');
}

/**
 * Studies from a DICOMweb server: QIDO-RS lists the study's series
 * (`GET {base}/studies/{uid}/series`), WADO-RS retrieves each wanted series
 * (`GET {base}/studies/{uid}/series/{series}`) as multipart/related application/dicom, asking
 * for Explicit VR Little Endian so the server transcodes compressed images; a server that
 * cannot (406, or 500/501 as Orthanc does: see CANNOT_TRANSCODE) is asked again for any
 * transfer syntax. Failures: no such study → DICOM_STUDY_NOT_FOUND (404); network errors,
 * deadlines and 5xx → DICOM_SOURCE_UNAVAILABLE (retryable); credentials refused →
 * DICOMWEB_AUTH_FAILED (see DicomWebHttp); a bad multipart answer → DICOMWEB_MULTIPART_INVALID or
 * DICOMWEB_PART_TOO_LARGE (see MultipartParser).
 */
export class DicomWebStudySource implements StudySource {
  readonly baseUrl: string;
  readonly http: DicomWebHttp;
  private readonly opts: DicomWebOptions;

  constructor(opts: DicomWebOptions) {
    this.opts = opts;
    this.http = new DicomWebHttp(opts);
    this.baseUrl = this.http.baseUrl;
  }

  /** QIDO-RS: the study's series; an unknown study is DICOM_STUDY_NOT_FOUND (404). */
  async listSeries(studyInstanceUid: string): Promise<SeriesResult[]> {
    const rows = await searchSeries(this.http, { studyInstanceUid });
    if (rows.length === 0) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID on the DICOMweb server', { httpStatus: 404 });
    }
    return rows;
  }

  /**
   * WADO-RS: every instance of one series, each parsed as soon as its part has arrived (the
   * multipart parser holds one part at a time, never the whole answer); as Explicit VR LE when
   * the server can transcode, else (or with `asStored`) in the transfer syntax the server holds.
   */
  async retrieveSeries(studyInstanceUid: string, seriesInstanceUid: string, opts: { asStored?: boolean } = {}): Promise<DicomInstance[]> {
    const out: DicomInstance[] = [];
    for await (const i of this.streamSeries(studyInstanceUid, seriesInstanceUid, opts)) out.push(i);
    return out;
  }

  /** As retrieveSeries, one instance at a time. */
  async *streamSeries(studyInstanceUid: string, seriesInstanceUid: string, opts: { asStored?: boolean } = {}): AsyncGenerator<DicomInstance> {
    const path = `studies/${encodeURIComponent(studyInstanceUid)}/series/${encodeURIComponent(seriesInstanceUid)}`;
    let res = await this.http.get(path, opts.asStored ? ACCEPT_ANY : ACCEPT_EXPLICIT_LE, 'WADO-RS');
    if (!opts.asStored && CANNOT_TRANSCODE.has(res.status)) {
      await res.body?.cancel(); // release the connection before asking again
      res = await this.http.get(path, ACCEPT_ANY, 'WADO-RS');
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'A series listed by QIDO-RS could not be retrieved', { httpStatus: 404 });
    }
    if (!res.ok || !res.body) { await res.body?.cancel(); throw this.http.statusError(res, 'WADO-RS'); }
    const boundary = multipartBoundary(res.headers.get('content-type') ?? '');
    const parts = readMultipart(res.body, boundary, { maxPartBytes: this.opts.maxPartBytes });
    try {
      for (;;) {
        const next = await readBody('WADO-RS', () => parts.next());
        if (next.done) return;
        yield parseDicom(next.value.body);
      }
    } finally {
      await parts.return(undefined).catch(() => undefined); // a consumer that stops, or a bad part, releases the connection
    }
  }

  /**
   * The study's segmentations without its images: QIDO-RS lists the series, WADO-RS retrieves
   * only the SEG and RTSTRUCT ones (kilobytes to a few MB, where the CT is hundreds of MB).
   */
  async listSegmentations(studyInstanceUid: string): Promise<SegmentationSummary[]> {
    await loadCodecs();
    const out: SegmentationSummary[] = [];
    for (const s of await this.listSeries(studyInstanceUid)) {
      if (s.modality !== 'SEG' && s.modality !== 'RTSTRUCT') continue;
      for (const i of await this.retrieveSeries(studyInstanceUid, s.seriesInstanceUid, { asStored: true })) {
        const summary = segmentationSummary(i);
        if (summary) out.push(summary);
      }
    }
    return out;
  }

  async getStudy(studyInstanceUid: string): Promise<StudyFiles> {
    await loadCodecs(); // the server may send JPEG-LS / JPEG 2000 when it cannot transcode
    const wanted = new Set(this.opts.modalities ?? ['CT', 'SEG', 'RTSTRUCT']);
    const series: SeriesFiles[] = [];
    for (const s of await this.listSeries(studyInstanceUid)) {
      if (!wanted.has(s.modality)) continue;
      let instances = await this.retrieveSeries(studyInstanceUid, s.seriesInstanceUid);
      // The server decoded lossy JPEG for us, which the folder source refuses to read: ask for
      // the stored bytes so the same DICOM_TRANSFER_SYNTAX_UNSUPPORTED policy applies here.
      if (instances.some(wasLossyJpegTranscoded)) instances = await this.retrieveSeries(studyInstanceUid, s.seriesInstanceUid, { asStored: true });
      series.push({ seriesInstanceUid: s.seriesInstanceUid, modality: s.modality, instances });
    }
    return { studyInstanceUid, series };
  }
}
