import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { signWebhook, verifyWebhook, webhookHeaders } from './signature.ts';

// Signatures made by the Standard Webhooks reference library (npm `standardwebhooks`), not by
// the code under test: our verifier must accept exactly what a conforming sender produces.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD = 'whsec_' + Buffer.from('the previous secret, 32 bytes ok').toString('base64');
const body = Buffer.from('{"resourceType":"ImagingStudy","status":"available"}');
const now = 1_700_000_000;

function reference(secret: string, id: string, ts: number, payload: Buffer): string {
  return new Webhook(secret).sign(id, new Date(ts * 1000), payload);
}

describe('verifyWebhook (Standard Webhooks)', () => {
  it('accepts a signature made by the reference implementation, and makes the same one', () => {
    const sig = reference(SECRET, 'msg_1', now, body);
    expect(verifyWebhook([SECRET], { id: 'msg_1', timestamp: String(now), signature: sig }, body, now, 300)).toEqual({ ok: true, id: 'msg_1', timestampS: now });
    expect(signWebhook(SECRET, 'msg_1', now, body)).toBe(sig);
    // and the reference library accepts ours
    expect(() => new Webhook(SECRET).verify(body, webhookHeaders(SECRET, 'msg_2', body, Math.floor(Date.now() / 1000)))).not.toThrow();
  });

  it('refuses a changed body, id or timestamp, and a wrong secret', () => {
    const sig = reference(SECRET, 'msg_1', now, body);
    const h = { id: 'msg_1', timestamp: String(now), signature: sig };
    expect(verifyWebhook([SECRET], h, Buffer.from(body.toString() + ' '), now, 300)).toMatchObject({ ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(verifyWebhook([SECRET], { ...h, id: 'msg_2' }, body, now, 300)).toMatchObject({ ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(verifyWebhook([SECRET], { ...h, timestamp: String(now + 1) }, body, now, 300)).toMatchObject({ ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(verifyWebhook([OLD], h, body, now, 300)).toMatchObject({ ok: false, code: 'WEBHOOK_SIGNATURE_INVALID' });
  });

  it('refuses a timestamp outside the window either way (a captured delivery replayed later)', () => {
    for (const ts of [now - 301, now + 301]) {
      const sig = reference(SECRET, 'msg_1', ts, body);
      expect(verifyWebhook([SECRET], { id: 'msg_1', timestamp: String(ts), signature: sig }, body, now, 300)).toMatchObject({ ok: false, code: 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE' });
    }
    const edge = reference(SECRET, 'msg_1', now - 300, body);
    expect(verifyWebhook([SECRET], { id: 'msg_1', timestamp: String(now - 300), signature: edge }, body, now, 300).ok).toBe(true);
  });

  it('accepts either secret during a rotation, and a header listing several signatures', () => {
    const byOld = reference(OLD, 'msg_1', now, body);
    const h = { id: 'msg_1', timestamp: String(now) };
    expect(verifyWebhook([SECRET, OLD], { ...h, signature: byOld }, body, now, 300).ok).toBe(true);
    expect(verifyWebhook([SECRET], { ...h, signature: byOld }, body, now, 300).ok).toBe(false);
    const both = `${reference(SECRET, 'msg_1', now, body)} ${byOld}`;
    expect(verifyWebhook([OLD], { ...h, signature: both }, body, now, 300).ok).toBe(true);
  });

  it('says which header is missing or malformed', () => {
    expect(verifyWebhook([SECRET], { id: 'msg_1', timestamp: String(now) }, body, now, 300)).toMatchObject({ code: 'WEBHOOK_SIGNATURE_MISSING' });
    expect(verifyWebhook([SECRET], { id: 'msg_1', timestamp: 'yesterday', signature: 'v1,AAAA' }, body, now, 300)).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(verifyWebhook([SECRET], { id: 'msg 1', timestamp: String(now), signature: 'v1,AAAA' }, body, now, 300)).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
    expect(verifyWebhook([SECRET], { id: 'msg_1', timestamp: String(now), signature: 'v2,AAAA not-even' }, body, now, 300)).toMatchObject({ code: 'WEBHOOK_SIGNATURE_INVALID' });
  });
});
