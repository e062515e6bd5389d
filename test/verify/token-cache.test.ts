/**
 * The verified-token cache: a token seen again skips the signature check, but never the clock,
 * the key set's freshness, or any per-route policy.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { createJwtVerifier } from '../../src/verify/jwt.js';
import { ConfiguredKeySet, type KeySet } from '../../src/verify/keys.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
});
afterAll(() => issuer.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A configured key set that counts how often a key is looked up (once per signature check). */
function countingVerifier(cacheMaxEntries: number) {
  const keys = ConfiguredKeySet.fromJwks(issuer.jwks());
  let lookups = 0;
  const getKey = keys.currentIfFresh();
  const countingGetKey = ((...args: unknown[]) => {
    lookups++;
    return (getKey as (...a: unknown[]) => unknown)(...args);
  }) as never;
  const counting: KeySet = Object.assign(Object.create(keys) as KeySet, {
    current: async () => countingGetKey,
    currentIfFresh: () => countingGetKey,
  });
  const verifier = createJwtVerifier({
    issuers: new Map([[issuer.issuer, { keySet: async () => counting, algorithms: ['RS256'] }]]),
    clockTolerance: 0,
    cacheMaxEntries,
  });
  return { verify: (t: string) => verifier.verify(t), lookups: () => lookups };
}

describe('verified-token cache', () => {
  it('a token seen again is not verified again; cache off verifies every time', async () => {
    const token = await issuer.token().sign();
    const cached = countingVerifier(10);
    for (let i = 0; i < 5; i++) await cached.verify(token);
    expect(cached.lookups()).toBe(1);
    const uncached = countingVerifier(0);
    for (let i = 0; i < 5; i++) await uncached.verify(token);
    expect(uncached.lookups()).toBe(5);
  });

  it('is bounded: the oldest entry goes first', async () => {
    const { verify, lookups } = countingVerifier(2);
    const [a, b, c] = await Promise.all([issuer.token().sign(), issuer.token().sign(), issuer.token().sign()]);
    for (const t of [a, b, a, b]) await verify(t as string);
    expect(lookups()).toBe(2);
    await verify(c as string); // evicts a
    await verify(b as string);
    expect(lookups()).toBe(3);
    await verify(a as string);
    expect(lookups()).toBe(4);
  });

  it('failures are never cached', async () => {
    const { verify, lookups } = countingVerifier(10);
    const bad = await issuer.badlySignedToken();
    for (let i = 0; i < 3; i++) await expect(verify(bad)).rejects.toThrow();
    expect(lookups()).toBe(3);
  });

  it('exp is checked on every hit', async () => {
    const app = protectedApp(
      express,
      new MCPAuth({
        protectedResources: {
          metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
        },
      }).bearerAuth('jwt', { clockTolerance: 0 }),
    );
    const token = await issuer.token().expiresIn(1).sign();
    expect((await request(app).get('/mcp').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await sleep(1100);
    const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('expired');
  });

  it('per-route policies are checked on every hit, and cached claims cannot be changed', async () => {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
    });
    const reader = mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] });
    const app = express();
    app.use('/mcp', reader);
    app.get('/mcp', (req, res) => {
      let mutated = true;
      try {
        (req.auth?.claims as Record<string, unknown>).scope = 'admin';
      } catch {
        mutated = false;
      }
      res.json({ mutated, scopes: req.auth?.scopes });
    });
    const token = await issuer.token().scopes('read').sign();
    for (let i = 0; i < 2; i++) {
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
      expect(res.body).toEqual({ mutated: false, scopes: ['read'] });
    }
    const writer = protectedApp(express, mcpAuth.bearerAuth('jwt', { requiredScopes: ['write'] }));
    expect((await request(writer).get('/mcp').set('Authorization', `Bearer ${token}`)).status).toBe(403);
  });
});
