import { TaceError } from '@tace/common';

/** The `boundary` parameter of a multipart Content-Type header. */
export function multipartBoundary(contentType: string): string {
  const m = /boundary="?([^";,]+)"?/i.exec(contentType);
  if (!m) throw new TaceError('DICOMWEB_BAD_RESPONSE', `Multipart response without a boundary (Content-Type ${contentType})`, { retryable: true, httpStatus: 502 });
  return m[1];
}

/**
 * Split a multipart/related body (RFC 2046) into part bodies. Each part is
 * `--boundary CRLF headers CRLF CRLF body CRLF`, the last boundary is followed by `--`.
 * A body without that closing delimiter was cut short (a server that dies mid-answer on a
 * `Connection: close` response, as Orthanc does, ends the body cleanly at HTTP level), so it is
 * refused with DICOMWEB_BAD_RESPONSE (retryable) instead of returning the parts that arrived.
 */
export function splitMultipart(body: Uint8Array, boundary: string): Uint8Array[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const parts: Uint8Array[] = [];
  let pos = buf.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (buf[start] === 0x2d && buf[start + 1] === 0x2d) return parts; // closing delimiter
    const headerEnd = buf.indexOf('\r\n\r\n', start, 'latin1');
    if (headerEnd < 0) break;
    start = headerEnd + 4;
    const next = buf.indexOf(delim, start);
    if (next < 0) break;
    let end = next;
    if (buf[end - 2] === 0x0d && buf[end - 1] === 0x0a) end -= 2; // CRLF belongs to the delimiter
    parts.push(new Uint8Array(buf.buffer, buf.byteOffset + start, end - start));
    pos = next;
  }
  throw new TaceError('DICOMWEB_BAD_RESPONSE', `Multipart response truncated: no closing delimiter after ${parts.length} complete part(s) of ${body.byteLength} bytes`,
    { retryable: true, httpStatus: 502, detail: { completeParts: parts.length, bytes: body.byteLength } });
}
