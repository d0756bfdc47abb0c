/**
 * Runs fuzz cases [from, to) in a worker thread so the test can stop one that hangs (synchronous
 * code cannot be interrupted from inside). The case being run is published in a shared Int32Array
 * before it starts; each outcome that is not "ok or a TaceError with a code" is posted at once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isTaceError, referencePath } from '@tace/common';
import { loadCodecs } from '../codecs.ts';
import { isCtInstance, loadCtVolume } from '../ct-volume.ts';
import { parseDicom, type DicomInstance } from '../instance.ts';
import { MultipartParser } from '../multipart.ts';
import { segToLabelMap, type SegToLabelMapOptions, type TargetGeometry } from '../seg.ts';
import { segmentationToLabelMap } from '../segmentation.ts';
import { isRtStruct, isSeg, listSegments } from '../segments.ts';
import { caseRng, elementSites, int, mutateDicom, mutatedMultipart, pick, type ElementSite, type Mutation } from './mutate.ts';

export interface FuzzWorkerData { seed: number; from: number; to: number; progress: SharedArrayBuffer; memoryLimitMb: number }
export interface FuzzFailure { caseIndex: number; base: string; mutations: Mutation[]; problem: string }
export type FuzzMessage =
  | { type: 'failure'; failure: FuzzFailure }
  | { type: 'done'; outcomes: Record<string, number>; slowestMs: number; slowestCase: number; maxRssGrowthMb: number; baseOutcomes: Record<string, string> };

interface Base { name: string; bytes: Uint8Array; sites: ElementSite[]; geometry?: TargetGeometry; weight: number; segOptions?: SegToLabelMapOptions }

function loadBases(): Base[] {
  const D = referencePath('dicom');
  if (!D) throw new Error('TACE_REFDATA/dicom is absent');
  const read = (p: string) => new Uint8Array(readFileSync(join(D, p)));
  const grid = (files: string[]): TargetGeometry => loadCtVolume(files.map((f) => parseDicom(read(f))));
  const H = 'highdicom-seg';
  const ct2 = grid(['17136', '17166', '17196'].map((n) => `${H}/ct2/${n}.dcm`));
  const small24 = grid(['IMG0001', 'IMG0002', 'IMG0003'].map((n) => `dcmqi-misc/24x38x3/image/${n}.dcm`));
  const small23 = grid(['IMG0001', 'IMG0002', 'IMG0003'].map((n) => `dcmqi-misc/23x38x3/image/${n}.dcm`));
  const rt = grid(['ct_1', 'ct_2'].map((n) => `rtutils-rtstruct-hole/${n}.dcm`));
  const liver = grid(['01', '02', '03'].map((n) => `dcmqi-ct-3slice/${n}.dcm`));
  const single = grid([`${H}/ct_image.dcm`]);
  const list: Array<[string, TargetGeometry | undefined, number]> = [
    [`${H}/seg_image_ct_binary.dcm`, ct2, 6], [`${H}/seg_image_ct_binary_overlap.dcm`, ct2, 4], [`${H}/seg_image_ct_binary_fractional.dcm`, ct2, 4],
    [`${H}/seg_image_ct_true_fractional.dcm`, ct2, 3], [`${H}/seg_image_ct_binary_single_frame.dcm`, single, 3], [`${H}/ct_image.dcm`, undefined, 4],
    [`${H}/ct2/17136.dcm`, undefined, 4],
    ['dcmqi-misc/24x38x3/seg/label.seg', small24, 6], ['dcmqi-misc/23x38x3/seg/label.seg', small23, 6], ['dcmqi-misc/24x38x3/multiframe/mf.dcm', undefined, 4],
    ['dcmqi-misc/24x38x3/image/IMG0001.dcm', undefined, 3], ['dcmqi-ct-3slice/liver.dcm', liver, 2], ['rtutils-rtstruct-hole/rt.dcm', rt, 6],
    ['transfer-syntaxes/image_dfl.dcm', undefined, 4],
  ];
  // Every transfer syntax: the compressed 512² images cost most to decode, so they are drawn less often.
  for (const f of readdirSync(join(D, 'transfer-syntaxes')).filter((f) => f.endsWith('.dcm') && f !== 'image_dfl.dcm').sort()) {
    list.push([`transfer-syntaxes/${f}`, undefined, 1]);
  }
  return list.map(([name, geometry, weight]) => {
    const bytes = read(name);
    // Its eighth frame lies on the ct2 slice 202 mm away from the other three (README).
    const segOptions: SegToLabelMapOptions | undefined = name.endsWith('_overlap.dcm') ? { outside: 'ignore' } : undefined;
    return { name, bytes, sites: elementSites(bytes), weight, ...(geometry ? { geometry } : {}), ...(segOptions ? { segOptions } : {}) };
  });
}

/** Everything a study source and the scoring path would ask of an instance. */
function exercise(inst: DicomInstance, base: Base): void {
  void [inst.sopClassUid, inst.sopInstanceUid, inst.studyInstanceUid, inst.seriesInstanceUid, inst.frameOfReferenceUid, inst.modality,
    inst.instanceNumber, inst.rows, inst.columns, inst.bitsAllocated, inst.bitsStored, inst.pixelRepresentation, inst.samplesPerPixel, inst.hasPixelData];
  const frames = inst.numberOfFrames;
  for (const f of new Set([0, Math.max(0, frames - 1)])) {
    void [inst.framePosition(f), inst.frameOrientation(f), inst.framePixelSpacing(f), inst.rescale(f)];
  }
  if (isSeg(inst) || isRtStruct(inst)) {
    listSegments(inst);
    if (base.geometry && base.segOptions) segToLabelMap(inst, base.geometry, base.segOptions);
    else if (base.geometry) segmentationToLabelMap(inst, base.geometry);
    return;
  }
  if (isCtInstance(inst)) { loadCtVolume([inst]); return; }
  if (inst.hasPixelData) {
    if (inst.bitsAllocated === 1) inst.nativePixelData();
    else for (const f of new Set([0, Math.max(0, frames - 1)])) inst.storedFrame(f);
  }
}

function multipartCase(bases: Base[], r: () => number): { name: string; mutations: Mutation[]; run: () => void } {
  const parts = Array.from({ length: 1 + int(r, 3) }, () => pick(r, bases.filter((b) => b.bytes.length < 50_000)).bytes);
  const boundary = `b${int(r, 1e9).toString(36)}`;
  const { body, mutations } = mutatedMultipart(parts, boundary, r);
  return {
    name: 'multipart',
    mutations,
    run: () => {
      const p = new MultipartParser(boundary, { maxPartBytes: 100_000 });
      const size = 1 + int(r, 4096);
      const largest = Math.max(...parts.map((x) => x.length));
      for (let i = 0; i < body.length; i += size) for (const part of p.push(body.subarray(i, i + size))) parseDicom(part.body);
      p.end();
      // The bound the parser promises, checked on every case: one part (or the limit) + a constant.
      if (p.peakBufferedBytes > Math.max(largest, 100_000) + 20_000 + 256) throw new Error(`multipart parser held ${p.peakBufferedBytes} bytes`);
    },
  };
}

async function main(): Promise<void> {
  const d = workerData as FuzzWorkerData;
  const progress = new Int32Array(d.progress);
  await loadCodecs();
  const bases = loadBases();
  const totalWeight = bases.reduce((a, b) => a + b.weight, 0);
  const outcomes: Record<string, number> = {};
  let slowestMs = 0, slowestCase = -1;
  // Each base file unmutated: the fuzzer only reaches deep paths if the originals pass them.
  const baseOutcomes: Record<string, string> = {};
  for (const b of bases) {
    try { exercise(parseDicom(b.bytes), b); baseOutcomes[b.name] = 'ok'; } catch (e) { baseOutcomes[b.name] = isTaceError(e) ? e.code : String(e); }
  }
  const rss0 = process.resourceUsage().maxRSS;
  let memoryReported = false;
  for (let i = d.from; i < d.to; i++) {
    Atomics.store(progress, 0, i);
    const r = caseRng(d.seed, i);
    let name: string, mutations: Mutation[], run: () => void;
    if (r() < 0.15) {
      ({ name, mutations, run } = multipartCase(bases, r));
    } else {
      let w = r() * totalWeight;
      const base = bases.find((b) => (w -= b.weight) < 0) ?? bases[bases.length - 1];
      const m = mutateDicom(base.bytes, base.sites, r);
      name = base.name; mutations = m.mutations;
      run = () => exercise(parseDicom(m.bytes), base);
    }
    const t0 = performance.now();
    let outcome = 'ok';
    try {
      run();
    } catch (e) {
      if (isTaceError(e) && /^[A-Z][A-Z0-9_]+$/.test(e.code)) outcome = e.code;
      else {
        outcome = 'EXCEPTION';
        const problem = `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 300);
        parentPort!.postMessage({ type: 'failure', failure: { caseIndex: i, base: name, mutations, problem: `threw ${problem}` } } satisfies FuzzMessage);
      }
    }
    const ms = performance.now() - t0;
    if (ms > slowestMs) { slowestMs = ms; slowestCase = i; }
    const growthMb = (process.resourceUsage().maxRSS - rss0) / 1024;
    if (growthMb > d.memoryLimitMb && !memoryReported) {
      memoryReported = true;
      parentPort!.postMessage({ type: 'failure', failure: { caseIndex: i, base: name, mutations, problem: `peak RSS grew ${growthMb.toFixed(0)} MB (limit ${d.memoryLimitMb} MB)` } } satisfies FuzzMessage);
    }
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  Atomics.store(progress, 0, d.to);
  parentPort!.postMessage({ type: 'done', outcomes, slowestMs, slowestCase, maxRssGrowthMb: (process.resourceUsage().maxRSS - rss0) / 1024, baseOutcomes } satisfies FuzzMessage);
}

await main();
