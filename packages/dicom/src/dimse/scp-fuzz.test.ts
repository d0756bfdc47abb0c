import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, mulberry32, referencePath } from '@tace/common';
import { ReceivedStore } from './received-store.ts';
import { StorageScp } from './scp.ts';
import { findDcmtk, runTool, splitPdus, startCaptureProxy, type Pdu } from './testing.ts';

const ref = referencePath('dicom/dcmqi-ct-3slice');
const dcmtk = findDcmtk(['storescu', 'echoscu']);
const CASES = Number(process.env.TACE_FUZZ_CASES ?? 2000);
const SEED = 0x7ace;


const encode = (p: Pdu): Buffer => {
  const h = Buffer.alloc(6);
  h[0] = p.type;
  h.writeUInt32BE(p.body.length, 2);
  return Buffer.concat([h, p.body]);
};

/** One mutated session: the captured PDUs (association, command, data fragments, release), then one of several mutations. */
function mutate(pdus: readonly Pdu[], rnd: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const take = 1 + Math.floor(rnd() * pdus.length);
  let stream = Buffer.concat(pdus.slice(0, take).map(encode));
  const kind = Math.floor(rnd() * 7);
  const at = () => Math.floor(rnd() * stream.length);
  switch (kind) {
    case 0: { // flip bytes
      stream = Buffer.from(stream);
      const flips = 1 + Math.floor(rnd() * 16);
      for (let i = 0; i < flips; i++) stream[at()] ^= 1 << Math.floor(rnd() * 8);
      break;
    }
    case 1: // truncate
      stream = stream.subarray(0, at());
      break;
    case 2: { // a PDU or item length field replaced by an extreme value
      stream = Buffer.from(stream);
      const o = Math.min(at(), stream.length - 4);
      if (o >= 0) stream.writeUInt32BE(pick([0, 1, 0xffff, 0x7fffffff, 0xffffffff, Math.floor(rnd() * 0xffffffff)]), o);
      break;
    }
    case 3: { // random bytes inserted
      const ins = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
      const o = at();
      stream = Buffer.concat([stream.subarray(0, o), ins, stream.subarray(o)]);
      break;
    }
    case 4: // PDUs out of order / repeated
      stream = Buffer.concat(Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => encode(pick(pdus))));
      break;
    case 5: { // a PDU type byte changed
      stream = Buffer.from(stream);
      stream[0] = Math.floor(rnd() * 9);
      break;
    }
    default: // pure noise
      stream = Buffer.from(Array.from({ length: Math.floor(rnd() * 512) }, () => Math.floor(rnd() * 256)));
  }
  return stream;
}

/** Send one stream in a few chunks, half-close, and wait for the server to close (bounded). */
function sendCase(port: number, bytes: Buffer, rnd: () => number): Promise<'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.resume(); // read (and drop) the answers, or the server's FIN is never seen
    const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, 5000);
    s.on('close', () => { clearTimeout(timer); resolve('closed'); });
    s.once('connect', () => {
      let o = 0;
      while (o < bytes.length) {
        const n = 1 + Math.floor(rnd() * 20_000);
        s.write(bytes.subarray(o, o + n));
        o += n;
      }
      // Half the cases leave the connection open: the SCP must end them itself (idle timeout or protocol error).
      if (rnd() < 0.5) s.end();
    });
  });
}

describe.skipIf(!ref || !dcmtk)('DIMSE Storage SCP under mutated PDUs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tace-scp-fuzz-'));
  let scp: StorageScp;
  let port: number;
  let pdus: Pdu[];
  beforeAll(async () => {
    scp = new StorageScp({ aeTitle: 'TACE_RISK', allowedCallingAeTitles: ['MODALITY'], store: new ReceivedStore(join(tmp, 'store')), log: createLogger('fuzz', { level: process.env.TACE_FUZZ_DEBUG ? 'debug' : 'silent' }), port: 0, maxAssociations: 64, idleTimeoutMs: 300 });
    port = await scp.start();
    // A real session to mutate: storescu's association request, command and data PDUs, release.
    const proxy = await startCaptureProxy(port);
    const run = await runTool(dcmtk!.storescu!, ['-R', '-aet', 'MODALITY', '-aec', 'TACE_RISK', '127.0.0.1', String(proxy.port), join(ref!, '01.dcm')]);
    await proxy.close();
    expect(run.code, run.stderr).toBe(0);
    const all = splitPdus(Buffer.concat(proxy.sessions[0]!.clientBytes));
    // Association, the command and first data fragments, the last fragment, release: small enough to send thousands.
    pdus = [...all.slice(0, 4), ...all.slice(-2)];
    expect(pdus[0]!.type).toBe(0x01);
  });
  afterAll(async () => {
    await scp?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it(`survives ${CASES} mutated sessions: no crash, no hang, bounded memory, still answers C-ECHO`, async () => {
    const rnd = mulberry32(SEED); // seeded, so a failing case can be replayed
    globalThis.gc?.();
    const mem = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
    const heapBefore = mem();
    const outcomes = { closed: 0, timeout: 0 };
    let peakHeap = heapBefore;
    const batch = 32;
    for (let i = 0; i < CASES; i += batch) {
      const runs = Array.from({ length: Math.min(batch, CASES - i) }, () => sendCase(port, mutate(pdus, rnd), rnd));
      for (const r of await Promise.all(runs)) outcomes[r]++;
      peakHeap = Math.max(peakHeap, mem());
    }
    // Every connection ended by the SCP itself (protocol error, half-close or idle timeout), none hung.
    expect(outcomes).toEqual({ closed: CASES, timeout: 0 });
    // The server's side of the last connections may close a moment after the client's.
    for (let i = 0; i < 40 && scp.openConnections > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(scp.openConnections).toBe(0);
    // Bounded: a forged PDU length never makes it buffer the claimed size.
    expect(peakHeap - heapBefore).toBeLessThan(128 * 1024 * 1024);
    expect(readdirSync(join(tmp, 'store', '.incoming'))).toEqual([]);
    const echo = await runTool(dcmtk!.echoscu!, ['-aet', 'MODALITY', '-aec', 'TACE_RISK', '127.0.0.1', String(port)]);
    expect(echo.code, echo.stderr).toBe(0);
    console.log(`fuzz: ${CASES} sessions, seed ${SEED}, dropped by the guard ${scp.stats.dropped}, rejected ${scp.stats.rejected}, stored ${scp.stats.stored}, failed ${scp.stats.failed}, peak heap + buffers +${((peakHeap - heapBefore) / 1048576).toFixed(1)} MiB`);
  }, 300_000);
});
