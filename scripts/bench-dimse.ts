/**
 * `npm run bench -- dimse`: C-STORE receive rate in MB/s of our Storage SCP (dcmjs-dimse + the
 * streaming store) against DCMTK's own `storescp` on the same machine, the same files and the
 * same sender (`storescu`, one association), measured in the same run, rounds alternating.
 *
 * The study: a synthetic 512 × 512 × N CT (uncompressed, Explicit VR LE; N = TACE_BENCH_DIMSE_SLICES,
 * default 300 → 157 MB) written by writeCtSeries. Both receivers announce the same max PDU
 * (131072: storescp's ceiling). storescp writes with `+B` (bit-preserving: the data set as
 * received, like ours) and does not fsync; ours is measured both ways (fsync on is its default:
 * a C-STORE success hands responsibility over from the sender). storescp runs with TCP_NODELAY=1:
 * Debian's DCMTK leaves Nagle on otherwise, and each C-STORE-RSP then waits out the 40 ms delayed
 * ACK (12 files: 0.65 s instead of 0.13 s), which would flatter us.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, type Volume } from '@tace/common';
import { ReceivedStore, StorageScp, uidFromSeed, writeCtSeries } from '@tace/dicom';
import { findDcmtk, runTool } from '@tace/dicom/testing';
import { freePort } from '@tace/jobs/testing';

const ROUNDS = 3;
const PDU = 131072;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runDimseBench(): Promise<void> {
  const tools = findDcmtk(['storescu', 'storescp']);
  if (!tools) return;
  const slices = Number(process.env.TACE_BENCH_DIMSE_SLICES ?? 300);
  const tmp = mkdtempSync(join(tmpdir(), 'tace-bench-dimse-'));
  try {
    const outbox = join(tmp, 'outbox');
    mkdirSync(outbox);
    const n = 512 * 512 * slices;
    const data = new Int16Array(n);
    for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) >>> 20) % 1400 - 1000; // not constant: no compressible run
    const vol: Volume<Int16Array> = { size: [512, 512, slices], spacingMm: [0.7, 0.7, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], data };
    const files = writeCtSeries(vol, { studyInstanceUid: uidFromSeed('bench-dimse-study'), seriesInstanceUid: uidFromSeed('bench-dimse-series'), patientId: 'BENCH', patientName: 'Bench^Dimse', studyDate: '20240101' })
      .map((b, k) => { const p = join(outbox, `ct${String(k).padStart(4, '0')}.dcm`); writeFileSync(p, b); return p; });
    const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
    const mb = bytes / 1e6;
    console.log(`study: 512×512×${slices} CT, ${files.length} files, ${mb.toFixed(0)} MB; storescu → receiver on loopback, one association, max PDU ${PDU}, ${ROUNDS} rounds each (median)`);

    const send = async (port: number): Promise<number> => {
      const t0 = performance.now();
      const r = await runTool(tools.storescu!, ['-aet', 'BENCH', '-aec', 'TACE_RISK', '--max-send-pdu', String(PDU), '127.0.0.1', String(port), ...files], 600_000);
      const s = (performance.now() - t0) / 1000;
      if (r.code !== 0) throw new Error(`storescu failed: ${r.stderr.slice(0, 500)}`);
      return s;
    };

    const ours = async (fsync: boolean): Promise<number> => {
      const dir = join(tmp, `ours-${fsync}`);
      const scp = new StorageScp({ aeTitle: 'TACE_RISK', allowedCallingAeTitles: ['BENCH'], store: new ReceivedStore(dir, { fsync }), log: createLogger('bench', { level: 'silent' }), port: 0, maxPduBytes: PDU });
      const port = await scp.start();
      try {
        const s = await send(port);
        if (scp.stats.stored !== files.length) throw new Error(`our SCP stored ${scp.stats.stored} of ${files.length}`);
        return s;
      } finally {
        await scp.close();
        rmSync(dir, { recursive: true, force: true });
      }
    };

    const dcmtk = async (): Promise<number> => {
      const dir = join(tmp, 'storescp');
      mkdirSync(dir);
      const port = await freePort();
      const proc = spawn(tools.storescp!, ['-aet', 'TACE_RISK', '--max-pdu', String(PDU), '+B', '-dhl', '-od', dir, String(port)], { stdio: 'ignore', env: { ...process.env, TCP_NODELAY: '1' } });
      try {
        await sleep(300); // let it bind
        return await send(port);
      } finally {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
        rmSync(dir, { recursive: true, force: true });
      }
    };

    const t = { storescp: [] as number[], oursFsync: [] as number[], oursNoFsync: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      t.storescp.push(await dcmtk());
      t.oursFsync.push(await ours(true));
      t.oursNoFsync.push(await ours(false));
    }
    const rate = (xs: number[]) => mb / median(xs);
    const base = rate(t.storescp);
    const row = (name: string, xs: number[]) => console.log(`${name.padEnd(44)} ${median(xs).toFixed(2).padStart(6)} s  ${rate(xs).toFixed(0).padStart(5)} MB/s  ×${(rate(xs) / base).toFixed(2)} of storescp`);
    console.log(`rounds (s): storescp ${t.storescp.map((x) => x.toFixed(2)).join(' ')}; ours ${t.oursFsync.map((x) => x.toFixed(2)).join(' ')}; ours no fsync ${t.oursNoFsync.map((x) => x.toFixed(2)).join(' ')}`);
    row('DCMTK storescp +B, TCP_NODELAY (baseline)', t.storescp);
    row('our SCP (fsync each instance, default)', t.oursFsync);
    row('our SCP (no fsync, like storescp)', t.oursNoFsync);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
