import { describe, expect, it } from 'vitest';
import { MultipartParser, multipartBoundary, readMultipart, splitMultipart, type MultipartPart } from './multipart.ts';

const enc = (s: string) => Buffer.from(s, 'latin1');
const txt = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A multipart/related body of the given part bodies, as a WADO-RS server writes it. */
function body(boundary: string, parts: Array<string | Uint8Array>, o: { preamble?: string; epilogue?: string; contentLength?: boolean } = {}): Buffer {
  const chunks: Buffer[] = [enc(o.preamble ?? '')];
  for (const p of parts) {
    const b = typeof p === 'string' ? enc(p) : Buffer.from(p);
    chunks.push(enc(`--${boundary}\r\nContent-Type: application/dicom\r\n${o.contentLength ? `Content-Length: ${b.length}\r\n` : ''}\r\n`), b, enc('\r\n'));
  }
  chunks.push(enc(`--${boundary}--\r\n${o.epilogue ?? ''}`));
  return Buffer.concat(chunks);
}

/** Feed `b` in chunks of `size` bytes; the parts and the parser's peak. */
function feed(b: Uint8Array, boundary: string, size: number, maxPartBytes?: number): { parts: MultipartPart[]; peak: number } {
  const p = new MultipartParser(boundary, { maxPartBytes });
  const parts: MultipartPart[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(...p.push(b.subarray(i, i + size)));
  p.end();
  return { parts, peak: p.peakBufferedBytes };
}

function codeOf(f: () => unknown): { code?: string; retryable?: boolean } {
  try { f(); } catch (e) { return e as { code?: string; retryable?: boolean }; }
  return {};
}

describe('multipartBoundary', () => {
  it('reads quoted and bare boundaries; refuses a non-multipart type or none', () => {
    expect(multipartBoundary('multipart/related; type="application/dicom"; boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('Multipart/Related; boundary=XyZ; type=application/dicom')).toBe('XyZ');
    expect(codeOf(() => multipartBoundary('multipart/related; type="application/dicom"')).code).toBe('DICOMWEB_MULTIPART_INVALID');
    expect(codeOf(() => multipartBoundary('application/dicom+json')).code).toBe('DICOMWEB_MULTIPART_INVALID');
  });
});

describe('MultipartParser', () => {
  // Bodies that contain what looks like the start of a delimiter, CRLFs and dashes.
  const parts = ['AB\r\nC', '', '\r\n--XyQ\r\n--Xy', 'x'.repeat(300) + '\r\n-', '--XyZ'.slice(0, 4)];

  it('gives the same parts for every chunk size 1..len, holding at most one part + a delimiter', () => {
    const b = body('XyZ', parts, { preamble: 'preamble\r\n', epilogue: 'ignored --XyZ' });
    const largest = Math.max(...parts.map((p) => p.length));
    for (let size = 1; size <= b.length; size++) {
      const { parts: got, peak } = feed(b, 'XyZ', size);
      expect(got.map((p) => txt(p.body)), `chunk size ${size}`).toEqual(parts);
      // the header block ("CRLF Content-Type: application/dicom CRLF CRLF") is never held with a body
      expect(peak, `chunk size ${size}`).toBeLessThanOrEqual(Math.max(largest + 'XyZ'.length + 4, 64));
    }
  });

  it('uses a part Content-Length to fill one buffer (same parts, exact length)', () => {
    const b = body('b0', parts, { contentLength: true });
    for (const size of [1, 2, 3, 7, 64, b.length]) expect(feed(b, 'b0', size).parts.map((p) => txt(p.body))).toEqual(parts);
    const lying = enc('--b0\r\nContent-Length: 3\r\n\r\nABCD\r\n--b0--');
    expect(codeOf(() => feed(lying, 'b0', 2))).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID' });
    const short = enc('--b0\r\nContent-Length: 5\r\n\r\nABCD\r\n--b0--');
    expect(codeOf(() => feed(short, 'b0', 2))).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID' });
  });

  it('reads parts without headers, transport padding and a delimiter at the very start', () => {
    const b = enc('--q\r\n\r\nA\r\n--q \t\r\nX-Other: 1\r\n\r\nB\r\n--q--');
    const { parts: got } = feed(b, 'q', 1);
    expect(got.map((p) => [txt(p.body), p.headers])).toEqual([['A', {}], ['B', { 'x-other': '1' }]]);
  });

  it('a body cut short → retryable DICOMWEB_MULTIPART_INVALID naming the complete parts', () => {
    const b = body('XyZ', parts);
    for (const cut of [b.length - 3, b.length - 12, 20, 5]) {
      const e = codeOf(() => feed(b.subarray(0, cut), 'XyZ', 4));
      expect(e, `cut at ${cut}`).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID', retryable: true });
    }
    expect(codeOf(() => splitMultipart(enc('just some bytes'), 'XyZ'))).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID' });
  });

  it('malformed delimiter line or header block → DICOMWEB_MULTIPART_INVALID (not retryable)', () => {
    expect(codeOf(() => splitMultipart(enc('--q garbage\r\n\r\nA\r\n--q--'), 'q'))).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID', retryable: false });
    expect(codeOf(() => splitMultipart(enc('--q\r\nno colon here\r\n\r\nA\r\n--q--'), 'q'))).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID' });
    expect(codeOf(() => splitMultipart(enc(`--q\r\nX: ${'h'.repeat(20_000)}`), 'q'))).toMatchObject({ code: 'DICOMWEB_MULTIPART_INVALID' });
  });

  it('a part over maxPartBytes → DICOMWEB_PART_TOO_LARGE before it is held (declared or streamed)', () => {
    const b = body('XyZ', ['small', 'y'.repeat(5000)]);
    const e = codeOf(() => feed(b, 'XyZ', 100, 1000));
    expect(e).toMatchObject({ code: 'DICOMWEB_PART_TOO_LARGE', retryable: false });
    const p = new MultipartParser('XyZ', { maxPartBytes: 1000 });
    expect(() => { for (let i = 0; i < b.length; i += 100) [...p.push(b.subarray(i, i + 100))]; }).toThrow();
    expect(p.peakBufferedBytes).toBeLessThanOrEqual(1000 + 100);
    const declared = body('XyZ', ['y'.repeat(5000)], { contentLength: true });
    expect(codeOf(() => feed(declared, 'XyZ', 64, 1000))).toMatchObject({ code: 'DICOMWEB_PART_TOO_LARGE' });
  });

  it('readMultipart yields each part before the rest of the body arrives', async () => {
    const b = body('XyZ', ['first', 'second']);
    const cut = b.indexOf('second');
    const seen: string[] = [];
    let released = false;
    async function* source() {
      yield b.subarray(0, cut);
      // the first part must already be out: its closing delimiter was in the first chunk
      expect(seen).toEqual(['first']);
      released = true;
      yield b.subarray(cut);
    }
    for await (const p of readMultipart(source(), 'XyZ')) seen.push(txt(p.body));
    expect(released).toBe(true);
    expect(seen).toEqual(['first', 'second']);
  });
});
