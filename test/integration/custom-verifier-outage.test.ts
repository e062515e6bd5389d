/**
 * A custom verify function built on jose's own remote JWK Set, with the issuer failing the ways
 * real servers do. What escapes the function is an outage, answered like 'jwt' mode's: 503 with
 * `Retry-After` and no challenge, so that clients keep their (good) tokens and retry.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuthEvent, type AuthInfo, MCPAuth } from '../../src/index.js';
import { type EndpointBehavior, TestIssuer } from '../../src/testing/test-issuer.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];

let issuer: TestIssuer;
afterEach(() => issuer?.close());

async function setup(jwksUri?: string) {
  issuer = await TestIssuer.start();
  const events: AuthEvent[] = [];
  const keys = createRemoteJWKSet(new URL(jwksUri ?? issuer.jwksUri), { timeoutDuration: 300 });
  const verify = async (token: string): Promise<AuthInfo> => {
    const { payload } = await jwtVerify(token, keys, { issuer: issuer.issuer, audience: RESOURCE });
    return { token, clientId: String(payload.client_id ?? ''), scopes: [], issuer: payload.iss };
  };
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
    onEvent: (event) => events.push(event),
  });
  const app = protectedApp(express, mcpAuth.bearerAuth(verify));
  const call = async (token?: string) =>
    request(app)
      .get('/mcp')
      .set('Authorization', `Bearer ${token ?? (await issuer.token().audience(RESOURCE).sign())}`);
  return { call, events };
}

function expectOutage(res: request.Response) {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(res.headers['www-authenticate']).toBeUndefined();
  expect(res.body).toMatchObject({ error: 'temporarily_unavailable' });
}

describe('a custom verify function whose key fetch fails', () => {
  it.each<[string, EndpointBehavior]>([
    ['the JWKS request times out (ERR_JWKS_TIMEOUT)', 'hang'],
    ['the JWKS answers 500 (ERR_JOSE_GENERIC)', 'error'],
    ['the JWKS is not JSON (ERR_JOSE_GENERIC)', 'garbage'],
    ['the JWKS is not a JWK Set (ERR_JWKS_INVALID)', 'not-a-jwks'],
  ])('%s: 503 with Retry-After, logged as jwks_unavailable', async (_what, behavior) => {
    const { call, events } = await setup();
    issuer.behavior.jwks = behavior;
    expectOutage(await call());
    expect(events.at(-1)).toMatchObject({ type: 'decision', outcome: 'deny', reason: 'jwks_unavailable', status: 503 });
  });

  it('the JWKS server cannot be reached at all (fetch failed): 503, logged as verifier_unavailable', async () => {
    const { call, events } = await setup('http://127.0.0.1:9/jwks');
    expectOutage(await call());
    expect(events.at(-1)).toMatchObject({ reason: 'verifier_unavailable', status: 503 });
  });

  it('once the keys come back, the same token is accepted; a token jose refuses is still 401', async () => {
    const { call } = await setup();
    const token = await issuer.token().audience(RESOURCE).sign();
    issuer.behavior.jwks = 'error';
    expectOutage(await call(token));
    issuer.behavior.jwks = 'ok';
    expect((await call(token)).status).toBe(200);
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(342)}`;
    const refused = await call(forged);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", /);
  });
});
