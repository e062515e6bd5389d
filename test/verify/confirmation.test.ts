/**
 * Sender-constrained tokens (RFC 7800 `cnf`: DPoP's `jkt`, mTLS's `x5t#S256`; introspection's
 * `token_type: DPoP`) presented as plain bearer tokens: refused 401 in every mode, on the first
 * request and on every later one (the verified-token cache must not turn them into a 200).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthInfo, MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';
import { json, startRouteServer } from '../helpers/route-server.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
const REFUSED =
  /^Bearer error="invalid_token", resource_metadata="[^"]+", error_description="This token is bound to a key: present it with its proof"$/;
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
let issuer: TestIssuer;
let introspection: Awaited<ReturnType<typeof startRouteServer>>;
const now = () => Math.floor(Date.now() / 1000);

/** What the fake introspection endpoint answers: active, for this resource, plus `extra`. */
let introspected: Record<string, unknown> = {};

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
  introspection = await startRouteServer({
    '/introspect': json(() => ({
      active: true,
      iss: issuer.issuer,
      aud: RESOURCE,
      sub: 'u',
      client_id: 'c',
      scope: 'read',
      exp: now() + 300,
      ...introspected,
    })),
  });
});
afterAll(async () => {
  await issuer.close();
  await introspection.close();
});

const mcpAuth = () =>
  new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
  });
const call = (app: ReturnType<typeof protectedApp>, token: string) =>
  request(app).get('/mcp').set('Authorization', `Bearer ${token}`);

async function expectRefusedEveryTime(app: ReturnType<typeof protectedApp>, token: string) {
  for (let i = 0; i < 3; i++) {
    const res = await call(app, token);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(REFUSED);
    expect(res.body).toEqual({
      error: 'invalid_token',
      error_description: 'This token is bound to a key: present it with its proof',
    });
  }
}

describe("bearerAuth('jwt')", () => {
  let app: ReturnType<typeof protectedApp>;
  beforeAll(() => {
    app = protectedApp(express, mcpAuth().bearerAuth('jwt'));
  });

  it.each([
    ['cnf.jkt (DPoP, RFC 9449)', { jkt: JKT }],
    ['cnf["x5t#S256"] (mTLS, RFC 8705)', { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' }],
    ['cnf.jwk (RFC 7800)', { jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } }],
    ['cnf with a method we do not know', { 'urn:example:method': 'v' }],
    ['cnf that is not even an object', 'bound'],
  ])('%s: 401, every time', async (_what, cnf) => {
    await expectRefusedEveryTime(app, await issuer.token().claim('cnf', cnf).sign());
  });

  it('the same token without cnf is accepted (and stays so once cached)', async () => {
    const token = await issuer.token().sign();
    for (let i = 0; i < 3; i++) expect((await call(app, token)).status).toBe(200);
  });
});

describe("bearerAuth('introspection')", () => {
  const app = () =>
    protectedApp(
      express,
      mcpAuth().bearerAuth('introspection', {
        clientId: 'rs',
        clientSecret: 'secret',
        endpoint: `${introspection.origin}/introspect`,
      }),
    );

  it.each([
    ['token_type DPoP', { token_type: 'DPoP' }],
    ['token_type dpop (case-insensitive)', { token_type: 'dpop' }],
    ['a cnf member', { token_type: 'Bearer', cnf: { jkt: JKT } }],
    ['cnf x5t#S256', { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }],
  ])('%s: 401, every time (also from the cache)', async (_what, extra) => {
    introspected = extra;
    await expectRefusedEveryTime(app(), `opaque-${Math.random()}`);
  });

  it('token_type Bearer without cnf is accepted', async () => {
    introspected = { token_type: 'Bearer' };
    expect((await call(app(), 'opaque-bearer')).status).toBe(200);
  });
});

describe('a custom verify function', () => {
  const verifyWith =
    (claims: Record<string, unknown> | undefined) =>
    (token: string): AuthInfo => ({ token, clientId: 'c', scopes: [], claims });

  it.each([
    ['claims.cnf', { cnf: { jkt: JKT } }],
    ['claims.token_type DPoP', { token_type: 'DPoP' }],
  ])('that reports a binding (%s): 401', async (_what, claims) => {
    await expectRefusedEveryTime(protectedApp(express, mcpAuth().bearerAuth(verifyWith(claims))), 'any-token');
  });

  it('that reports none: 200', async () => {
    for (const claims of [undefined, { sub: 'u' }, { cnf: undefined }]) {
      expect((await call(protectedApp(express, mcpAuth().bearerAuth(verifyWith(claims))), 'any')).status).toBe(200);
    }
  });
});
