/**
 * Hostile input, each ending in the contract's 400 or 401: never accepted, never a 500, never a
 * crash, never an unhandled rejection, and never a request to a URL a token names.
 */

import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { base64url, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const RESOURCE = 'https://api.example.com/mcp';
let rsa: TestIssuer;
let ec: TestIssuer;
let evil: TestIssuer;
let server: Server;
let base: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  rsa = await createTestIssuer({ alg: 'RS256', audience: RESOURCE });
  ec = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  evil = await createTestIssuer({ audience: RESOURCE });
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: RESOURCE,
        authorizationServers: [
          { issuer: rsa.issuer, type: 'oidc' },
          { issuer: ec.issuer, type: 'oidc' },
        ],
      },
    },
  });
  const app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { remoteJwkSet: { cooldownDuration: 0 } }));
  app.get('/mcp', (_req, res) => res.json({ ok: true }));
  // Large enough for a 100 KB token: Node's default (16 KB) would answer 431 before we see it.
  server = createServer({ maxHeaderSize: 256 * 1024 }, app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  // Keys fetched once, so that counting requests below measures only what tokens cause.
  await fetch(base, { headers: { authorization: `Bearer ${await rsa.token().sign()}` } });
  await fetch(base, { headers: { authorization: `Bearer ${await ec.token().sign()}` } });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await Promise.all([rsa.close(), ec.close(), evil.close()]);
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const call = async (token: string) => {
  const res = await fetch(base, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '', body: await res.text() };
};
const raw = (header: object, payload: object, signature = 'c2ln') =>
  `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${signature}`;
/** jose will not sign a header with `crit` it does not know: sign such tokens by hand (tests only). */
const { privateKey: rawKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signRaw = (header: object, payload: object) => {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  return `${input}.${base64url.encode(sign('sha256', Buffer.from(input), rawKey))}`;
};
const claims = (extra: object = {}) => ({ iss: rsa.issuer, aud: RESOURCE, sub: 'u', exp: now() + 60, ...extra });

describe('hostile tokens', () => {
  const cases: [string, () => Promise<string> | string][] = [
    ['alg none, empty signature', () => raw({ alg: 'none' }, claims(), '')],
    ['alg None (case)', () => raw({ alg: 'None' }, claims(), '')],
    ['alg missing', () => raw({ typ: 'JWT' }, claims())],
    ['alg as a number', () => raw({ alg: 256 }, claims())],
    [
      'duplicate alg keys, none last',
      () => `${base64url.encode('{"alg":"RS256","alg":"none"}')}.${base64url.encode(JSON.stringify(claims()))}.`,
    ],
    [
      'HS256 signed with the RSA public JWK',
      async () =>
        new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid: rsa.currentKid })
          .sign(new TextEncoder().encode(JSON.stringify(rsa.jwks().keys[0]))),
    ],
    [
      'PS256 with a key published for RS256',
      async () => {
        const { privateKey } = await generateKeyPair('PS256');
        return new SignJWT(claims()).setProtectedHeader({ alg: 'PS256', kid: rsa.currentKid }).sign(privateKey);
      },
    ],
    [
      'ES384 against a P-256 key',
      async () => {
        const { privateKey } = await generateKeyPair('ES384');
        return new SignJWT(claims({ iss: ec.issuer }))
          .setProtectedHeader({ alg: 'ES384', kid: ec.currentKid })
          .sign(privateKey);
      },
    ],
    ['RS256 claiming the EC issuer', () => rsa.sign(claims({ iss: ec.issuer }))],
    ['kid path traversal', () => rsa.sign(claims(), { kid: '../../../../etc/passwd' }, rsa.currentKid)],
    ['kid as a URL', () => rsa.sign(claims(), { kid: `${evil.jwksUri}?k=1` })],
    ['kid 10 KB long', () => rsa.sign(claims(), { kid: 'k'.repeat(10_000) })],
    [
      'crit with an unknown extension',
      () => signRaw({ alg: 'RS256', kid: rsa.currentKid, crit: ['urn:x'], 'urn:x': true }, claims()),
    ],
    ['crit naming exp', () => signRaw({ alg: 'RS256', kid: rsa.currentKid, crit: ['exp'], exp: 1 }, claims())],
    [
      'a nested JWT as the payload',
      async () => {
        const inner = await rsa.token().sign();
        const header = base64url.encode(JSON.stringify({ alg: 'RS256', kid: rsa.currentKid, cty: 'JWT' }));
        return `${header}.${base64url.encode(inner)}.${(await rsa.token().sign()).split('.')[2]}`;
      },
    ],
    ['JWE (five parts)', () => 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d'],
    ['four parts', () => 'a.b.c.d'],
    ['exp negative', () => rsa.sign(claims({ exp: -1 }))],
    ['exp 1e308', () => rsa.sign(claims({ exp: 1e308 }))],
    ['exp as a string', () => rsa.sign(claims({ exp: `${now() + 60}` }))],
    ['exp as an object', () => rsa.sign(claims({ exp: { $gt: 0 } }))],
    ['nbf past 9999', () => rsa.sign(claims({ nbf: 253402300800 }))],
    ['nbf in the future', () => rsa.sign(claims({ nbf: now() + 3600 }))],
    ['iat as a string', () => rsa.sign(claims({ iat: 'yesterday' }))],
    ['iat past 9999', () => rsa.sign(claims({ iat: 1e15 }))],
    ['aud array of non-strings', () => rsa.sign(claims({ aud: [1, null, { a: RESOURCE }] }))],
    ['aud a prefix of the resource', () => rsa.sign(claims({ aud: 'https://api.example.com/mc' }))],
    ['aud the resource with a query', () => rsa.sign(claims({ aud: `${RESOURCE}?x=1` }))],
    ['iss with a trailing slash', () => rsa.sign(claims({ iss: `${rsa.issuer}/` }))],
    ['a header of 50 KB', () => rsa.sign(claims({ iss: 'nope' }), { junk: 'x'.repeat(50_000) })],
    ['a 100 KB token', () => rsa.sign(claims({ padding: 'p'.repeat(75_000), aud: 'https://elsewhere.example' }))],
    [
      'payload that is not JSON',
      () => `${base64url.encode(JSON.stringify({ alg: 'RS256' }))}.${base64url.encode('not json')}.c2ln`,
    ],
    [
      'payload a JSON array',
      () => `${base64url.encode(JSON.stringify({ alg: 'RS256' }))}.${base64url.encode('[1,2]')}.c2ln`,
    ],
  ];

  it.each(cases)('%s', async (_what, make) => {
    const before = evil.requests.length;
    const res = await call(await make());
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(
      /^Bearer error="invalid_token", resource_metadata="[^"]+", error_description="[^"]*"$/,
    );
    expect(evil.requests.length).toBe(before);
  });

  it('a negative iat is a date like any other (the contract bounds dates above)', async () => {
    expect((await call(await rsa.sign(claims({ iat: -1 })))).status).toBe(200);
  });

  it('jku, x5u and jwk headers pointing at another server: never fetched, never used', async () => {
    const forged = await evil.sign(claims(), {
      jku: evil.jwksUri,
      x5u: `${evil.origin}/cert`,
      jwk: evil.jwks().keys[0],
    });
    const before = evil.requests.length;
    expect((await call(forged)).status).toBe(401);
    expect(evil.requests.length).toBe(before);
  });
});

describe('hostile headers', () => {
  /** Sends raw bytes, so that what a client library would refuse to send still arrives. */
  function rawHttp(authorization: Buffer): Promise<string> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          Buffer.concat([
            Buffer.from('GET /mcp HTTP/1.1\r\nHost: x\r\nAuthorization: '),
            authorization,
            Buffer.from('\r\nConnection: close\r\n\r\n'),
          ]),
        );
      });
      let data = '';
      socket.on('data', (d) => {
        data += d.toString('latin1');
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
  }

  it('non-ASCII bytes in the token: 400 invalid_request', async () => {
    const response = await rawHttp(Buffer.from([...Buffer.from('Bearer abc'), 0xe9, 0xff]));
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect(response).toContain('error="invalid_request"');
  });

  it('control characters and bare CR: refused before or by the middleware, never a 500', async () => {
    for (const bytes of [[0x01], [0x7f], [0x0d, 0x41]]) {
      const response = await rawHttp(Buffer.from([...Buffer.from('Bearer ab'), ...bytes, ...Buffer.from('cd')]));
      expect(response).toMatch(/^HTTP\/1\.1 400/);
    }
  });

  it('a header injection attempt through the token cannot add a header', async () => {
    const response = await rawHttp(Buffer.from('Bearer abc\r\nX-Injected: yes'));
    // The injected line is a header of the request, not of the response, and the token is "abc".
    expect(response).toMatch(/^HTTP\/1\.1 401/);
    expect(response.toLowerCase()).not.toContain('x-injected');
  });

  it('two Authorization headers, one of them valid: 400', async () => {
    const { port } = server.address() as AddressInfo;
    const good = await rsa.token().sign();
    const response = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          `GET /mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${good}\r\nauthorization: Basic eDp5\r\nConnection: close\r\n\r\n`,
        ),
      );
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('end', () => resolve(data));
    });
    expect(response).toMatch(/^HTTP\/1\.1 400/);
  });
});
