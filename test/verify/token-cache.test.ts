/**
 * The verified-token cache: a token seen again skips the signature check, but never the clock,
 * the key set's freshness, or any per-route policy.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { createJwtVerifier } from '../../src/verify/jwt.js';
import { ConfiguredKeySet } from '../../src/verify/keys.js';
import { TokenCache } from '../../src/verify/token-cache.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
});
afterAll(() => issuer.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A verifier over the issuer's configured keys that counts signature checks by what a user can
 * see: a cache hit hands back the very claims object verified before, a check makes a new one.
 */
function countingVerifier(cacheMaxEntries: number) {
  const keys = ConfiguredKeySet.fromJwks(issuer.jwks());
  const verifier = createJwtVerifier({
    issuers: new Map([[issuer.issuer, { keySet: async () => keys, algorithms: ['RS256'] }]]),
    clockTolerance: 0,
    cacheMaxEntries,
  });
  const seen = new Set<object>();
  return {
    verify: async (t: string) => {
      const claims = await verifier.verify(t);
      seen.add(claims);
      return claims;
    },
    checks: () => seen.size,
  };
}

describe('verified-token cache', () => {
  it('a token is cached from its second verification; cache off verifies every time', async () => {
    const token = await issuer.token().sign();
    const cached = countingVerifier(10);
    for (let i = 0; i < 5; i++) await cached.verify(token);
    expect(cached.checks()).toBe(2);
    const uncached = countingVerifier(0);
    for (let i = 0; i < 5; i++) await uncached.verify(token);
    expect(uncached.checks()).toBe(5);
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = new TokenCache<string>(2);
    const later = Date.now() + 60_000;
    cache.set('a', 'A', later);
    cache.set('b', 'B', later);
    cache.set('c', 'C', later);
    expect(cache.size).toBe(2);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'B', 'C']);
    cache.set('d', 'D', Date.now() - 1); // already expired: not stored
    expect(cache.get('d')).toBeUndefined();
  });

  it('a token used once is not cached (the doorkeeper), so one-off tokens never displace others', async () => {
    const { verify, checks } = countingVerifier(1000);
    const once = await Promise.all(Array.from({ length: 20 }, () => issuer.token().sign()));
    for (const t of once) await verify(t);
    expect(checks()).toBe(20);
    const hot = await issuer.token().sign();
    for (let i = 0; i < 5; i++) await verify(hot);
    expect(checks()).toBe(22);
  });

  it('failures are never cached: a token refused as not yet valid is accepted once it is', async () => {
    const { verify } = countingVerifier(10);
    const nbf = Math.floor(Date.now() / 1000) + 1;
    const early = await issuer.token().claim('nbf', nbf).sign();
    for (let i = 0; i < 3; i++) await expect(verify(early)).rejects.toMatchObject({ code: 'token_not_yet_valid' });
    await sleep(nbf * 1000 - Date.now() + 50);
    await expect(verify(early)).resolves.toMatchObject({ nbf });
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
    // A few seconds of life, so that a busy machine still gets the first request in before exp.
    const token = await issuer.token().expiresIn(3).sign();
    const exp = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp as number;
    expect((await request(app).get('/mcp').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 100);
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

  it('req.auth.resource is one URL for every request, and no handler can change it for the next', async () => {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
    });
    const app = express();
    app.use('/mcp', mcpAuth.bearerAuth('jwt'));
    const seen: URL[] = [];
    app.get('/mcp', (req, res) => {
      const resource = req.auth?.resource as URL;
      seen.push(resource);
      const before = resource.href;
      let refused = '';
      try {
        resource.pathname = '/admin';
      } catch (error) {
        refused = (error as Error).name;
      }
      resource.searchParams.set('tenant', 'other');
      const copy = new URL(resource);
      copy.pathname = '/elsewhere';
      res.json({ isURL: resource instanceof URL, before, after: resource.href, refused, copy: copy.href });
    });
    const tokens = [await issuer.token().sign(), await issuer.token().sign()];
    for (const token of [...tokens, tokens[0]]) {
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
      expect(res.body).toEqual({
        isURL: true,
        before: RESOURCE,
        after: RESOURCE,
        refused: 'TypeError',
        copy: 'https://api.example.com/elsewhere',
      });
    }
    expect(new Set(seen).size).toBe(1);
  });
});
