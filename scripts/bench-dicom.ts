/**
 * DICOM figures for issue #11 (`npm run bench -- dicom`):
 * 1. series → HU volume throughput against reading the same files' bytes in the same run (the
 *    floor: nothing can build the volume faster than the bytes arrive), for the IBSI 60-slice CT
 *    phantom and a synthetic 512 × 512 × 300 CT (0.7 × 0.7 × 1 mm, uncompressed, + SEG of a
 *    44 mL lesion), and the peak RSS of a fresh process doing it, against the volume's own size;
 * 2. decode MB/s (decoded bytes) of each compressed syntax against copying the native twin;
 * 3. end to end: the 512 × 512 × 300 study (with its SEG) from a complete study to the
 *    RiskAssessment through the three services and Redis (p50 / p95 over repeated runs, and
 *    studies per hour with one and with two inference workers).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDENTITY_DIRECTION, REPO_ROOT, referencePath, type LabelMap, type Volume } from '@tace/common';
import { FolderStudySource, loadCodecs, loadCtVolume, parseDicom, readDicomFile, segToLabelMap, selectCtAndSegmentation, writeBinarySeg, writeCtSeries } from '@tace/dicom';
import { seedPatient } from '@tace/fhir';
import { generatePatient, seedFor, writeSyntheticStudy } from '@tace/synthetic';
import { startStack, waitForRun } from '../tests/support/stack.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const MB = 1e6;

/** A 512 × 512 × 300 CT at 0.7 × 0.7 × 1 mm (HU, Int16) with a 44 mL spherical lesion and its mask. */
export function largeVolume(): { ct: Volume<Int16Array>; mask: LabelMap } {
  const [nx, ny, nz] = [512, 512, 300];
  const sp: [number, number, number] = [0.7, 0.7, 1];
  const ct: Volume<Int16Array> = { size: [nx, ny, nz], spacingMm: sp, originMm: [-179, -179, -150], direction: [...IDENTITY_DIRECTION], data: new Int16Array(nx * ny * nz) };
  const mask: LabelMap = { ...ct, data: new Uint8Array(nx * ny * nz) };
  const r = Math.cbrt((3 * 44000) / (4 * Math.PI)); // 44 mL sphere: r ≈ 21.9 mm
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 24;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const p = i + nx * (j + ny * k);
        const dx = (i - 300) * sp[0], dy = (j - 240) * sp[1], dz = (k - 150) * sp[2];
        const body = ((i - 256) / 230) ** 2 + ((j - 256) / 180) ** 2 <= 1;
        const lesion = dx * dx + dy * dy + dz * dz <= r * r;
        ct.data[p] = Math.round(!body ? -1000 : lesion ? 120 + noise() * 4 : 55 + noise());
        if (lesion) mask.data[p] = 1;
      }
    }
  }
  return { ct, mask };
}

/** The large volume as Part 10 files + its SEG in `dir`. */
export function writeLargeStudy(dir: string, meta: { studyInstanceUid: string; patientId: string; patientName: string; studyDate: string }): { bytes: number; voxels: number } {
  const { ct, mask } = largeVolume();
  mkdirSync(dir, { recursive: true });
  const files = writeCtSeries(ct, { ...meta, seriesInstanceUid: `${meta.studyInstanceUid}.1`, seriesDescription: 'Liver PV 1mm' });
  let bytes = 0;
  files.forEach((f, k) => { writeFileSync(join(dir, `ct${String(k).padStart(4, '0')}.dcm`), f); bytes += f.length; });
  writeFileSync(join(dir, 'seg.dcm'), writeBinarySeg(mask, files.map((f) => parseDicom(f)), { sopInstanceUid: `${meta.studyInstanceUid}.9`, seriesInstanceUid: `${meta.studyInstanceUid}.8` }));
  return { bytes, voxels: ct.data.length };
}


/** Read every file's bytes (the floor). */
function rawRead(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) n += readFileSync(join(dir, f)).length;
  return n;
}

/** Folder sources by root, their header index built once, as the ingestion service keeps it (warm() at start-up). */
const sources = new Map<string, FolderStudySource>();
async function folderToVolume(root: string, study: string): Promise<void> {
  let src = sources.get(root);
  if (!src) { src = new FolderStudySource(root); await src.warm(); sources.set(root, src); }
  const sel = selectCtAndSegmentation(await src.getStudy(study));
  const v = loadCtVolume(sel.ct, { releasePixelData: true });
  segToLabelMap(sel.seg, v, { segmentNumber: sel.segmentNumber });
}

/** Peak RSS of a fresh process building the volume (+ mask) from the folder, MiB. */
function peakRssMiB(root: string, study: string): number {
  const script = `import { FolderStudySource, loadCtVolume, selectCtAndSegmentation, segToLabelMap } from '@tace/dicom';
const src = new FolderStudySource(${JSON.stringify(root)});
const sel = selectCtAndSegmentation(await src.getStudy(${JSON.stringify(study)}));
const v = loadCtVolume(sel.ct, { releasePixelData: true });
segToLabelMap(sel.seg, v, { segmentNumber: sel.segmentNumber });
process.stdout.write(String(process.resourceUsage().maxRSS / 1024));`;
  const file = join(REPO_ROOT, 'scripts', `.bench-rss-${process.pid}.ts`);
  writeFileSync(file, script);
  try {
    return Number(execFileSync(process.execPath, [file], { cwd: REPO_ROOT, encoding: 'utf8' }));
  } finally {
    rmSync(file, { force: true });
  }
}

async function throughput(label: string, root: string, dir: string, study: string, voxels: number, runs: number): Promise<void> {
  const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  const raw: number[] = [], vol: number[] = [], fill: number[] = [];
  const ti = performance.now();
  await folderToVolume(root, study); // builds the header index once (reported apart), then warm runs
  console.log(`  first read incl. the header index of the folder: ${(performance.now() - ti).toFixed(0)} ms`);
  for (let i = 0; i < runs; i++) {
    let t = performance.now(); rawRead(dir); raw.push(performance.now() - t);
    // The other floor: a fresh Float32 volume written once (the kernel's page faults + one store per voxel).
    t = performance.now(); new Float32Array(voxels).fill(-1024); fill.push(performance.now() - t);
    t = performance.now(); await folderToVolume(root, study); vol.push(performance.now() - t);
  }
  const rawMBs = bytes / MB / (median(raw) / 1000), volMBs = bytes / MB / (median(vol) / 1000);
  const rss = peakRssMiB(root, study);
  const volumeMiB = (voxels * 4) / 2 ** 20; // Float32 HU volume
  console.log(`${label}: ${(bytes / MB).toFixed(1)} MB in ${readdirSync(dir).length} files`);
  console.log(`  raw read           median ${median(raw).toFixed(0)} ms  ${rawMBs.toFixed(0)} MB/s`);
  console.log(`  fresh Float32 volume filled once median ${median(fill).toFixed(0)} ms (floor of any builder; raw read + this = ${(median(raw) + median(fill)).toFixed(0)} ms)`);
  console.log(`  folder → volume+mask median ${median(vol).toFixed(0)} ms  ${volMBs.toFixed(0)} MB/s  = ${(volMBs / rawMBs).toFixed(2)} × raw read (goal ≥ 0.5); ${((median(raw) + median(fill)) / median(vol)).toFixed(2)} × the floor`);
  console.log(`  peak RSS of a fresh process ${rss.toFixed(0)} MiB = ${(rss / volumeMiB).toFixed(2)} × the Float32 volume (${volumeMiB.toFixed(0)} MiB; goal ≤ 2)`);
}

async function decodeRates(): Promise<void> {
  const TS = referencePath('dicom/transfer-syntaxes');
  if (!TS) { console.log('  decode rates: SKIPPED (no ../shared/reference)'); return; }
  await loadCodecs();
  const twin = readDicomFile(join(TS, 'CT1_UNC.explicit_little_endian.dcm'));
  const time = (inst: ReturnType<typeof readDicomFile>, frames: number[]) => {
    const ts: number[] = [];
    let bytes = 0;
    for (let r = 0; r < 15; r++) {
      const t = performance.now();
      bytes = 0;
      for (const f of frames) bytes += inst.frameBytes(f).length;
      ts.push(performance.now() - t);
    }
    return { ms: median(ts), mbs: bytes / MB / (median(ts) / 1000) };
  };
  const base = time(twin, [0]);
  console.log(`  native copy (CT1 512×512×16)  ${base.mbs.toFixed(0)} MB/s (baseline)`);
  for (const [name, file, frames] of [
    ['JPEG-LS .80', 'CT1_UNC.not_fragmented_bot_jpeg_ls.80.dcm', [0]],
    ['JPEG 2000 .90', 'CT1_J2KR.dcm', [0]],
    ['JPEG Lossless .70', 'CT0012.fragmented_no_bot_jpeg_lossless.70.dcm', [0, 1]],
    ['RLE', 'CT0012.not_fragmented_bot_rle.dcm', [0, 1]],
  ] as const) {
    const r = time(readDicomFile(join(TS, file)), [...frames]);
    console.log(`  ${name.padEnd(18)} ${r.mbs.toFixed(1)} MB/s decoded = ${(r.mbs / base.mbs).toFixed(3)} × native copy`);
  }
  // HTJ2K and Deflated Image Frame Compression: the same CT re-encoded (test-reencode, in the package)
  const { loadEncoders, reencodeImage } = await import('../packages/dicom/src/test-reencode.ts');
  await loadEncoders();
  for (const enc of ['htj2k', 'deflated-frames'] as const) {
    const r = time(parseDicom(reencodeImage(join(TS, 'CT1_UNC.explicit_little_endian.dcm'), enc)), [0]);
    console.log(`  ${enc.padEnd(18)} ${r.mbs.toFixed(1)} MB/s decoded = ${(r.mbs / base.mbs).toFixed(3)} × native copy`);
  }
}

/**
 * Complete 512 × 512 × 300 studies (with SEG) through the three services and Redis: latency of
 * one at a time (p50 / p95), then a batch submitted at once for studies per hour, with the
 * worker running `workers` inference jobs at once. Baseline in the same run: the same study's
 * folder → volume + mask alone.
 */
async function endToEnd(workers: number, work: string, sequential = 6, batch = 4): Promise<void> {
  const big = largeVolume();
  const stack = await startStack({ env: { TACE_INFER_CONCURRENCY: String(workers) } });
  try {
    const submit = async (i: number) => {
      const p0 = generatePatient(5151, i + 100 * workers);
      const p = { ...p0, ct: big.ct, mask: big.mask };
      const study = writeSyntheticStudy(p, join(stack.dicomDir, p.uids.studyInstanceUid));
      const refs = await seedPatient(stack.fhir, seedFor(p));
      return async () => {
        const r = await fetch(`${stack.url.ingestion}/v1/assessments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...stack.auth },
          body: JSON.stringify({ patientReference: refs.patientRef, studyInstanceUid: study.studyInstanceUid }),
        });
        const { runId } = (await r.json()) as { runId: string };
        await waitForRun(stack.url.results, runId, (x) => x.status === 'done' || x.status === 'failed', 300_000, 50);
      };
    };
    const lat: number[] = [];
    for (let i = 0; i < sequential; i++) {
      const go = await submit(i);
      const t = performance.now();
      await go();
      lat.push(performance.now() - t);
    }
    const gos = [];
    for (let i = 0; i < batch; i++) gos.push(await submit(sequential + i));
    const t = performance.now();
    await Promise.all(gos.map((g) => g()));
    const perHour = (batch / ((performance.now() - t) / 1000)) * 3600;
    const base: number[] = [];
    const some = readdirSync(stack.dicomDir)[0]!;
    for (let i = 0; i < 3; i++) { const t0 = performance.now(); await folderToVolume(stack.dicomDir, some); base.push(performance.now() - t0); }
    console.log(`end to end, 512×512×300 + SEG, ${workers} inference job(s) at once: p50 ${median(lat).toFixed(0)} ms, p95 ${pct(lat, 95).toFixed(0)} ms (${sequential} runs; goal p95 < 2000 ms) = ${(median(lat) / median(base)).toFixed(2)} × folder → volume + mask alone (${median(base).toFixed(0)} ms); ${perHour.toFixed(0)} studies/hour (${batch} submitted at once)`);
  } finally {
    await stack.close();
  }
  void work;
}

export async function runDicomBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tace-bench-dicom-'));
  try {
    const IBSI = referencePath('ibsi1-ct-phantom');
    if (IBSI) {
      // The phantom's DICOM folder holds its CT series and RTSTRUCT; time the CT volume alone.
      const dir = join(IBSI, 'dicom', 'image');
      const bytes = readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
      const raw: number[] = [], vol: number[] = [];
      for (let i = 0; i < 9; i++) {
        let t = performance.now(); rawRead(dir); raw.push(performance.now() - t);
        t = performance.now(); loadCtVolume(readdirSync(dir).map((f) => readDicomFile(join(dir, f)))); vol.push(performance.now() - t);
      }
      const rawMBs = bytes / MB / (median(raw) / 1000), volMBs = bytes / MB / (median(vol) / 1000);
      console.log(`IBSI CT phantom (60 slices, ${(bytes / MB).toFixed(1)} MB): raw read ${rawMBs.toFixed(0)} MB/s, files → HU volume ${volMBs.toFixed(0)} MB/s = ${(volMBs / rawMBs).toFixed(2)} × raw read`);
    } else console.log('IBSI CT phantom: SKIPPED (no ../shared/reference/ibsi1-ct-phantom)');

    const studyUid = '2.25.110011';
    const dir = join(work, 'large', 'study');
    const t = performance.now();
    const { voxels } = writeLargeStudy(dir, { studyInstanceUid: studyUid, patientId: 'BENCH', patientName: 'Synthetic^Bench', studyDate: '20240101' });
    console.log(`(synthetic 512×512×300 study written in ${((performance.now() - t) / 1000).toFixed(1)} s)`);
    await throughput('synthetic 512×512×300 CT + SEG', join(work, 'large'), dir, studyUid, voxels, 5);

    console.log('decode rates (decoded bytes per second):');
    await decodeRates();

    if (process.env.TACE_BENCH_E2E !== '0') {
      for (const workers of [1, 2]) await endToEnd(workers, work);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
