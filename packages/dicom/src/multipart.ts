import { TaceError } from '@tace/common';

/**
 * A streaming multipart/related parser (RFC 2046 §5.1, RFC 2387) for WADO-RS answers: chunks go
 * in as they arrive, each part comes out as soon as its closing delimiter is seen, so what the
 * parser holds is at most one part's body plus a delimiter's length (never the whole answer,
 * which for a CT series is hundreds of MB). Bad bodies are coded errors:
 * - DICOMWEB_MULTIPART_INVALID: no boundary, no delimiter, a header block or delimiter line that
 *   is not one, a body cut short before its closing delimiter (retryable: a server or proxy that
 *   dies mid-answer ends a `Connection: close` body cleanly at HTTP level, as Orthanc does);
 * - DICOMWEB_PART_TOO_LARGE: a part over `maxPartBytes` (not retryable: the same part comes back
 *   the same size), refused as soon as it crosses the limit, before it is buffered.
 */

export interface MultipartPart {
  /** Header names lower-cased; values trimmed. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface MultipartOptions {
  /** Largest part body accepted, bytes (default 1 GiB). */
  maxPartBytes?: number;
}

export const DEFAULT_MAX_PART_BYTES = 1024 ** 3;
/** A header block larger than this is not one (HTTP servers cap theirs at 8–16 KB too). */
const MAX_HEADER_BYTES = 16 * 1024;
/** Bytes before the first delimiter tolerated (RFC 2046 allows a preamble; nobody sends a big one). */
const MAX_PREAMBLE_BYTES = 64 * 1024;
/** Longest boundary RFC 2046 allows. */
const MAX_BOUNDARY = 70;

const CR = 0x0d, LF = 0x0a, DASH = 0x2d;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

function invalid(message: string, detail: Record<string, unknown> = {}, retryable = false): TaceError {
  return new TaceError('DICOMWEB_MULTIPART_INVALID', message, { httpStatus: 502, retryable, detail });
}

/** The `boundary` parameter of a multipart Content-Type header. */
export function multipartBoundary(contentType: string): string {
  if (!/^\s*multipart\//i.test(contentType)) {
    throw invalid(`Expected a multipart answer, got Content-Type '${contentType.slice(0, 100)}'`, { contentType: contentType.slice(0, 100) });
  }
  const m = /;\s*boundary=(?:"([^"]+)"|([^";,\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b) throw invalid(`Multipart answer without a boundary parameter (Content-Type '${contentType.slice(0, 100)}')`, { contentType: contentType.slice(0, 100) });
  if (b.length > MAX_BOUNDARY) throw invalid(`Multipart boundary of ${b.length} characters (at most ${MAX_BOUNDARY})`);
  return b;
}

type State = 'preamble' | 'delimiter-line' | 'headers' | 'body' | 'epilogue';

function equalAt(hay: Uint8Array, at: number, needle: Uint8Array, from: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (hay[at + i] !== needle[from + i]) return false;
  return true;
}

export class MultipartParser {
  /** `CRLF--boundary`: the delimiter as it appears after a body (the CRLF belongs to it). */
  private readonly delim: Buffer;
  private readonly maxPartBytes: number;
  private state: State = 'preamble';
  /**
   * Bytes at the end of what came in that may be the start of a delimiter split across chunks.
   * Starts as a virtual CRLF so a first delimiter at the very start of the body is found too.
   */
  private tail: Buffer = Buffer.from('\r\n', 'latin1');
  private preambleBytes = 0;
  private lineBytes: number[] = [];
  private headerBuf: Buffer[] = [];
  private headerLen = 0;
  private headers: Record<string, string> = {};
  /** The current part body: one preallocated buffer when the part declares its Content-Length, else chunks. */
  private bodyFixed: Uint8Array | undefined;
  private bodyChunks: Uint8Array[] = [];
  private bodyLen = 0;
  private partsOut = 0;
  private bytesIn = 0;
  /** Most bytes held at once (part body + pending delimiter prefix + header block), for tests and benches. */
  peakBufferedBytes = 0;

  constructor(boundary: string, opts: MultipartOptions = {}) {
    if (boundary === '' || boundary.length > MAX_BOUNDARY) throw invalid(`Multipart boundary of ${boundary.length} characters (1 to ${MAX_BOUNDARY})`);
    this.delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
    this.maxPartBytes = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  }

  get partCount(): number { return this.partsOut; }
  get done(): boolean { return this.state === 'epilogue'; }

  private get buffered(): number {
    return this.bodyLen + this.tail.length + this.headerLen + this.lineBytes.length;
  }

  private note(): void {
    const b = this.buffered;
    if (b > this.peakBufferedBytes) this.peakBufferedBytes = b;
  }

  /** Feed one chunk; yields every part completed by it. Drain the iterator before the next push. */
  *push(chunk: Uint8Array): Generator<MultipartPart> {
    this.bytesIn += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'preamble':
        case 'body': {
          const r = this.scanForDelimiter(chunk, pos);
          pos = r.next;
          if (!r.found) return;
          if (this.state === 'body') yield this.finishPart();
          this.state = 'delimiter-line';
          this.lineBytes = [];
          break;
        }
        case 'delimiter-line': {
          // After `--boundary`: `--` closes the body, else optional blanks and CRLF open a part.
          while (pos < chunk.length) {
            const c = chunk[pos++];
            this.lineBytes.push(c);
            if (this.lineBytes.length === 2 && this.lineBytes[0] === DASH && c === DASH) {
              this.state = 'epilogue';
              this.lineBytes = [];
              return;
            }
            if (c === LF) break;
            if (this.lineBytes.length > 256) throw invalid('A multipart delimiter line is not followed by CRLF', { afterParts: this.partsOut });
          }
          if (this.lineBytes[this.lineBytes.length - 1] !== LF) { this.note(); return; }
          const line = this.lineBytes;
          this.lineBytes = [];
          const blanksOnly = line.slice(0, -2).every((b) => b === 0x20 || b === 0x09);
          if (line.length < 2 || line[line.length - 2] !== CR || !blanksOnly) {
            throw invalid('A multipart delimiter is followed by something other than CRLF or "--"', { afterParts: this.partsOut });
          }
          this.state = 'headers';
          // The CRLF that ended the delimiter line starts the header block, so "no headers" is CRLFCRLF too.
          this.headerBuf = [Buffer.from('\r\n', 'latin1')];
          this.headerLen = 2;
          break;
        }
        case 'headers': {
          const prevLen = this.headerLen;
          const take = chunk.subarray(pos, Math.min(chunk.length, pos + MAX_HEADER_BYTES + 4));
          this.headerBuf.push(Buffer.from(take));
          this.headerLen += take.length;
          const all = Buffer.concat(this.headerBuf, this.headerLen);
          const end = all.indexOf(CRLFCRLF, Math.max(0, prevLen - 3));
          if (end < 0) {
            if (this.headerLen > MAX_HEADER_BYTES) throw invalid(`A multipart part header block is over ${MAX_HEADER_BYTES} bytes`, { afterParts: this.partsOut });
            this.headerBuf = [all];
            this.note();
            pos += take.length;
            break;
          }
          this.headers = parseHeaders(all.subarray(2, end));
          pos += end + 4 - prevLen;
          this.headerBuf = [];
          this.headerLen = 0;
          this.startBody();
          break;
        }
        case 'epilogue':
          return; // RFC 2046: an epilogue after the close delimiter is ignored
      }
    }
  }

  /** The end of the input: throws DICOMWEB_MULTIPART_INVALID unless the close delimiter was seen. */
  end(): void {
    if (this.state === 'epilogue') return;
    if (this.partsOut === 0 && this.state === 'preamble') {
      throw invalid(`Multipart body of ${this.bytesIn} bytes holds no delimiter for its boundary`, { bytes: this.bytesIn }, true);
    }
    throw invalid(`Multipart body truncated: no closing delimiter after ${this.partsOut} complete part(s) of ${this.bytesIn} bytes`,
      { completeParts: this.partsOut, bytes: this.bytesIn }, true);
  }

  private startBody(): void {
    this.state = 'body';
    this.bodyChunks = [];
    this.bodyLen = 0;
    this.bodyFixed = undefined;
    const cl = this.headers['content-length'];
    if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(cl)) throw invalid(`A multipart part declares Content-Length '${cl.slice(0, 20)}'`, { afterParts: this.partsOut });
      const n = Number(cl);
      if (n > this.maxPartBytes) throw this.tooLarge(`declares Content-Length ${n}, over`);
      // Preallocated, so the part is never held twice (chunks and their concatenation).
      this.bodyFixed = new Uint8Array(n);
    }
  }

  private tooLarge(what: string): TaceError {
    return new TaceError('DICOMWEB_PART_TOO_LARGE', `Multipart part ${this.partsOut + 1} ${what} the limit of ${this.maxPartBytes} bytes`,
      { httpStatus: 502, retryable: false, detail: { maxPartBytes: this.maxPartBytes, afterParts: this.partsOut } });
  }

  /** Append part body bytes (preamble bytes are only counted). */
  private emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.state === 'preamble') {
      this.preambleBytes += bytes.length;
      if (this.preambleBytes > MAX_PREAMBLE_BYTES) throw invalid(`No multipart delimiter in the first ${MAX_PREAMBLE_BYTES} bytes`, { bytes: this.bytesIn }, true);
      return;
    }
    const next = this.bodyLen + bytes.length;
    if (next > this.maxPartBytes) throw this.tooLarge('exceeds');
    if (this.bodyFixed) {
      if (next > this.bodyFixed.length) throw invalid(`A multipart part is longer than its Content-Length ${this.bodyFixed.length}`, { afterParts: this.partsOut });
      this.bodyFixed.set(bytes, this.bodyLen);
    } else {
      this.bodyChunks.push(Uint8Array.from(bytes));
    }
    this.bodyLen = next;
  }

  private finishPart(): MultipartPart {
    let body: Uint8Array;
    if (this.bodyFixed) {
      if (this.bodyLen !== this.bodyFixed.length) {
        throw invalid(`A multipart part of ${this.bodyLen} bytes declares Content-Length ${this.bodyFixed.length}`, { afterParts: this.partsOut }, true);
      }
      body = this.bodyFixed;
    } else {
      body = this.bodyChunks.length === 1 ? this.bodyChunks[0] : Buffer.concat(this.bodyChunks, this.bodyLen);
    }
    const part = { headers: this.headers, body };
    this.bodyFixed = undefined;
    this.bodyChunks = [];
    this.bodyLen = 0;
    this.headers = {};
    this.partsOut++;
    return part;
  }

  /**
   * Look for the delimiter in tail + chunk[pos..]. Bytes that cannot begin a delimiter are emitted
   * at once; only a suffix that may be a delimiter's start is kept (in `tail`).
   */
  private scanForDelimiter(chunk: Uint8Array, pos: number): { found: boolean; next: number } {
    const d = this.delim, n = d.length;
    if (this.tail.length > 0) {
      // A delimiter starting inside the tail ends within its next n-1 bytes: search that window only.
      const extra = chunk.subarray(pos, Math.min(chunk.length, pos + n - 1));
      const win = Buffer.concat([this.tail, extra]);
      const t = this.tail.length;
      const hit = win.indexOf(d);
      if (hit >= 0 && hit < t) {
        this.emit(win.subarray(0, hit));
        this.tail = Buffer.alloc(0);
        return { found: true, next: pos + hit + n - t };
      }
      if (extra.length < n - 1) {
        // The whole chunk fits in the window: keep whatever suffix may still begin a delimiter.
        const keep = prefixSuffix(win, d);
        this.emit(win.subarray(0, win.length - keep));
        this.tail = Buffer.from(win.subarray(win.length - keep));
        this.note();
        return { found: false, next: chunk.length };
      }
      this.emit(this.tail);
      this.tail = Buffer.alloc(0);
    }
    const view = Buffer.from(chunk.buffer, chunk.byteOffset + pos, chunk.length - pos);
    const hit = view.indexOf(d);
    if (hit >= 0) {
      this.emit(view.subarray(0, hit));
      this.note();
      return { found: true, next: pos + hit + n };
    }
    const keep = prefixSuffix(view, d);
    this.emit(view.subarray(0, view.length - keep));
    this.tail = Buffer.from(view.subarray(view.length - keep));
    this.note();
    return { found: false, next: chunk.length };
  }
}

/** Length of the longest suffix of `hay` that is a proper prefix of `needle` (which starts with CR). */
function prefixSuffix(hay: Uint8Array, needle: Uint8Array): number {
  const from = Math.max(0, hay.length - (needle.length - 1));
  for (let i = from; i < hay.length; i++) {
    if (hay[i] === CR && equalAt(hay, i, needle, 0, hay.length - i)) return hay.length - i;
  }
  return 0;
}

function parseHeaders(block: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  if (block.length === 0) return out;
  for (const line of Buffer.from(block).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw invalid('A multipart part header line has no name', {});
    out[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return out;
}

/**
 * Parts of a streamed multipart body, each yielded as soon as it is complete. Errors while
 * reading the stream itself (a connection lost) propagate as they are; the caller codes them.
 */
export async function* readMultipart(body: AsyncIterable<Uint8Array>, boundary: string, opts: MultipartOptions & { parser?: MultipartParser } = {}): AsyncGenerator<MultipartPart> {
  const parser = opts.parser ?? new MultipartParser(boundary, opts);
  for await (const chunk of body) {
    yield* parser.push(chunk);
    if (parser.done) break; // ignore the epilogue (and stop reading: nothing after it matters)
  }
  parser.end();
}

/** Split a whole multipart body held in memory (tests, small answers) into part bodies. */
export function splitMultipart(body: Uint8Array, boundary: string, opts: MultipartOptions = {}): Uint8Array[] {
  const parser = new MultipartParser(boundary, opts);
  const out = [...parser.push(body)].map((p) => p.body);
  parser.end();
  return out;
}
