import { TaceError } from '@tace/common';
import { readBody, type DicomWebHttp } from './dicomweb-http.ts';

/**
 * QIDO-RS (PS3.18 §10.6) searches with the filters a scoring service needs, exact matching only:
 * `fuzzymatching=false` is sent, and values holding the wildcard characters `*` `?` or the value
 * separator `\` are refused (DICOMWEB_QUERY_INVALID) instead of silently matching other patients.
 */

/** A DICOM DA date, YYYYMMDD. */
export type DicomDate = string;

export interface StudyQuery {
  patientId?: string;
  /** Inclusive range; either end may be open. */
  studyDate?: { from?: DicomDate; to?: DicomDate };
  /** Studies holding a series of this modality (e.g. CT). */
  modalitiesInStudy?: string;
  accessionNumber?: string;
  studyInstanceUid?: string;
  limit?: number;
  offset?: number;
}

export interface SeriesQuery {
  studyInstanceUid: string;
  modality?: string;
  /**
   * Exact SeriesDescription (as stored). A value with spaces is asked for with `*` in their place
   * and matched exactly here, so with `limit` a page may hold fewer series than the server sent.
   */
  seriesDescription?: string;
  limit?: number;
  offset?: number;
}

export interface StudyResult {
  studyInstanceUid: string;
  patientId?: string;
  studyDate?: DicomDate;
  studyTime?: string;
  accessionNumber?: string;
  studyDescription?: string;
  modalitiesInStudy: string[];
  numberOfSeries?: number;
  numberOfInstances?: number;
}

export interface SeriesResult {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  modality: string;
  seriesDescription?: string;
  seriesNumber?: number;
  numberOfInstances?: number;
}

type JsonDataSet = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

const T = {
  StudyInstanceUID: '0020000D', SeriesInstanceUID: '0020000E', PatientID: '00100020', StudyDate: '00080020',
  StudyTime: '00080030', AccessionNumber: '00080050', StudyDescription: '00081030', ModalitiesInStudy: '00080061',
  Modality: '00080060', SeriesDescription: '0008103E', SeriesNumber: '00200011',
  NumberOfStudyRelatedSeries: '00201206', NumberOfStudyRelatedInstances: '00201208', NumberOfSeriesRelatedInstances: '00201209',
} as const;

function queryInvalid(field: string, message: string): TaceError {
  return new TaceError('DICOMWEB_QUERY_INVALID', `QIDO-RS ${field}: ${message}`, { httpStatus: 422, detail: { field } });
}

/** An exact-match value: no wildcard, no multi-value separator, within the VR's length. */
function exact(field: string, v: string, maxLen: number): string {
  if (v.trim() === '') throw queryInvalid(field, 'is empty');
  if (/[*?\\]/.test(v)) throw queryInvalid(field, 'holds a wildcard (* ?) or value separator (\\); only exact matching is allowed');
  if (v.length > maxLen) throw queryInvalid(field, `is longer than ${maxLen} characters`);
  return v;
}

function date(field: string, v: string | undefined): string {
  if (v === undefined) return '';
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  const ok = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().slice(0, 10).replaceAll('-', '') === v;
  if (!ok) throw queryInvalid(field, `'${v}' is not a DICOM date YYYYMMDD`);
  return v;
}

function paging(params: URLSearchParams, q: { limit?: number; offset?: number }): void {
  for (const k of ['limit', 'offset'] as const) {
    const n = q[k];
    if (n === undefined) continue;
    if (!Number.isInteger(n) || n < (k === 'limit' ? 1 : 0)) throw queryInvalid(k, `must be an integer ≥ ${k === 'limit' ? 1 : 0}`);
    params.set(k, String(n));
  }
}

function str(ds: JsonDataSet, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
}
function strs(ds: JsonDataSet, tag: string): string[] {
  return (ds[tag]?.Value ?? []).filter((v): v is string => typeof v === 'string');
}
function int(ds: JsonDataSet, tag: string): number | undefined {
  const v = ds[tag]?.Value?.[0];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

async function search(http: DicomWebHttp, path: string, params: URLSearchParams): Promise<JsonDataSet[]> {
  const res = await http.get(`${path}?${params.toString()}`, 'application/dicom+json', 'QIDO-RS');
  if (res.status === 204) { await res.body?.cancel(); return []; }
  if (res.status === 404) { await res.body?.cancel(); return []; }
  if (!res.ok) { await res.body?.cancel(); throw http.statusError(res, 'QIDO-RS'); }
  const text = await readBody('QIDO-RS', () => res.text());
  let rows: unknown;
  try {
    rows = text.trim() === '' ? [] : JSON.parse(text);
  } catch (e) {
    throw new TaceError('DICOMWEB_BAD_RESPONSE', 'QIDO-RS answered with invalid JSON', { retryable: true, httpStatus: 502, cause: e });
  }
  if (!Array.isArray(rows) || rows.some((r) => typeof r !== 'object' || r === null)) {
    throw new TaceError('DICOMWEB_BAD_RESPONSE', 'QIDO-RS answered with JSON that is not an array of data sets', { retryable: true, httpStatus: 502 });
  }
  return rows as JsonDataSet[];
}

/** QIDO-RS `GET {base}/studies?…`: matching studies (a page of them with limit/offset). */
export async function searchStudies(http: DicomWebHttp, q: StudyQuery): Promise<StudyResult[]> {
  const p = new URLSearchParams();
  if (q.patientId !== undefined) p.set('PatientID', exact('PatientID', q.patientId, 64));
  if (q.accessionNumber !== undefined) p.set('AccessionNumber', exact('AccessionNumber', q.accessionNumber, 16));
  if (q.studyInstanceUid !== undefined) p.set('StudyInstanceUID', exact('StudyInstanceUID', q.studyInstanceUid, 64));
  if (q.modalitiesInStudy !== undefined) p.set('ModalitiesInStudy', exact('ModalitiesInStudy', q.modalitiesInStudy, 16));
  if (q.studyDate && (q.studyDate.from !== undefined || q.studyDate.to !== undefined)) {
    const from = date('StudyDate.from', q.studyDate.from), to = date('StudyDate.to', q.studyDate.to);
    if (from && to && from > to) throw queryInvalid('StudyDate', `range ${from}-${to} ends before it starts`);
    p.set('StudyDate', from === to ? from : `${from}-${to}`);
  }
  paging(p, q);
  p.set('fuzzymatching', 'false');
  // Ask for what StudyResult reports even where a server's default set leaves it out.
  for (const t of [T.ModalitiesInStudy, T.NumberOfStudyRelatedSeries, T.NumberOfStudyRelatedInstances, T.StudyDescription]) p.append('includefield', t);
  const rows = await search(http, 'studies', p);
  return rows.flatMap((r) => {
    const uid = str(r, T.StudyInstanceUID);
    if (!uid) return [];
    const out: StudyResult = { studyInstanceUid: uid, modalitiesInStudy: strs(r, T.ModalitiesInStudy) };
    const opt = { patientId: str(r, T.PatientID), studyDate: str(r, T.StudyDate), studyTime: str(r, T.StudyTime), accessionNumber: str(r, T.AccessionNumber),
      studyDescription: str(r, T.StudyDescription), numberOfSeries: int(r, T.NumberOfStudyRelatedSeries), numberOfInstances: int(r, T.NumberOfStudyRelatedInstances) };
    for (const [k, v] of Object.entries(opt)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    return [out];
  });
}

/** QIDO-RS `GET {base}/studies/{uid}/series?…`: the study's series matching the filters. */
export async function searchSeries(http: DicomWebHttp, q: SeriesQuery): Promise<SeriesResult[]> {
  const study = exact('StudyInstanceUID', q.studyInstanceUid, 64);
  const p = new URLSearchParams();
  if (q.modality !== undefined) p.set('Modality', exact('Modality', q.modality, 16));
  const description = q.seriesDescription === undefined ? undefined : exact('SeriesDescription', q.seriesDescription, 64);
  // Orthanc 1.10 + DICOMweb 1.7 matches no value holding a space ('PV 1.0' finds nothing, measured),
  // and descriptions are full of them: ask with each run of spaces as `*`, then keep exact matches only.
  if (description !== undefined) p.set('SeriesDescription', description.replace(/ +/g, '*'));
  paging(p, q);
  p.set('fuzzymatching', 'false');
  for (const t of [T.SeriesDescription, T.SeriesNumber, T.NumberOfSeriesRelatedInstances]) p.append('includefield', t);
  const rows = await search(http, `studies/${encodeURIComponent(study)}/series`, p);
  return rows.flatMap((r) => {
    const uid = str(r, T.SeriesInstanceUID);
    if (!uid) return [];
    if (description !== undefined && str(r, T.SeriesDescription)?.trim() !== description) return [];
    const out: SeriesResult = { studyInstanceUid: str(r, T.StudyInstanceUID) ?? study, seriesInstanceUid: uid, modality: str(r, T.Modality) ?? '' };
    const opt = { seriesDescription: str(r, T.SeriesDescription), seriesNumber: int(r, T.SeriesNumber), numberOfInstances: int(r, T.NumberOfSeriesRelatedInstances) };
    for (const [k, v] of Object.entries(opt)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
    return [out];
  });
}
