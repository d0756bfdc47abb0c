import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaceError, type ClinicalInputs, type Geometry, type LabelMap, type ProcedureRef, type SourceStudyHeader, type Volume } from '@tace/common';

/**
 * The case bundle: everything the worker needs to score one run, written once by ingestion.
 * Pixel data (ROI crop) lives in files beside the JSON, never in Redis.
 */
export interface CaseBundle {
  runId: string;
  image: Volume<Float32Array>;
  mask: LabelMap;
  clinical: ClinicalInputs;
  procedure: ProcedureRef;
  patientReference: string;
  imagingStudyReference?: string;
  /** The Observations whose values are in `clinical` (for RiskAssessment.basis and Provenance). */
  observationReferences: string[];
  source: {
    studyInstanceUid: string;
    seriesInstanceUid: string;
    segmentationSopInstanceUid: string;
    segmentNumber: number;
    /** Voxel offset of the crop inside the original series grid. */
    cropOffset: [number, number, number];
    /** Why this segmentation and series were chosen (the series rules' verdicts, one line each). */
    selection?: string[];
    /** Set when the series was gantry-tilted and resampled onto an orthogonal grid: the tilt. */
    gantryTiltResampledDeg?: number;
    /**
     * The study's Patient / Study module values and the source UIDs (one CT SOP instance per crop
     * slice), for the SR and key image written back to the PACS. Absent in cases written before it.
     */
    header?: SourceStudyHeader;
  };
}

interface CaseMeta extends Omit<CaseBundle, 'image' | 'mask'> {
  schema: 'tace-risk/case-bundle@1';
  image: Geometry & { file: 'image.f32' };
  mask: Geometry & { file: 'mask.u8' };
  contentHash: string;
}

function geometryOf(v: Geometry): Geometry {
  return { size: v.size, spacingMm: v.spacingMm, originMm: v.originMm, direction: v.direction };
}

function bytesOf(a: Float32Array | Uint8Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Content-addressed store on a directory: a case's key is the sha256 of its canonical content,
 * so writing the same case twice is a no-op and a key can never point at changed data.
 * Writes go to a temporary folder renamed into place, so a reader never sees half a case.
 */
export class DirCaseStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  private dir(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new TaceError('CASE_KEY_INVALID', `not a case key: ${key.slice(0, 80)}`, { httpStatus: 400 });
    return join(this.root, 'cases', key.slice(0, 2), key);
  }

  async put(c: CaseBundle): Promise<string> {
    if (c.image.data.length !== c.mask.data.length) {
      throw new TaceError('CASE_GEOMETRY_MISMATCH', 'image and mask of a case must have the same number of voxels');
    }
    const imageBytes = bytesOf(c.image.data);
    const maskBytes = bytesOf(c.mask.data);
    const { image, mask, ...rest } = c;
    const metaNoHash = { schema: 'tace-risk/case-bundle@1' as const, ...rest, image: { ...geometryOf(image), file: 'image.f32' as const }, mask: { ...geometryOf(mask), file: 'mask.u8' as const } };
    const h = createHash('sha256').update(JSON.stringify(metaNoHash)).update(imageBytes).update(maskBytes).digest('hex');
    const final = this.dir(h);
    if (await exists(join(final, 'case.json'))) return h;
    const tmp = join(this.root, 'tmp', `${h}.${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    const meta: CaseMeta = { ...metaNoHash, contentHash: h };
    await writeFile(join(tmp, 'image.f32'), imageBytes);
    await writeFile(join(tmp, 'mask.u8'), maskBytes);
    await writeFile(join(tmp, 'case.json'), JSON.stringify(meta, null, 1));
    await mkdir(join(final, '..'), { recursive: true });
    try {
      await rename(tmp, final);
    } catch (e) {
      // Another writer won the race with identical content: keep theirs.
      await rm(tmp, { recursive: true, force: true });
      if (!(await exists(join(final, 'case.json')))) throw e;
    }
    return h;
  }

  async get(key: string): Promise<CaseBundle> {
    const d = this.dir(key);
    let meta: CaseMeta;
    try {
      meta = JSON.parse(await readFile(join(d, 'case.json'), 'utf8')) as CaseMeta;
    } catch {
      throw new TaceError('CASE_NOT_FOUND', `case ${key} is not in the case store`, { httpStatus: 404 });
    }
    const ib = await readFile(join(d, meta.image.file));
    const mb = await readFile(join(d, meta.mask.file));
    const imageData = new Float32Array(ib.buffer.slice(ib.byteOffset, ib.byteOffset + ib.byteLength));
    const maskData = new Uint8Array(mb.buffer.slice(mb.byteOffset, mb.byteOffset + mb.byteLength));
    const h = createHash('sha256')
      .update(JSON.stringify({ ...meta, contentHash: undefined }, (k, v) => (k === 'contentHash' ? undefined : v)))
      .update(ib)
      .update(mb)
      .digest('hex');
    if (h !== key) throw new TaceError('CASE_CORRUPT', `case ${key} does not match its content hash`);
    const { schema: _s, contentHash: _c, image, mask, ...rest } = meta;
    return {
      ...rest,
      image: { ...geometryOf(image), data: imageData },
      mask: { ...geometryOf(mask), data: maskData },
    };
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
