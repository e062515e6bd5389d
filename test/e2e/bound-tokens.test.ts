/**
 * DPoP-bound tokens from a real authorization server (oidc-provider): a client that asked for its
 * token with a DPoP proof (RFC 9449) gets `token_type: DPoP`, a JWT with `cnf.jkt`, or an opaque
 * token whose introspection says DPoP. Sent as `Authorization: Bearer` without the proof (a token
 * stolen from a log or a proxy), it is refused in 'jwt' and 'introspection' mode alike; the same
 * client's unbound tokens still work.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  type GenerateKeyPairResult,
  generateKeyPair,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevAuthServer, startDevAuthServer } from '../../examples/dev-auth-server/auth-server.js';
import { MCPAuth } from '../../src/index.js';
import { accessTokenHash } from '../../src/verify/dpop-proof.js';
import { close } from '../helpers/http.js';

const MACHINE = { clientId: 'machine', clientSecret: 'a-secret-for-the-machine-client' };
const REFUSED =
  /^Bearer error="invalid_token", resource_metadata="[^"]+", error_description="This token is bound to a key: present it with its proof"$/;
let auth: DevAuthServer;
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  auth = await startDevAuthServer({
    resources: {
      [`${origin}/jwt`]: { scopes: ['notes:read'], accessTokenFormat: 'jwt' },
      [`${origin}/opaque`]: { scopes: ['notes:read'], accessTokenFormat: 'opaque' },
    },
    clients: [
      {
        client_id: MACHINE.clientId,
        client_secret: MACHINE.clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
  });
  const app = express();
  for (const [path, mode] of [
    ['/jwt', 'jwt'],
    ['/opaque', 'introspection'],
  ] as const) {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: `${origin}${path}`, authorizationServers: [{ issuer: auth.issuer, type: 'oidc' }] },
      },
    });
    const guard =
      mode === 'jwt'
        ? mcpAuth.bearerAuth('jwt', { requiredScopes: ['notes:read'] })
        : mcpAuth.bearerAuth('introspection', { ...auth.introspectionClient, requiredScopes: ['notes:read'] });
    app.use(path, guard, (req, res) => res.json({ clientId: req.auth?.clientId }));
  }
  server.on('request', app);
});

afterAll(async () => {
  await close(server);
  await auth.close();
});

/** A client_credentials token for `resource`, asked for with a DPoP proof when `dpopKey` is given. */
async function tokenFor(resource: string, dpopKey?: GenerateKeyPairResult) {
  const tokenEndpoint = `${auth.issuer}/token`;
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(`${MACHINE.clientId}:${MACHINE.clientSecret}`).toString('base64')}`,
  };
  if (dpopKey) {
    headers.dpop = await new SignJWT({ htm: 'POST', htu: tokenEndpoint, jti: randomUUID() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(dpopKey.publicKey) })
      .setIssuedAt()
      .sign(dpopKey.privateKey);
  }
  const res = await fetch(tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'notes:read' }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; token_type: string };
}

const get = (path: string, token: string) =>
  fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('DPoP-bound tokens from oidc-provider, presented as bearer tokens', () => {
  it("'jwt': a JWT with cnf.jkt is refused, every time; the unbound JWT is accepted", async () => {
    const key = await generateKeyPair('ES256');
    const bound = await tokenFor(`${origin}/jwt`, key);
    expect(bound.token_type).toBe('DPoP');
    expect(decodeJwt(bound.access_token).cnf).toEqual({
      jkt: await calculateJwkThumbprint(await exportJWK(key.publicKey)),
    });
    for (let i = 0; i < 3; i++) {
      const res = await get('/jwt', bound.access_token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(REFUSED);
    }
    const plain = await tokenFor(`${origin}/jwt`);
    expect(plain.token_type).toBe('Bearer');
    expect((await get('/jwt', plain.access_token)).status).toBe(200);
  });

  it("'introspection': an opaque token introspected as token_type DPoP with cnf is refused; the unbound one is accepted", async () => {
    const bound = await tokenFor(`${origin}/opaque`, await generateKeyPair('ES256'));
    expect(bound.token_type).toBe('DPoP');
    expect(bound.access_token.split('.')).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const res = await get('/opaque', bound.access_token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(REFUSED);
    }
    const plain = await tokenFor(`${origin}/opaque`);
    expect((await get('/opaque', plain.access_token)).status).toBe(200);
  });
});

/** The same token with the DPoP scheme and a fresh proof signed by `key`. */
async function getWithProof(path: string, token: string, key: GenerateKeyPairResult) {
  const proof = await new SignJWT({
    htm: 'GET',
    htu: `${origin}${path}`,
    jti: randomUUID(),
    ath: accessTokenHash(token),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(key.publicKey) })
    .setIssuedAt()
    .sign(key.privateKey);
  return fetch(`${origin}${path}`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
}

describe('the same bound tokens presented with the DPoP scheme and a proof of their key', () => {
  it.each([
    ['jwt', '/jwt'],
    ['introspection (cnf.jkt from the introspection response)', '/opaque'],
  ])("'%s': accepted with a proof by the bound key, refused with another key's", async (_mode, path) => {
    const key = await generateKeyPair('ES256');
    const bound = await tokenFor(`${origin}${path}`, key);
    expect(bound.token_type).toBe('DPoP');
    for (let i = 0; i < 2; i++) expect((await getWithProof(path, bound.access_token, key)).status).toBe(200);
    const stolen = await getWithProof(path, bound.access_token, await generateKeyPair('ES256'));
    expect(stolen.status).toBe(401);
    expect(stolen.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
  });
});
