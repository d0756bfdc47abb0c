import { TaceError } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { parseDicom, type DicomInstance } from './instance.ts';
import { multipartBoundary, splitMultipart } from './multipart.ts';
import { segmentationSummary, type SegmentationSummary } from './select.ts';
import type { SeriesFiles, StudyFiles, StudySource } from './study-source.ts';
import { TRANSFER_SYNTAX } from './tags.ts';

export interface DicomWebOptions {
  /** DICOMweb root, e.g. http://orthanc:8042/dicom-web (no trailing slash needed). */
  baseUrl: string;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Modalities whose series are fetched; default CT, SEG, RTSTRUCT. */
  modalities?: readonly string[];
  /** Per-request timeout, ms (default 60 000). */
  timeoutMs?: number;
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

/** A DICOM JSON attribute's first string value (PS3.18 F.2). */
function jsonValue(obj: Record<string, { Value?: unknown[] }>, tag: string): string | undefined {
  const v = obj[tag]?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}

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
 * transfer syntax. Failures: no such study →
 * DICOM_STUDY_NOT_FOUND (404); network errors and 5xx → DICOM_SOURCE_UNAVAILABLE (retryable).
 */
export class DicomWebStudySource implements StudySource {
  readonly baseUrl: string;
  private readonly opts: DicomWebOptions;

  constructor(opts: DicomWebOptions) {
    this.opts = opts;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
  }

  private async request(url: string, accept: string): Promise<Response> {
    const f = this.opts.fetch ?? fetch;
    try {
      return await f(url, { headers: { Accept: accept, ...this.opts.headers }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 60_000) });
    } catch (e) {
      throw new TaceError('DICOM_SOURCE_UNAVAILABLE', `DICOMweb server unreachable (${e instanceof Error ? e.message : String(e)})`,
        { httpStatus: 503, retryable: true, cause: e });
    }
  }

  /** The response body; a connection lost or timed out while reading it is a retryable outage. */
  private async readBody<T>(res: Response, what: string, read: (r: Response) => Promise<T>): Promise<T> {
    try {
      return await read(res);
    } catch (e) {
      throw new TaceError('DICOM_SOURCE_UNAVAILABLE', `DICOMweb ${what} answer broke off (${e instanceof Error ? e.message : String(e)})`,
        { httpStatus: 503, retryable: true, cause: e });
    }
  }

  private unavailable(res: Response, what: string): TaceError {
    return new TaceError('DICOM_SOURCE_UNAVAILABLE', `DICOMweb ${what} answered HTTP ${res.status}`,
      { httpStatus: 503, retryable: res.status >= 500 || res.status === 429, detail: { status: res.status } });
  }

  /** QIDO-RS: the study's series as {seriesInstanceUid, modality}. */
  async listSeries(studyInstanceUid: string): Promise<Array<{ seriesInstanceUid: string; modality: string }>> {
    const url = `${this.baseUrl}/studies/${encodeURIComponent(studyInstanceUid)}/series`;
    const res = await this.request(url, 'application/dicom+json');
    if (res.status === 404 || res.status === 204) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID on the DICOMweb server', { httpStatus: 404 });
    }
    if (!res.ok) throw this.unavailable(res, 'QIDO-RS');
    const text = await this.readBody(res, 'QIDO-RS', (r) => r.text());
    let rows: Array<Record<string, { Value?: unknown[] }>>;
    try {
      rows = (text.trim() === '' ? [] : JSON.parse(text)) as typeof rows;
    } catch (e) {
      throw new TaceError('DICOMWEB_BAD_RESPONSE', 'QIDO-RS answered with invalid JSON', { retryable: true, httpStatus: 502, cause: e });
    }
    if (!Array.isArray(rows)) throw new TaceError('DICOMWEB_BAD_RESPONSE', 'QIDO-RS answered with JSON that is not an array', { retryable: true, httpStatus: 502 });
    if (rows.length === 0) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID on the DICOMweb server', { httpStatus: 404 });
    }
    return rows.map((r) => ({ seriesInstanceUid: jsonValue(r, '0020000E') ?? '', modality: jsonValue(r, '00080060') ?? '' }))
      .filter((s) => s.seriesInstanceUid !== '');
  }

  /**
   * WADO-RS: every instance of one series, parsed; as Explicit VR LE when the server can
   * transcode, else (or with `asStored`) in the transfer syntax the server holds.
   */
  async retrieveSeries(studyInstanceUid: string, seriesInstanceUid: string, opts: { asStored?: boolean } = {}): Promise<DicomInstance[]> {
    const url = `${this.baseUrl}/studies/${encodeURIComponent(studyInstanceUid)}/series/${encodeURIComponent(seriesInstanceUid)}`;
    let res = await this.request(url, opts.asStored ? ACCEPT_ANY : ACCEPT_EXPLICIT_LE);
    if (!opts.asStored && CANNOT_TRANSCODE.has(res.status)) {
      await res.body?.cancel(); // release the connection before asking again
      res = await this.request(url, ACCEPT_ANY);
    }
    if (res.status === 404) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'A series listed by QIDO-RS could not be retrieved', { httpStatus: 404 });
    }
    if (!res.ok) throw this.unavailable(res, 'WADO-RS');
    const boundary = multipartBoundary(res.headers.get('content-type') ?? '');
    const body = new Uint8Array(await this.readBody(res, 'WADO-RS', (r) => r.arrayBuffer()));
    return splitMultipart(body, boundary).map((p) => parseDicom(p));
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
