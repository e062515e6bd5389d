/** Issuers whose keys are configured (JWK Set, PEM, shared secret): no discovery, no JWKS fetch. */
import { createPublicKey } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth, MCPAuthConfigError } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
const SECRET = 'a shared secret of at least thirty-two bytes!';
let issuer: TestIssuer; // serves discovery and a JWKS: it must see no request
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterAll(() => issuer.close());

function appWith(entry: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: RESOURCE,
        authorizationServers: [{ issuer: issuer.issuer, type: 'oidc', ...entry } as never],
      },
    },
  });
  return protectedApp(express, mcpAuth.bearerAuth('jwt', options as never));
}
const call = (app: ReturnType<typeof appWith>, token: string) =>
  request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
const claims = () => ({ iss: issuer.issuer, aud: RESOURCE, sub: 'u1', scope: 'a', exp: now() + 60 });

describe('configured keys', () => {
  it('a JWK Set: verifies by kid, never fetches', async () => {
    const app = appWith({ jwks: issuer.jwks() });
    expect((await call(app, await issuer.token({ audience: RESOURCE }).sign())).status).toBe(200);
    expect((await call(app, await issuer.badlySignedToken({ audience: RESOURCE }))).status).toBe(401);
    expect(issuer.requests).toEqual([]);
  });

  it('a PEM public key: algorithms from the key type, kid ignored', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const app = appWith({ publicKey: await exportSPKI(publicKey) });
    const sign = (alg: string, kid?: string) => new SignJWT(claims()).setProtectedHeader({ alg, kid }).sign(privateKey);
    expect((await call(app, await sign('ES256'))).status).toBe(200);
    expect((await call(app, await sign('ES256', 'any-kid-at-all'))).status).toBe(200);
    // Another key type's algorithm never reaches the key.
    const rsa = await issuer.sign(claims());
    const res = await call(app, rsa);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('algorithm that is not allowed');
    expect(issuer.requests).toEqual([]);
  });

  it('a shared secret: HS256/384/512 only, and only for that issuer', async () => {
    const key = new TextEncoder().encode(SECRET);
    const app = appWith({ secret: SECRET });
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      const token = await new SignJWT(claims()).setProtectedHeader({ alg }).sign(key);
      expect((await call(app, token)).status, alg).toBe(200);
    }
    const wrongSecret = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(`${SECRET}x`));
    expect((await call(app, wrongSecret)).status).toBe(401);
    // An asymmetric token for a secret-configured issuer: refused before any key is tried.
    expect((await call(app, await issuer.token({ audience: RESOURCE }).sign())).status).toBe(401);
    expect(issuer.requests).toEqual([]);
  });

  it('HS256 signed with the public key of an asymmetric issuer is refused (key confusion)', async () => {
    const jwk = issuer.jwks().keys[0] as Record<string, unknown>;
    const pem = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    for (const entry of [{ jwks: issuer.jwks() }, { publicKey: pem }]) {
      const app = appWith(entry);
      for (const keyBytes of [pem, JSON.stringify(jwk)]) {
        const forged = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: jwk.kid as string })
          .sign(new TextEncoder().encode(keyBytes));
        expect((await call(app, forged)).status).toBe(401);
      }
    }
  });

  it('the algorithms option narrows what each issuer accepts', async () => {
    const key = new TextEncoder().encode(SECRET);
    const app = appWith({ secret: SECRET }, { algorithms: ['HS512'] });
    expect((await call(app, await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256' }).sign(key))).status).toBe(
      401,
    );
    expect((await call(app, await new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(key))).status).toBe(
      200,
    );
  });
});

describe('configured key errors name the field', () => {
  const make = (entry: Record<string, unknown>, options?: Record<string, unknown>) => () =>
    new MCPAuth({
      protectedResources: {
        metadata: {
          resource: RESOURCE,
          authorizationServers: [{ issuer: 'https://a.example', type: 'oidc', ...entry } as never],
        },
      },
    }).bearerAuth('jwt', options as never);

  it.each([
    ['a PEM that is not one', { publicKey: 'hello' }, /authorizationServers\[0\]\.publicKey: must be a PEM public key/],
    [
      'a private key PEM',
      { publicKey: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----' },
      /publicKey: must be a public key/,
    ],
    [
      'a JWK Set with a private key',
      { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }] } },
      /jwks: must hold public keys only/,
    ],
    [
      'a JWK Set with a secret',
      { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      /jwks: must hold public keys only/,
    ],
    ['not a JWK Set', { jwks: { nope: true } }, /jwks\.keys: must be an array of JWKs/],
    ['an empty secret', { secret: '' }, /secret: must not be empty/],
  ])('%s', (_what, entry, message) => {
    expect(make(entry)).toThrow(MCPAuthConfigError);
    expect(make(entry)).toThrow(message);
  });

  it('two kinds of keys at once', () => {
    expect(make({ jwks: issuer.jwks(), secret: 'x' })).toThrow(
      /authorizationServers\[0\]\.secret: give one of jwks, publicKey, secret \(also got jwks\)/,
    );
  });

  it('algorithms that no issuer key can verify', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    expect(make({ publicKey: pem }, { algorithms: ['RS256'] })).toThrow(
      /none of them can verify tokens of https:\/\/a\.example \(its keys allow ES256\)/,
    );
    expect(make({ jwks: { keys: [await exportJWK(publicKey)] } }, { algorithms: ['ES256'] })).not.toThrow();
  });
});
