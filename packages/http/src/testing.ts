import { createHmac, createPublicKey, createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { OAuth2Server } from 'oauth2-mock-server';

/** Every scope of the API (the OpenAPI document's oauth2 scheme). */
export const ALL_SCOPES = ['assessments:submit', 'assessments:read', 'assessments:replay', 'assessments:cancel', 'assessments:retract', 'worklist:read'];

export interface TokenOptions {
  scopes?: string[];
  sub?: string;
  aud?: string;
  iss?: string;
  /** Seconds until expiry; negative for an expired token. */
  expiresIn?: number;
  kid?: string;
}

export interface TestIssuer {
  /** The issuer URL (iss), which also serves /.well-known/openid-configuration and the JWKS. */
  issuer: string;
  audience: string;
  token(opts?: TokenOptions): Promise<string>;
  /** A new signing key, published beside the old one (key rotation); its kid. */
  rotate(): Promise<string>;
  /** Tokens the issuer never published a key for (unknown kid). */
  foreignToken(opts?: TokenOptions): string;
  /** An HS256 token keyed with the issuer's own public key (the RS/HS confusion attack). */
  hs256WithPublicKey(opts?: TokenOptions): string;
  /** An unsigned token (`alg: none`). */
  unsignedToken(opts?: TokenOptions): string;
  stop(): Promise<void>;
}

const b64url = (x: Buffer | string) => Buffer.from(x).toString('base64url');

/**
 * A real OAuth 2.0 / OpenID Connect issuer on loopback for tests (oauth2-mock-server from the npm
 * registry): it publishes discovery metadata and a JWKS and signs RS256 tokens. The forged tokens
 * (foreign key, HS256 with the public key, alg none) are made here with node:crypto.
 */
export async function startTestIssuer(audience = 'tace-risk'): Promise<TestIssuer> {
  const server = new OAuth2Server();
  const first = await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const issuer = server.issuer.url!;
  let currentKid = first.kid;
  const claims = (o: TokenOptions) => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: o.iss ?? issuer,
      sub: o.sub ?? 'ehr-integration',
      aud: o.aud ?? audience,
      iat: now,
      exp: now + (o.expiresIn ?? 300),
      scope: (o.scopes ?? ALL_SCOPES).join(' '),
    };
  };
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signRs256 = (key: KeyObject, kid: string, payload: object) => {
    const input = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
  };
  return {
    issuer,
    audience,
    async token(o: TokenOptions = {}) {
      const c = claims(o);
      return server.issuer.buildToken({
        kid: o.kid ?? currentKid,
        expiresIn: o.expiresIn ?? 300,
        scopesOrTransform: (_header: Record<string, unknown>, payload: Record<string, unknown>) => {
          Object.assign(payload, c);
        },
      });
    },
    async rotate() {
      const k = await server.issuer.keys.generate('RS256');
      currentKid = k.kid;
      return k.kid;
    },
    foreignToken(o: TokenOptions = {}) {
      return signRs256(foreign.privateKey, 'not-published', claims(o));
    },
    hs256WithPublicKey(o: TokenOptions = {}) {
      const jwk = server.issuer.keys.get(currentKid)!;
      const pem = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e } as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: currentKid }))}.${b64url(JSON.stringify(claims(o)))}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    },
    unsignedToken(o: TokenOptions = {}) {
      return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(claims(o)))}.`;
    },
    stop: () => server.stop(),
  };
}
