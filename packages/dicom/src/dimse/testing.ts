/**
 * Test helpers for the DIMSE code: DCMTK's command-line tools (Debian `dcmtk`), run without
 * blocking the event loop (the SCP under test lives in the same process), and a loopback TCP
 * proxy that records what an SCU sends, for replay and fuzzing.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';

export interface ToolRun { code: number; stdout: string; stderr: string }

/** DCMTK's tools, or undefined after a loud SKIPPING line naming what is missing. */
export function findDcmtk(tools: readonly string[] = ['storescu', 'echoscu', 'storescp']): Record<string, string> | undefined {
  const found: Record<string, string> = {};
  for (const t of tools) {
    const p = ['/usr/bin', '/usr/local/bin'].map((d) => `${d}/${t}`).find((p) => { try { accessSync(p, constants.X_OK); return true; } catch { return false; } });
    if (!p) {
      console.warn(`\n*** SKIPPING: DCMTK's ${t} is not installed (apt-get install dcmtk) ***\n`);
      return undefined;
    }
    found[t] = p;
  }
  return found;
}

/** Run a tool to completion (never rejects: the exit code is in the answer). */
export function runTool(bin: string, args: readonly string[], timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** One client→server TCP session as recorded by the proxy. */
export interface Capture { clientBytes: Buffer[] }

/**
 * A proxy on a free loopback port forwarding to `targetPort`; `sessions` holds, per connection,
 * every chunk the client sent.
 */
export async function startCaptureProxy(targetPort: number): Promise<{ port: number; sessions: Capture[]; close(): Promise<void> }> {
  const sessions: Capture[] = [];
  const server: Server = createServer((client) => {
    const cap: Capture = { clientBytes: [] };
    sessions.push(cap);
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    client.on('data', (b: Buffer) => { cap.clientBytes.push(Buffer.from(b)); upstream.write(b); });
    upstream.on('data', (b: Buffer) => client.write(b));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    sessions,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface Pdu { type: number; body: Buffer }

/** Split a byte stream into PDUs (6-byte header: type, reserved, 32-bit big-endian length). */
export function splitPdus(stream: Buffer): Pdu[] {
  const out: Pdu[] = [];
  let o = 0;
  while (o + 6 <= stream.length) {
    const len = stream.readUInt32BE(o + 2);
    out.push({ type: stream[o]!, body: stream.subarray(o + 6, o + 6 + len) });
    o += 6 + len;
  }
  return out;
}

/**
 * The data sets an SCU sent, reassembled from the PDVs of its P-DATA-TF PDUs (PS3.8 9.3.5.1:
 * item length, presentation context id, control header bit 0 = command, bit 1 = last fragment).
 */
export function dataSetsOf(pdus: readonly Pdu[]): Buffer[] {
  const sets: Buffer[] = [];
  let current: Buffer[] = [];
  for (const p of pdus) {
    if (p.type !== 0x04) continue;
    let o = 0;
    while (o + 6 <= p.body.length) {
      const len = p.body.readUInt32BE(o);
      const control = p.body[o + 5]!;
      const value = p.body.subarray(o + 6, o + 4 + len);
      o += 4 + len;
      if (control & 1) continue; // command fragment
      current.push(value);
      if (control & 2) { sets.push(Buffer.concat(current)); current = []; }
    }
  }
  return sets;
}
