import { createRequire } from 'node:module';
import { TaceError } from '@tace/common';
import type * as Dimse from 'dcmjs-dimse';
import { parseDicom } from './instance.ts';
import { TAG } from './tags.ts';

/** dcmjs-dimse is a CommonJS bundle: loaded through require, typed by its own declarations. */
const dimse = createRequire(import.meta.url)('dcmjs-dimse') as typeof Dimse;
// Its INFO lines go to the console around our JSON logs; every failure reaches us as a coded error.
dimse.log.setLevel('silent');

/** The data set of a Part 10 file (after its File Meta Information), in its transfer syntax. */
function datasetOf(f: Uint8Array): Dimse.Dataset {
  const b = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  if (b.length < 144 || b.toString('latin1', 128, 132) !== 'DICM' || b.readUInt32LE(132) !== 0x00000002) {
    throw new TaceError('DICOM_NOT_PART10', 'C-STORE needs a DICOM Part 10 file (preamble, DICM, File Meta Information group length first)');
  }
  const end = 144 + b.readUInt32LE(140);
  const ts = parseDicom(f, { untilTag: TAG.PixelData }).transferSyntaxUid;
  return new dimse.Dataset(b.subarray(end), ts);
}

export interface CStoreOptions {
  host: string;
  port: number;
  /** Our AE title (calling). */
  callingAeTitle: string;
  /** The PACS's AE title (called). */
  calledAeTitle: string;
  timeoutMs: number;
}

/**
 * Send instances to a Storage SCP over one association (C-STORE, PS3.4 B). Every instance must
 * be answered Success (or a Warning, 0xB000–0xBFFF); errors: PACS_UNAVAILABLE (no connection,
 * association rejected transiently, aborted, timeout, 0xA7xx out of resources: retryable),
 * PACS_STORE_REJECTED (a failure status for an instance, a permanent association rejection).
 */
export async function cStoreInstances(opts: CStoreOptions, files: readonly Uint8Array[]): Promise<{ stored: string[]; warnings: Array<{ sopInstanceUid: string; status: string }> }> {
  if (files.length === 0) return { stored: [], warnings: [] };
  const client = new dimse.Client();
  const statuses: Array<{ sop: string; status: number; comment?: string }> = [];
  const sops: string[] = [];
  for (const f of files) {
    const ds = datasetOf(f);
    const sop = String(ds.getElement('SOPInstanceUID') ?? '');
    sops.push(sop);
    const req = new dimse.requests.CStoreRequest(ds);
    req.on('response', (res: Dimse.responses.CStoreResponse) => {
      statuses.push({ sop, status: res.getStatus(), ...(res.getErrorComment() ? { comment: String(res.getErrorComment()) } : {}) });
    });
    client.addRequest(req);
  }
  const where = `C-STORE to ${opts.calledAeTitle}@${opts.host}:${opts.port}`;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) reject(e); else resolve();
    };
    const timer = setTimeout(() => done(new TaceError('PACS_UNAVAILABLE', `${where}: no complete answer within ${opts.timeoutMs} ms`, { retryable: true, httpStatus: 503 })), opts.timeoutMs);
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      // Result 2 = rejected-transient (PS3.8 9.3.4): the PACS may accept later.
      const transient = r.result === 2;
      done(new TaceError(transient ? 'PACS_UNAVAILABLE' : 'PACS_STORE_REJECTED', `${where}: association rejected (result ${r.result}, source ${r.source}, reason ${r.reason}); check the AE titles`, { retryable: transient, httpStatus: 502 }));
    });
    client.on('associationAborted', () => done(new TaceError('PACS_UNAVAILABLE', `${where}: association aborted by the PACS`, { retryable: true, httpStatus: 503 })));
    client.on('networkError', (e: Error) => done(new TaceError('PACS_UNAVAILABLE', `${where}: ${e.message.slice(0, 120)}`, { retryable: true, httpStatus: 503, cause: e })));
    client.on('closed', () => done());
    const t = opts.timeoutMs;
    client.send(opts.host, opts.port, opts.callingAeTitle, opts.calledAeTitle, { connectTimeout: t, associationTimeout: t, pduTimeout: t });
  });
  const warnings: Array<{ sopInstanceUid: string; status: string }> = [];
  const hex = (n: number) => `0x${n.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const sop of sops) {
    const s = statuses.find((x) => x.sop === sop);
    if (!s) throw new TaceError('PACS_UNAVAILABLE', `${where}: no answer for SOP instance ${sop} (association ended early)`, { retryable: true, httpStatus: 503 });
    if (s.status === 0) continue;
    if ((s.status & 0xf000) === 0xb000) { warnings.push({ sopInstanceUid: sop, status: hex(s.status) }); continue; }
    const transient = (s.status & 0xff00) === 0xa700;
    throw new TaceError(transient ? 'PACS_UNAVAILABLE' : 'PACS_STORE_REJECTED', `${where}: SOP instance ${sop} answered status ${hex(s.status)}${s.comment ? ` (${s.comment.slice(0, 120)})` : ''}`, { retryable: transient, httpStatus: 502 });
  }
  return { stored: sops, warnings };
}
