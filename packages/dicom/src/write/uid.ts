import { createHash, randomUUID } from 'node:crypto';

/**
 * A new globally unique DICOM UID under the UUID-derived root 2.25 (PS3.5 B.2): "2.25." then
 * the 128-bit UUID as one unsigned decimal integer (≤ 39 digits, so ≤ 44 characters).
 */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString(10)}`;
}

/**
 * A reproducible UID for synthetic data: 2.25.<first 128 bits of SHA-256(seed), as a version-8
 * style UUID in decimal>. Same seed → same UID; different seeds collide only by chance.
 */
export function uidFromSeed(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  h[6] = (h[6] & 0x0f) | 0x80; // UUID version 8 (custom)
  h[8] = (h[8] & 0x3f) | 0x80; // RFC 4122 variant
  return `2.25.${BigInt(`0x${h.subarray(0, 16).toString('hex')}`).toString(10)}`;
}
