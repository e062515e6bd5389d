/**
 * The verified-token cache (a speed-up: src/verify/verified-token-cache.ts): a token seen again
 * gets its verdict without a signature check, from its second verification on, within its window
 * and while its keys are current. Deleted with the module; what must hold without it is tested in
 * test/integration/repeated-token.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthRequest } from '../../src/core/request.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { AccessTokenVerifier } from '../../src/verify/access-token.js';
import { createJwtFormat } from '../../src/verify/jwt.js';
import { ConfiguredKeySet } from '../../src/verify/keys.js';
import { speedUps } from '../../src/verify/speed-ups.js';
import { VerifiedTokenCache } from '../../src/verify/verified-token-cache.js';

const RESOURCE = 'https://api.example.com/mcp';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
});
afterAll(() => issuer.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const request = createAuthRequest({
  authorization: undefined,
  dpop: undefined,
  method: 'GET',
  target: '/mcp',
  resource: RESOURCE,
});

/**
 * A verifier over the issuer's configured keys that counts signature checks by what a user can
 * see: a reused verdict hands back the very claims object verified before, a check makes a new one.
 */
function countingVerifier(cacheMaxEntries: number) {
  const keys = ConfiguredKeySet.fromJwks(issuer.jwks());
  const format = createJwtFormat({
    issuers: new Map([[issuer.issuer, { keySet: async () => keys, algorithms: ['RS256'] }]]),
    clockTolerance: 0,
  });
  const verifier = new AccessTokenVerifier(
    format,
    {
      resource: RESOURCE,
      resourceMetadataUrl: 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
      impliedScopes: undefined,
      issuers: new Set([issuer.issuer]),
      audiences: [RESOURCE],
      requiredScopes: [],
      anyScopes: [],
      claimCheckError: 'insufficient_scope',
      clockTolerance: 0,
      cacheMaxEntries,
      dpop: undefined,
    },
    { verifiedTokenCache: speedUps.verifiedTokenCache },
  );
  const seen = new Set<object>();
  return {
    verify: async (t: string) => {
      const claims = (await verifier.verify({ scheme: 'Bearer', token: t }, request)).claims as object;
      seen.add(claims);
      return claims;
    },
    checks: () => seen.size,
  };
}

const reuse = (until = Date.now() + 60_000, isCurrent?: () => boolean) => ({ from: 0, until, isCurrent });

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
    // Far enough ahead that a loaded machine still refuses it three times before it is valid.
    const nbf = Math.floor(Date.now() / 1000) + 3;
    const early = await issuer.token().claim('nbf', nbf).sign();
    for (let i = 0; i < 3; i++) await expect(verify(early)).rejects.toMatchObject({ code: 'token_not_yet_valid' });
    await sleep(nbf * 1000 - Date.now() + 50);
    await expect(verify(early)).resolves.toMatchObject({ nbf });
  });

  it('answers only for the very token, within its window, while what verified it is current', () => {
    const cache = new VerifiedTokenCache<string>(10);
    const now = Date.now();
    let current = true;
    for (let i = 0; i < 2; i++)
      cache.offer(
        'h.p.sig',
        'verdict',
        reuse(now + 1000, () => current),
        now,
      );
    expect(cache.get('h.p.sig', now)).toBe('verdict');
    // Same signature, another token: never the other's verdict.
    expect(cache.get('x.y.sig', now)).toBeUndefined();
    expect(cache.get('h.p.sig', now + 1000)).toBeUndefined();
    cache.offer(
      'h.p.sig',
      'verdict',
      reuse(now + 1000, () => current),
      now,
    );
    current = false;
    expect(cache.get('h.p.sig', now)).toBeUndefined();
    cache.offer('a.b.early', 'early', { from: now + 500, until: now + 1000 }, now);
    cache.offer('a.b.early', 'early', { from: now + 500, until: now + 1000 }, now);
    expect([cache.get('a.b.early', now), cache.get('a.b.early', now + 600)]).toEqual([undefined, 'early']);
  });

  it('is bounded, and tokens too long to be worth holding are never kept', () => {
    const cache = new VerifiedTokenCache<string>(2);
    const now = Date.now();
    for (const t of ['a.a.1', 'a.a.1', 'b.b.2', 'b.b.2', 'c.c.3', 'c.c.3']) cache.offer(t, t, reuse(), now);
    expect(cache.size).toBe(2);
    const long = `h.p.${'x'.repeat(9000)}`;
    const large = new VerifiedTokenCache<string>(10);
    for (let i = 0; i < 3; i++) large.offer(long, 'v', reuse(), now);
    expect(large.get(long, now)).toBeUndefined();
  });
});
