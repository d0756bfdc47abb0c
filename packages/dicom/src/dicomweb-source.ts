import { TaceError } from '@tace/common';
import { loadCodecs } from './codecs.ts';
import { parseDicom, type DicomInstance } from './instance.ts';
import { multipartBoundary, splitMultipart } from './multipart.ts';
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
    const text = await res.text();
    const rows = (text.trim() === '' ? [] : JSON.parse(text)) as Array<Record<string, { Value?: unknown[] }>>;
    if (rows.length === 0) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'No study with the given StudyInstanceUID on the DICOMweb server', { httpStatus: 404 });
    }
    return rows.map((r) => ({ seriesInstanceUid: jsonValue(r, '0020000E') ?? '', modality: jsonValue(r, '00080060') ?? '' }))
      .filter((s) => s.seriesInstanceUid !== '');
  }

  /** WADO-RS: every instance of one series, parsed. */
  async retrieveSeries(studyInstanceUid: string, seriesInstanceUid: string): Promise<DicomInstance[]> {
    const url = `${this.baseUrl}/studies/${encodeURIComponent(studyInstanceUid)}/series/${encodeURIComponent(seriesInstanceUid)}`;
    let res = await this.request(url, ACCEPT_EXPLICIT_LE);
    if (CANNOT_TRANSCODE.has(res.status)) {
      await res.body?.cancel(); // release the connection before asking again
      res = await this.request(url, ACCEPT_ANY);
    }
    if (res.status === 404) {
      throw new TaceError('DICOM_STUDY_NOT_FOUND', 'A series listed by QIDO-RS could not be retrieved', { httpStatus: 404 });
    }
    if (!res.ok) throw this.unavailable(res, 'WADO-RS');
    const boundary = multipartBoundary(res.headers.get('content-type') ?? '');
    const body = new Uint8Array(await res.arrayBuffer());
    return splitMultipart(body, boundary).map((p) => parseDicom(p));
  }

  async getStudy(studyInstanceUid: string): Promise<StudyFiles> {
    await loadCodecs(); // the server may send JPEG-LS / JPEG 2000 when it cannot transcode
    const wanted = new Set(this.opts.modalities ?? ['CT', 'SEG', 'RTSTRUCT']);
    const series: SeriesFiles[] = [];
    for (const s of await this.listSeries(studyInstanceUid)) {
      if (!wanted.has(s.modality)) continue;
      const instances = await this.retrieveSeries(studyInstanceUid, s.seriesInstanceUid);
      series.push({ seriesInstanceUid: s.seriesInstanceUid, modality: s.modality, instances });
    }
    return { studyInstanceUid, series };
  }
}
