import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed notifications as the Standard Webhooks specification defines them (the scheme of
 * Svix and others, standardwebhooks.com): headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-separated list of
 * `v1,<base64 HMAC-SHA256>` over `<id>.<timestamp>.<raw body>`. The timestamp bounds how long a
 * captured notification can be replayed; the id lets the receiver process a message once; the
 * list lets a sender sign with two secrets while one is rotated, and the receiver accepts any of
 * its configured secrets for the same reason.
 */
export interface WebhookHeaders {
  id?: string;
  timestamp?: string;
  signature?: string;
}

export type WebhookVerdict =
  | { ok: true; id: string; timestampS: number }
  | { ok: false; code: 'WEBHOOK_SIGNATURE_MISSING' | 'WEBHOOK_SIGNATURE_INVALID' | 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE'; message: string };

/** The HMAC key: a `whsec_` secret is base64 after the prefix (as the spec issues them), anything else its UTF-8 bytes. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

function hmac(secret: string, id: string, timestampS: number | string, body: Buffer | string): Buffer {
  return createHmac('sha256', webhookKey(secret)).update(`${id}.${timestampS}.`).update(body).digest();
}

/** The `webhook-signature` value for a body (senders and tests). */
export function signWebhook(secret: string, id: string, timestampS: number, body: Buffer | string): string {
  return `v1,${hmac(secret, id, timestampS, body).toString('base64')}`;
}

/** Headers for one signed delivery. */
export function webhookHeaders(secret: string, id: string, body: Buffer | string, timestampS = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': signWebhook(secret, id, timestampS, body) };
}

/**
 * Check a delivery: the timestamp within `toleranceS` of now (either way), then any `v1`
 * signature of the header equal, in constant time, to the HMAC under any of `secrets`.
 */
export function verifyWebhook(secrets: readonly string[], h: WebhookHeaders, body: Buffer, nowS: number, toleranceS: number): WebhookVerdict {
  if (!h.id || !h.timestamp || !h.signature) {
    return { ok: false, code: 'WEBHOOK_SIGNATURE_MISSING', message: 'webhook-id, webhook-timestamp and webhook-signature headers are required' };
  }
  if (h.id.length > 256 || !/^[\x21-\x7e]+$/.test(h.id)) return { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID', message: 'webhook-id is not a printable token of at most 256 characters' };
  if (!/^\d{1,12}$/.test(h.timestamp)) return { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID', message: 'webhook-timestamp is not Unix seconds' };
  const ts = Number(h.timestamp);
  if (Math.abs(nowS - ts) > toleranceS) {
    return { ok: false, code: 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE', message: `webhook-timestamp is more than ${toleranceS} s from now: a late or replayed delivery` };
  }
  const given = h.signature
    .split(' ')
    .map((s) => s.split(','))
    .filter(([v, sig]) => v === 'v1' && sig !== undefined && /^[A-Za-z0-9+/]+=*$/.test(sig))
    .map(([, sig]) => Buffer.from(sig!, 'base64'));
  for (const secret of secrets) {
    const expected = hmac(secret, h.id, h.timestamp, body);
    for (const g of given) if (g.length === expected.length && timingSafeEqual(g, expected)) return { ok: true, id: h.id, timestampS: ts };
  }
  return { ok: false, code: 'WEBHOOK_SIGNATURE_INVALID', message: 'no webhook-signature matches the body under the configured secret(s)' };
}
