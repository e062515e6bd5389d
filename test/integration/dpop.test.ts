/**
 * DPoP-bound tokens through the middleware, every proof check with its refusal and challenge:
 * a real test issuer mints tokens bound to a client key (`cnf.jkt`), proofs are signed with real
 * keys (good ones, and every way a proof can be wrong), requests go over HTTP.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import express from 'express';
import { base64url, calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthEvent, MCPAuth, type MCPAuthConfig } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { accessTokenHash } from '../../src/verify/dpop-proof.js';

const ORIGIN = 'https://mcp.example.com';
const RESOURCE = `${ORIGIN}/mcp`;
const METADATA = `${ORIGIN}/.well-known/oauth-protected-resource/mcp`;
let issuer: TestIssuer;

interface ClientKey {
  privateKey: KeyObject;
  jwk: JWK;
  jkt: string;
}

async function clientKey(): Promise<ClientKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  return { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

let key: ClientKey;
let other: ClientKey;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
  key = await clientKey();
  other = await clientKey();
});
afterAll(() => issuer.close());

const boundToken = (to: ClientKey = key, scopes = 'read') =>
  issuer.token().scopes(scopes).claim('cnf', { jkt: to.jkt }).sign();

interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string | null;
  ath?: string | null;
  nonce?: string;
  typ?: string;
  signer?: ClientKey;
  /** The jwk put in the header (default: the signer's public key). */
  jwk?: JWK;
}

let counter = 0;
async function proof(token: string, options: ProofOptions = {}): Promise<string> {
  const signer = options.signer ?? key;
  const claims: Record<string, unknown> = {
    htm: options.htm ?? 'GET',
    htu: options.htu ?? RESOURCE,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
  };
  if (options.jti !== null) claims.jti = options.jti ?? `proof-${Date.now()}-${counter++}`;
  if (options.ath !== null) claims.ath = options.ath ?? accessTokenHash(token);
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? signer.jwk })
    .sign(signer.privateKey);
}

function app(config: Partial<MCPAuthConfig> = {}, options: Parameters<MCPAuth['bearerAuth']>[1] = {}) {
  const events: AuthEvent[] = [];
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: RESOURCE,
        authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
        scopesSupported: ['read', 'write'],
        ...config.protectedResources,
      },
    } as MCPAuthConfig['protectedResources'],
    onEvent: (e) => events.push(e),
    ...(config.dpop ? { dpop: config.dpop } : {}),
  });
  const server = express();
  server.use(mcpAuth.protectedResourceMetadataRouter());
  server.use('/mcp', mcpAuth.bearerAuth('jwt', options));
  server.all('/mcp', (req, res) => res.json({ tokenType: req.auth?.tokenType, jkt: req.auth?.jkt }));
  return { server, events };
}

const dpopGet = (server: express.Express, token: string, proofs: string[], path = '/mcp') => {
  const r = request(server).get(path).set('Authorization', `DPoP ${token}`);
  // Several values of one header are sent as several header lines.
  return proofs.length === 0 ? r : r.set('DPoP', (proofs.length === 1 ? proofs[0] : proofs) as string);
};

/** A DPoP challenge's error, and that it names the algorithms and the metadata. */
function dpopChallenge(header: string | undefined, error: string) {
  expect(header).toMatch(/^DPoP /);
  expect(header).toContain(`error="${error}"`);
  expect(header).toContain(`resource_metadata="${METADATA}"`);
  expect(header).toMatch(/algs="[^"]*ES256[^"]*"/);
}

describe('DPoP: a bound token with a good proof', () => {
  it('is accepted, and req.auth says DPoP and names the key', async () => {
    const { server } = app();
    const token = await boundToken();
    const res = await dpopGet(server, token, [await proof(token)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tokenType: 'DPoP', jkt: key.jkt });
  });

  it('a Bearer token is still Bearer', async () => {
    const { server } = app();
    const token = await issuer.token().scopes('read').sign();
    const res = await request(server).get('/mcp').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tokenType: 'Bearer' });
  });

  it('htu is compared after normalisation of scheme and host case and the default port; the request query is ignored', async () => {
    const { server } = app();
    const token = await boundToken();
    const htu = 'HTTPS://MCP.Example.COM:443/mcp';
    expect((await dpopGet(server, token, [await proof(token, { htu })])).status).toBe(200);
    const res = await dpopGet(server, token, [await proof(token)], '/mcp?session=1');
    expect(res.status).toBe(200);
  });

  it('a token seen before (a cached verdict) still needs a fresh proof every time', async () => {
    const { server } = app();
    const token = await boundToken();
    for (let i = 0; i < 3; i++) expect((await dpopGet(server, token, [await proof(token)])).status).toBe(200);
    const bare = await request(server).get('/mcp').set('Authorization', `DPoP ${token}`);
    expect(bare.status).toBe(401);
    dpopChallenge(bare.headers['www-authenticate'], 'invalid_dpop_proof');
  });
});

describe('DPoP: no downgrade', () => {
  it('a bound token presented as Bearer is refused, with a Bearer challenge', async () => {
    const { server, events } = app();
    const token = await boundToken();
    const res = await request(server)
      .get('/mcp')
      .set('Authorization', `Bearer ${token}`)
      .set('DPoP', await proof(token));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(res.body.error_description).toBe('This token is bound to a key: present it with its proof');
    expect(events.at(-1)).toMatchObject({ outcome: 'deny', reason: 'sender_constrained_token' });
  });

  it('an unbound token presented as DPoP is refused', async () => {
    const { server } = app();
    const token = await issuer.token().scopes('read').sign();
    const res = await dpopGet(server, token, [await proof(token)]);
    expect(res.status).toBe(401);
    dpopChallenge(res.headers['www-authenticate'], 'invalid_token');
  });

  it("dpop: 'disabled' takes the DPoP scheme for no credentials, and refuses bound tokens as before", async () => {
    const { server } = app({}, { dpop: 'disabled' });
    const token = await boundToken();
    const res = await dpopGet(server, token, [await proof(token)]);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${METADATA}"`);
  });
});

describe('DPoP: a custom verify function reports the binding in its claims', () => {
  it('claims.cnf.jkt: accepted with a proof of that key, refused as Bearer', async () => {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
    });
    const verify = (token: string) => ({
      token,
      clientId: 'custom',
      scopes: ['read'],
      claims: { sub: 'opaque-user', cnf: { jkt: key.jkt } },
    });
    const server = express();
    server.use('/mcp', mcpAuth.bearerAuth(verify), (req, res) =>
      res.json({ tokenType: req.auth?.tokenType, jkt: req.auth?.jkt }),
    );
    const token = 'an-opaque-token-from-a-custom-verifier';
    const res = await dpopGet(server, token, [await proof(token)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tokenType: 'DPoP', jkt: key.jkt });
    const bearer = await request(server).get('/mcp').set('Authorization', `Bearer ${token}`);
    expect(bearer.status).toBe(401);
    expect(bearer.body.error_description).toBe('This token is bound to a key: present it with its proof');
  });
});

describe('DPoP: every proof check', () => {
  const cases: [string, (token: string) => Promise<string[]>, string?][] = [
    ['no DPoP header', async () => []],
    ['two DPoP headers', async (t) => [await proof(t), await proof(t)]],
    ['not a JWT', async () => ['not-a-jwt']],
    ['typ is not dpop+jwt', async (t) => [await proof(t, { typ: 'JWT' })]],
    ['a private key in the header', async (t) => [await proof(t, { jwk: await privateJwk(key) })]],
    ['a signature by another key than the header names', async (t) => [await proof(t, { jwk: other.jwk })]],
    ['no jti', async (t) => [await proof(t, { jti: null })]],
    ['another method (htm)', async (t) => [await proof(t, { htm: 'POST' })]],
    ['another URL (htu)', async (t) => [await proof(t, { htu: `${ORIGIN}/other` })]],
    ['another origin (htu)', async (t) => [await proof(t, { htu: 'https://evil.example.com/mcp' })]],
    ['an htu with a query', async (t) => [await proof(t, { htu: `${RESOURCE}?a=1` })]],
    ['an htu with a fragment', async (t) => [await proof(t, { htu: `${RESOURCE}#f` })]],
    ['iat too old', async (t) => [await proof(t, { iat: Math.floor(Date.now() / 1000) - 301 })]],
    ['iat in the future', async (t) => [await proof(t, { iat: Math.floor(Date.now() / 1000) + 301 })]],
    ['no ath', async (t) => [await proof(t, { ath: null })]],
    ['ath of another token', async (t) => [await proof(t, { ath: accessTokenHash(`${t}x`) })]],
    ['a good proof by a key the token is not bound to', async (t) => [await proof(t, { signer: other })]],
    ['alg none', async (t) => [unsigned(t)]],
    ['HS256', async (t) => [await hs256(t)]],
  ];
  // Twice: for a client key never seen (jose checks the proof), and for one whose proof was
  // accepted before (the synchronous path checks it): the same refusals either way.
  it.each(
    cases.flatMap(([what, make]) => [
      [`${what}, key not seen before`, make, false] as const,
      [`${what}, key seen before`, make, true] as const,
    ]),
  )('%s: 401 invalid_dpop_proof with a DPoP challenge', async (_what, proofs, warm) => {
    const { server, events } = app();
    const token = await boundToken();
    if (warm) {
      expect((await dpopGet(server, token, [await proof(token)])).status).toBe(200);
      expect((await dpopGet(server, token, [await proof(token, { signer: other })])).status).toBe(401);
    }
    const res = await dpopGet(server, token, await proofs(token));
    expect(res.status).toBe(401);
    dpopChallenge(res.headers['www-authenticate'], 'invalid_dpop_proof');
    expect(res.body.error).toBe('invalid_dpop_proof');
    expect(events.at(-1)).toMatchObject({ outcome: 'deny', reason: 'invalid_dpop_proof' });
  });

  it('a replayed proof is refused', async () => {
    const { server } = app();
    const token = await boundToken();
    const once = await proof(token);
    expect((await dpopGet(server, token, [once])).status).toBe(200);
    const again = await dpopGet(server, token, [once]);
    expect(again.status).toBe(401);
    expect(again.body.error_description).toBe('The DPoP proof has been used before');
  });

  it('a refused proof, or a good proof with a refused token, leaves its jti unused', async () => {
    const used: string[] = [];
    const replayStore = {
      markUsed: (k: string) => {
        used.push(k);
        return true;
      },
    };
    const { server } = app({ dpop: { replayStore } });
    const token = await boundToken();
    await dpopGet(server, token, [await proof(token, { htm: 'POST' })]);
    const narrow = await boundToken(key, 'write');
    const scoped = app({ dpop: { replayStore } }, { requiredScopes: ['admin'] });
    expect((await dpopGet(scoped.server, narrow, [await proof(narrow)])).status).toBe(403);
    const foreign = await issuer.token().audience('https://other.example.com').claim('cnf', { jkt: key.jkt }).sign();
    expect((await dpopGet(server, foreign, [await proof(foreign)])).status).toBe(401);
    expect(used).toEqual([]);
    expect((await dpopGet(server, token, [await proof(token)])).status).toBe(200);
    expect(used).toHaveLength(1);
  });

  it('a replay store that cannot answer: 503 with Retry-After, never 200 or 401', async () => {
    const broken = { markUsed: () => Promise.reject(new Error('down')) };
    const { server, events } = app({ dpop: { replayStore: broken } });
    const token = await boundToken();
    const res = await dpopGet(server, token, [await proof(token)]);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(events.at(-1)).toMatchObject({ reason: 'replay_store_unavailable', status: 503 });
  });
});

describe('DPoP: challenges and modes', () => {
  it("no credentials, 'allowed': a Bearer challenge, then a DPoP one, both with resource_metadata", async () => {
    const { server } = app({}, { requiredScopes: ['read'] });
    const res = await request(server).get('/mcp');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(
      `Bearer resource_metadata="${METADATA}", scope="read", DPoP resource_metadata="${METADATA}", scope="read", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`,
    );
  });

  it("'required': Bearer refused with a DPoP challenge; no credentials get a DPoP challenge only", async () => {
    const { server } = app({}, { dpop: 'required' });
    const bearer = await issuer.token().scopes('read').sign();
    const res = await request(server).get('/mcp').set('Authorization', `Bearer ${bearer}`);
    expect(res.status).toBe(401);
    dpopChallenge(res.headers['www-authenticate'], 'invalid_token');
    const none = await request(server).get('/mcp');
    expect(none.headers['www-authenticate']).toMatch(/^DPoP resource_metadata=/);
    const token = await boundToken();
    expect((await dpopGet(server, token, [await proof(token)])).status).toBe(200);
  });

  it('dpopBoundAccessTokensRequired makes every route DPoP only, is published, and contradicting it is a config error', async () => {
    const config = {
      protectedResources: { dpopBoundAccessTokensRequired: true, dpopSigningAlgValuesSupported: ['ES256', 'EdDSA'] },
    } as unknown as Partial<MCPAuthConfig>;
    const { server } = app(config);
    const metadata = await request(server).get('/.well-known/oauth-protected-resource/mcp');
    expect(metadata.body).toMatchObject({
      dpop_bound_access_tokens_required: true,
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
    });
    const none = await request(server).get('/mcp');
    expect(none.headers['www-authenticate']).toBe(`DPoP resource_metadata="${METADATA}", algs="ES256 EdDSA"`);
    expect(() => app(config, { dpop: 'allowed' })).toThrow(/bearerAuth options\.dpop: 'allowed' contradicts/);
  });

  it('a 403 to a DPoP request is a DPoP challenge with scope and algs', async () => {
    const { server } = app({}, { requiredScopes: ['write'] });
    const token = await boundToken(key, 'read');
    const res = await dpopGet(server, token, [await proof(token)]);
    expect(res.status).toBe(403);
    dpopChallenge(res.headers['www-authenticate'], 'insufficient_scope');
    expect(res.headers['www-authenticate']).toContain('scope="write read"');
  });
});

describe('DPoP: resource-server nonces', () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';

  it('no nonce: 401 use_dpop_nonce with a DPoP-Nonce; with it: 200, and every success hands out the current one', async () => {
    const { server } = app({ dpop: { nonce: { secret } } });
    const token = await boundToken();
    const first = await dpopGet(server, token, [await proof(token)]);
    expect(first.status).toBe(401);
    dpopChallenge(first.headers['www-authenticate'], 'use_dpop_nonce');
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[a-z0-9]+\.[A-Za-z0-9_-]{43}$/);
    const second = await dpopGet(server, token, [await proof(token, { nonce })]);
    expect(second.status).toBe(200);
    expect(second.headers['dpop-nonce']).toBe(nonce);
    // Not single-use: the same nonce serves the next proof too.
    expect((await dpopGet(server, token, [await proof(token, { nonce })])).status).toBe(200);
  });

  it('a nonce from another instance with the same secret is accepted; a forged or foreign one is not', async () => {
    const a = app({ dpop: { nonce: { secret } } });
    const b = app({ dpop: { nonce: { secret } } });
    const c = app({ dpop: { nonce: { secret: `${secret}-other` } } });
    const token = await boundToken();
    const nonce = (await dpopGet(a.server, token, [await proof(token)])).headers['dpop-nonce'] as string;
    expect((await dpopGet(b.server, token, [await proof(token, { nonce })])).status).toBe(200);
    const foreign = await dpopGet(c.server, token, [await proof(token, { nonce })]);
    expect(foreign.status).toBe(401);
    dpopChallenge(foreign.headers['www-authenticate'], 'use_dpop_nonce');
    const forged = `${nonce.split('.')[0]}.${base64url.encode(new Uint8Array(32))}`;
    expect((await dpopGet(a.server, token, [await proof(token, { nonce: forged })])).status).toBe(401);
  });
});

async function privateJwk(k: ClientKey): Promise<JWK> {
  return exportJWK(k.privateKey);
}

/** `alg: none`: an unsigned proof. */
function unsigned(token: string): string {
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.jwk }));
  const payload = base64url.encode(
    JSON.stringify({
      jti: `n-${counter++}`,
      htm: 'GET',
      htu: RESOURCE,
      iat: Math.floor(Date.now() / 1000),
      ath: accessTokenHash(token),
    }),
  );
  return `${header}.${payload}.`;
}

/** A MAC'd proof (with an oct jwk): the specification forbids symmetric algorithms. */
async function hs256(token: string): Promise<string> {
  const secret = new TextEncoder().encode('a-shared-secret-of-32-bytes-long!');
  return new SignJWT({
    jti: `h-${counter++}`,
    htm: 'GET',
    htu: RESOURCE,
    iat: Math.floor(Date.now() / 1000),
    ath: accessTokenHash(token),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: base64url.encode(secret) } as never })
    .sign(secret);
}
