import { createRequire } from 'node:module';
import { createServer, type Server, type Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { isTaceError, TaceError, type Logger } from '@tace/common';
import { SUPPORTED_TRANSFER_SYNTAXES } from '../instance.ts';
import { PduGuard } from './pdu-guard.ts';
import type { IncomingInstance, ReceivedStore, StoredInstance } from './received-store.ts';

type Association = InstanceType<typeof dimse.association.Association>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type CEchoRequest = InstanceType<typeof dimse.requests.CEchoRequest>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;
type Writable = ReturnType<InstanceType<typeof dimse.Scp>['createStoreWritableStream']>;

const { Scp, Dataset } = dimse;
const { CEchoResponse, CStoreResponse } = dimse.responses;
const { PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass } = dimse.constants;
// Its process-wide cap (default 256 KiB) bounds each SCP's own maxPduBytes, which is checked in config.
dimse.Implementation.setMaxPduLength(4 * 1024 * 1024);
// dcmjs-dimse logs every PDU (AE titles, command sets) through loglevel to the console, and the
// dcmjs it parses command sets with warns on each malformed one: our own log lines carry the codes
// instead (TACE_DIMSE_DEBUG=1 brings theirs back when tracing a peer).
dimse.log.setLevel(process.env.TACE_DIMSE_DEBUG ? 'trace' : 'silent');
(createRequire(createRequire(import.meta.url).resolve('dcmjs-dimse'))('dcmjs') as { log: { setLevel(l: string): void } }).log.setLevel(process.env.TACE_DIMSE_DEBUG ? 'trace' : 'error');

/** Storage SOP classes accepted unless configured otherwise: what a post-TACE CT study holds. */
export const DEFAULT_STORAGE_SOP_CLASSES: readonly string[] = [
  '1.2.840.10008.5.1.4.1.1.2', // CT Image
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT Image
  '1.2.840.10008.5.1.4.1.1.2.2', // Legacy Converted Enhanced CT Image
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation
  '1.2.840.10008.5.1.4.1.1.481.3', // RT Structure Set
  '1.2.840.10008.5.1.4.1.1.88.11', // Basic Text SR
  '1.2.840.10008.5.1.4.1.1.88.22', // Enhanced SR
  '1.2.840.10008.5.1.4.1.1.88.33', // Comprehensive SR
  '1.2.840.10008.5.1.4.1.1.88.34', // Comprehensive 3D SR
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture Image
];

/** C-STORE status codes (PS3.4 GG.4, PS3.7 C). */
export const STORE_STATUS = { Success: 0x0000, OutOfResources: 0xa700, DataSetMismatch: 0xa900, CannotUnderstand: 0xc000 } as const;

export interface StorageScpOptions {
  /** Our AE title: an association calling another one is refused (called-AE-title-not-recognized). */
  aeTitle: string;
  /** Calling AE titles allowed to associate; any other is refused (calling-AE-title-not-recognized). */
  allowedCallingAeTitles: readonly string[];
  store: ReceivedStore;
  log: Logger;
  port: number;
  /** Listen address; loopback unless configured. */
  host?: string;
  transferSyntaxes?: readonly string[];
  sopClasses?: readonly string[];
  /** Associations at once; one more gets A-ASSOCIATE-RJ transient, local-limit-exceeded. Default 8. */
  maxAssociations?: number;
  /** Longest P-DATA-TF we accept (announced in the A-ASSOCIATE-AC), bytes. Default 256 KiB. */
  maxPduBytes?: number;
  /** An association with no PDU for this long is aborted. Default 60 s. */
  idleTimeoutMs?: number;
  /**
   * Called once an instance is in the store, before the C-STORE is answered: a throw answers the
   * sender with a failure so it sends again (the file stays: a resend replaces it).
   */
  onStored?: (inst: StoredInstance) => Promise<void> | void;
}

export interface ScpStats { associations: number; rejected: number; stored: number; failed: number; dropped: number }

/** The AE title as it appears on the wire: up to 16 characters, padding spaces not significant. */
const aet = (s: string): string => s.trim();

/**
 * A DICOM Storage SCP (C-ECHO, C-STORE) on dcmjs-dimse. Each data set is streamed, as it arrives
 * and without re-encoding, into the received-instances store (dcmjs-dimse's default would buffer
 * the whole data set and re-parse it with dcmjs). The socket layer is ours: it binds the
 * configured address, counts associations, checks PDU framing before dcmjs-dimse buffers
 * anything and drops idle connections.
 */
export class StorageScp {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private active = 0;
  readonly stats: ScpStats = { associations: 0, rejected: 0, stored: 0, failed: 0, dropped: 0 };
  private readonly opts: Required<Omit<StorageScpOptions, 'onStored'>> & Pick<StorageScpOptions, 'onStored'>;

  constructor(opts: StorageScpOptions) {
    this.opts = {
      host: '127.0.0.1',
      transferSyntaxes: SUPPORTED_TRANSFER_SYNTAXES,
      sopClasses: DEFAULT_STORAGE_SOP_CLASSES,
      maxAssociations: 8,
      maxPduBytes: 256 * 1024,
      idleTimeoutMs: 60_000,
      ...opts,
    };
    if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(opts.aeTitle) || aet(opts.aeTitle) === '') {
      throw new TaceError('CONFIG_INVALID', `AE title '${opts.aeTitle}' is not 1–16 printable characters without a backslash`);
    }
  }

  /** Listen; resolves with the bound port (0 in the options picks a free one). */
  async start(): Promise<number> {
    // The hard cap drops connections past twice the limit before a byte is read; up to it an
    // association is answered with a proper A-ASSOCIATE-RJ.
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    server.maxConnections = this.opts.maxAssociations * 2;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => { server.off('error', reject); resolve(); });
    });
    server.on('error', (e) => this.opts.log.error({ code: 'DIMSE_SERVER_ERROR', err: { message: e.message } }, 'DIMSE listener error'));
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  /** Connections open now (associations, and connections not yet associated). */
  get openConnections(): number {
    return this.sockets.size;
  }

  get port(): number {
    const addr = this.server?.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Stop listening and close every association (transfers in flight are discarded). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const { opts } = this;
    const log = opts.log;
    this.sockets.add(socket);
    this.active++;
    const overLimit = this.active > opts.maxAssociations;
    const guard = new PduGuard();
    let incoming: IncomingInstance | undefined;
    let closed = false;
    const stats = this.stats;
    const drop = (code: string, why: string): void => {
      if (closed) return;
      stats.dropped++;
      log.warn({ code, reason: why, peer: socket.remoteAddress, peerPort: socket.remotePort }, 'DIMSE connection dropped');
      socket.destroy();
    };
    // Each chunk passes the guard before any 'data' listener (dcmjs-dimse's) sees it: one that
    // fails is never delivered (a listener of our own would run beside theirs, not before).
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'data') {
        if (closed || socket.destroyed) return false;
        const why = guard.feed(args[0] as Buffer);
        if (why) { drop('DIMSE_PDU_INVALID', why); return false; }
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    socket.on('error', () => undefined); // reported by dcmjs-dimse as networkError; never thrown
    socket.setTimeout(opts.idleTimeoutMs, () => drop('DIMSE_IDLE_TIMEOUT', `no data for ${opts.idleTimeoutMs} ms`));
    socket.once('close', () => {
      closed = true;
      this.sockets.delete(socket);
      this.active--;
      const pending = incoming;
      incoming = undefined;
      if (pending) void pending.discard();
    });

    const accepted = (ctx: PresentationContext) => ctx.getResult() === PresentationContextResult.Accept;

    let callingAe = '';
    class TaceScp extends Scp {
      override associationRequested(association: Association): void {
        const calling = aet(association.getCallingAeTitle());
        const called = aet(association.getCalledAeTitle());
        const reject = (code: string, result: number, source: number, reason: number, message: string) => {
          stats.rejected++;
          log.warn({ code, callingAe: calling, calledAe: called, peer: socket.remoteAddress }, message);
          this.sendAssociationReject(result, source, reason);
          socket.end();
        };
        if (overLimit) {
          reject('DIMSE_TOO_MANY_ASSOCIATIONS', RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded, 'association refused: too many at once');
          return;
        }
        if (called !== aet(opts.aeTitle)) {
          reject('DIMSE_CALLED_AE_UNKNOWN', RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized, 'association refused: it calls another AE title than ours');
          return;
        }
        if (!opts.allowedCallingAeTitles.some((a) => aet(a) === calling)) {
          reject('DIMSE_AE_NOT_ALLOWED', RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized, 'association refused: calling AE title not in the allow-list');
          return;
        }
        for (const c of association.getPresentationContexts()) {
          const ctx = association.getPresentationContext(c.id);
          const abstract = ctx.getAbstractSyntaxUid();
          if (abstract !== SopClass.Verification && !opts.sopClasses.includes(abstract)) {
            ctx.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
            continue;
          }
          // The SCU lists its syntaxes in its order of preference; take the first we accept.
          const proposed = ctx.getTransferSyntaxUids();
          const ts = abstract === SopClass.Verification ? proposed.find((t) => t === '1.2.840.10008.1.2' || t === '1.2.840.10008.1.2.1') : proposed.find((t) => opts.transferSyntaxes.includes(t));
          if (ts) ctx.setResult(PresentationContextResult.Accept, ts);
          else ctx.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        }
        // The A-ASSOCIATE-AC announces what we receive, whatever the SCU receives (dcmjs-dimse
        // also cuts its own P-DATA by this value, but our answers are ~100-byte command sets).
        association.setMaxPduLength(opts.maxPduBytes);
        // What dcmjs-dimse will announce (it takes the minimum with its process-wide limit).
        guard.maxPDataBytes = Math.min(association.getMaxPduLength(), dimse.Implementation.getMaxPduLength());
        stats.associations++;
        callingAe = calling;
        log.info({ code: 'DIMSE_ASSOCIATION_ACCEPTED', callingAe: calling, contexts: association.getPresentationContexts().length, accepted: association.getPresentationContexts().filter((c) => accepted(association.getPresentationContext(c.id))).length }, 'association accepted');
        this.sendAssociationAccept();
      }

      override associationReleaseRequested(): void {
        this.sendAssociationReleaseResponse();
      }

      override abort(): void {
        socket.destroy();
      }

      override cEchoRequest(request: CEchoRequest, callback: (r: InstanceType<typeof CEchoResponse>) => void): void {
        const response = CEchoResponse.fromRequest(request);
        response.setStatus(STORE_STATUS.Success);
        callback(response);
      }

      override createStoreWritableStream(ctx: PresentationContext, request: CStoreRequest): Writable {
        const sink = opts.store.begin({
          sopClassUid: request.getAffectedSopClassUid(),
          sopInstanceUid: request.getAffectedSopInstanceUid(),
          transferSyntaxUid: ctx.getAcceptedTransferSyntaxUid() ?? '',
          sourceAeTitle: callingAe,
        });
        incoming = sink;
        // Back-pressure: dcmjs-dimse ignores a full sink after its first write, so stop reading
        // the socket while the disk is behind.
        const write = sink.write.bind(sink);
        sink.write = ((chunk: Buffer) => {
          const ok = write(chunk);
          if (!ok && !socket.isPaused()) {
            socket.pause();
            sink.once('drain', () => socket.resume());
          }
          return true;
        }) as typeof sink.write;
        return sink;
      }

      override createDatasetFromStoreWritableStream(writable: Writable, _ctx: PresentationContext, callback: (ds: InstanceType<typeof Dataset>) => void): void {
        const sink = writable as IncomingInstance;
        const request = this.currentRequest();
        const done = (outcome: StoredInstance | TaceError) => {
          if (incoming === sink) incoming = undefined;
          if (request) results.set(request, outcome);
          // The data set is already in the store: hand dcmjs-dimse an empty one so it does not parse it again.
          callback(new Dataset());
        };
        sink.commit().then(
          async (stored) => {
            try {
              await opts.onStored?.(stored);
              done(stored);
            } catch (e) {
              done(isTaceError(e) ? e : new TaceError('DIMSE_STORE_NOTIFY_FAILED', `The instance was stored but could not be registered: ${(e as Error).message}`, { retryable: true, cause: e }));
            }
          },
          (e: unknown) => done(isTaceError(e) ? e : new TaceError('DIMSE_STORE_WRITE_FAILED', (e as Error).message, { cause: e })),
        );
      }

      override cStoreRequest(request: CStoreRequest, callback: (r: InstanceType<typeof CStoreResponse>) => void): void {
        const outcome = results.get(request);
        results.delete(request);
        const response = CStoreResponse.fromRequest(request);
        if (outcome && !(outcome instanceof TaceError)) {
          stats.stored++;
          log.debug({ code: 'DIMSE_STORED', bytes: outcome.bytes, sopClassUid: outcome.sopClassUid }, 'instance stored');
          response.setStatus(STORE_STATUS.Success);
        } else {
          stats.failed++;
          const err = outcome ?? new TaceError('DIMSE_DATASET_INVALID', 'The C-STORE request carried no data set');
          const status = err.code === 'DIMSE_SOP_CLASS_MISMATCH' ? STORE_STATUS.DataSetMismatch : err.retryable ? STORE_STATUS.OutOfResources : STORE_STATUS.CannotUnderstand;
          log.warn({ code: err.code, status: `0x${status.toString(16)}`, reason: err.message }, 'C-STORE failed');
          response.setStatus(status);
          response.setErrorComment(err.message.slice(0, 64));
        }
        callback(response);
      }

      /** The C-STORE request whose data set is being received (dcmjs-dimse keeps it as `dimse`). */
      private currentRequest(): CStoreRequest | undefined {
        return (this as unknown as { dimse?: CStoreRequest }).dimse;
      }
    }

    const results = new WeakMap<CStoreRequest, StoredInstance | TaceError>();
    const scp = new TaceScp(socket, { connectTimeout: opts.idleTimeoutMs, associationTimeout: opts.idleTimeoutMs, pduTimeout: opts.idleTimeoutMs });
    // What dimse.Server does for the sockets it accepts: start the association timers.
    Object.assign(scp, { connected: true, connectedTime: Date.now() });
    scp.on('networkError', () => socket.destroy());
  }
}
