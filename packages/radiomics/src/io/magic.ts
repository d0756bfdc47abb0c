/** What a file holds, told from its first bytes (the readers, the prefetch and the dispatch share these). */

/** An NRRD file: the "NRRD" magic. */
export function isNrrd(buf: Uint8Array): boolean {
  return buf[0] === 0x4e && buf[1] === 0x52 && buf[2] === 0x52 && buf[3] === 0x44;
}

/** A gzip stream (a .nii.gz). */
export function isGzip(buf: Uint8Array): boolean {
  return buf[0] === 0x1f && buf[1] === 0x8b;
}
