/**
 * Discovery and JWKS through the middleware, against a real issuer on 127.0.0.1 that we make
 * fail in the ways real servers do.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { type AuthEvent, MCPAuth, type RemoteJwkSetOptions } from '../../src/index.js';
import { type EndpointBehavior, TestIssuer } from '../../src/testing/test-issuer.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';
import { json, startRouteServer } from '../helpers/route-server.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let issuer: TestIssuer;
afterEach(() => issuer?.close());

async function setup(options: { remoteJwkSet?: RemoteJwkSetOptions; resolved?: boolean; path?: string } = {}) {
  issuer = await TestIssuer.start({ path: options.path });
  const entry = options.resolved
    ? { type: 'oauth' as const, metadata: { issuer: issuer.issuer, jwksUri: issuer.jwksUri } }
    : { type: 'oidc' as const, issuer: issuer.issuer };
  const mcpAuth = new MCPAuth({
    protectedResources: { metadata: { resource: RESOURCE, authorizationServers: [entry] } },
  });
  const app = protectedApp(express, mcpAuth.bearerAuth('jwt', { remoteJwkSet: options.remoteJwkSet }));
  const call = async (token?: string) => {
    const token_ = token ?? (await issuer.token().audience(RESOURCE).sign());
    return request(app).get('/mcp').set('Authorization', `Bearer ${token_}`);
  };
  return { app, call };
}

const count = (path: string) => issuer.requests.filter((p) => p === path).length;
const discoveryCount = () => issuer.requests.filter((p) => p.includes('.well-known')).length;

describe('cold start', () => {
  it('20 concurrent first requests make exactly one discovery fetch and one JWKS fetch', async () => {
    const { call } = await setup({ path: '/oidc' });
    const token = await issuer.token().audience(RESOURCE).sign();
    const responses = await Promise.all(Array.from({ length: 20 }, () => call(token)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(discoveryCount()).toBe(1);
    expect(count('/jwks')).toBe(1);
    await call(token);
    expect(issuer.requests.length).toBe(2);
  });

  it('a resolved config makes no discovery fetch', async () => {
    const { call } = await setup({ resolved: true });
    expect((await call()).status).toBe(200);
    expect(issuer.requests).toEqual(['/jwks']);
  });
});

describe('discovery failures', () => {
  it('an unreachable discovery document is 503 with Retry-After, then recovers by itself', async () => {
    const { call } = await setup();
    issuer.behavior.metadata = 'error';
    const down = await call();
    expect(down.status).toBe(503);
    expect(Number(down.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(down.headers['www-authenticate']).toBeUndefined();
    expect(down.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    // Within the retry window the failure is answered without another fetch.
    const fetches = discoveryCount();
    expect((await call()).status).toBe(503);
    expect(discoveryCount()).toBe(fetches);
    issuer.behavior.metadata = 'ok';
    await sleep(1100);
    expect((await call()).status).toBe(200);
  });

  it('a document naming another issuer is a server error, never 200 or 401', async () => {
    const { call } = await setup();
    issuer.metadataOverrides = { issuer: 'https://evil.example' };
    const res = await call();
    expect(res.status).toBe(500);
    expect(res.body.error).toBe('server_error');
  });

  it('metadata without jwks_uri is a server error', async () => {
    const { call } = await setup();
    issuer.metadataOverrides = { jwks_uri: undefined };
    expect((await call()).status).toBe(500);
  });
});

describe('discovery: the configured type is not what the issuer publishes', () => {
  /** An issuer that publishes only `document` (or nothing), with a TestIssuer's keys. */
  async function onlyOne(
    document: 'openid-configuration' | 'oauth-authorization-server' | 'none',
    type: 'oidc' | 'oauth',
  ) {
    issuer = await TestIssuer.start();
    const site = await startRouteServer(
      document === 'none'
        ? {}
        : { [`/.well-known/${document}`]: json((origin: string) => ({ issuer: origin, jwks_uri: issuer.jwksUri })) },
    );
    const events: AuthEvent[] = [];
    const warned: unknown[] = [];
    const mcpAuth = new MCPAuth({
      protectedResources: { metadata: { resource: RESOURCE, authorizationServers: [{ issuer: site.origin, type }] } },
      onEvent: (e) => events.push(e),
      logger: { debug() {}, info() {}, warn: (o) => warned.push(o), error() {} },
    });
    const app = protectedApp(express, mcpAuth.bearerAuth('jwt'));
    const token = await issuer.sign({
      iss: site.origin,
      aud: RESOURCE,
      sub: 'u',
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
    await site.close();
    return { res, events, warned, site };
  }

  it.each([
    ['openid-configuration', 'oauth', 'oidc'],
    ['oauth-authorization-server', 'oidc', 'oauth'],
  ] as const)(
    'only %s published, type %s configured: it is used, and the log says to configure %s',
    async (document, type, fix) => {
      const { res, events, warned } = await onlyOne(document, type);
      expect(res.status).toBe(200);
      const discovery = events.find((e) => e.type === 'discovery');
      expect(discovery).toMatchObject({ outcome: 'ok', warning: expect.stringContaining(`configure type '${fix}'`) });
      expect(warned).toEqual([discovery]);
    },
  );

  it('neither published (every well-known URL 404): 500 naming what was tried, never a 503 outage', async () => {
    const { res, events, site } = await onlyOne('none', 'oidc');
    expect(res.status).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    const decision = events.find((e) => e.type === 'decision');
    expect(decision).toMatchObject({ reason: 'metadata_not_found', status: 500 });
    expect(decision?.type === 'decision' && decision.error).toContain(
      `No discovery document for ${site.origin} (${site.origin}/.well-known/openid-configuration answered HTTP 404; tried`,
    );
  });
});

describe('JWKS outages with no keys yet: 503, never 401', () => {
  it.each<EndpointBehavior>([
    'error',
    'garbage',
    'not-a-jwks',
    'hang',
    'slow',
    'reset',
    'oversized',
    'redirect-elsewhere',
  ])('%s', async (behavior) => {
    const { call } = await setup({ remoteJwkSet: { timeoutDuration: 300 } });
    issuer.behavior.jwks = behavior;
    const res = await call();
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('a stopped server, then recovery within seconds of its return', async () => {
    const { call } = await setup({ resolved: true });
    const token = await issuer.token().audience(RESOURCE).sign();
    await issuer.stop();
    expect((await call(token)).status).toBe(503);
    await issuer.restart();
    await sleep(1100);
    expect((await call(token)).status).toBe(200);
  });
});

describe('key rotation', () => {
  it('a new kid triggers one refresh, shared by concurrent requests, and is then accepted', async () => {
    const { call } = await setup({ remoteJwkSet: { cooldownDuration: 0 } });
    expect((await call()).status).toBe(200);
    expect(count('/jwks')).toBe(1);
    await issuer.rotateKey();
    const rotated = await issuer.token().audience(RESOURCE).sign();
    const responses = await Promise.all(Array.from({ length: 10 }, () => call(rotated)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(count('/jwks')).toBe(2);
  });

  it('an unknown kid after the one refresh is 401', async () => {
    const { call } = await setup({ remoteJwkSet: { cooldownDuration: 0 } });
    const other = await TestIssuer.start();
    try {
      const foreign = await other.sign({ iss: issuer.issuer, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 60 });
      expect((await call()).status).toBe(200);
      const res = await call(foreign);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(count('/jwks')).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('a flood of unknown kids makes at most one fetch per cooldown', async () => {
    const { call } = await setup({ remoteJwkSet: { cooldownDuration: 60_000 } });
    expect((await call()).status).toBe(200);
    const other = await TestIssuer.start();
    try {
      for (let i = 0; i < 5; i++) await other.rotateKey();
      const payload = { iss: issuer.issuer, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 60 };
      const kids = other.jwks().keys.map((k) => k.kid as string);
      const tokens = await Promise.all(kids.map((kid) => other.sign(payload, {}, kid)));
      const responses = await Promise.all(tokens.flatMap((t) => [call(t), call(t)]));
      expect(new Set(responses.map((r) => r.status))).toEqual(new Set([401]));
      // The first fetch was made under a minute ago: the cooldown forbids another.
      expect(count('/jwks')).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('a key removed from the JWKS stops verifying after the refresh', async () => {
    const { call } = await setup({ remoteJwkSet: { cacheMaxAge: 200 } });
    const oldKid = issuer.currentKid;
    const old = await issuer.token().audience(RESOURCE).sign();
    expect((await call(old)).status).toBe(200);
    await issuer.rotateKey();
    issuer.removeKey(oldKid);
    await sleep(300);
    expect((await call(old)).status).toBe(401);
    expect((await call()).status).toBe(200);
  });
});

describe('stale keys', () => {
  it('keep verifying when a refresh after cacheMaxAge fails, while later attempts are made', async () => {
    const { call } = await setup({ remoteJwkSet: { cacheMaxAge: 100, cooldownDuration: 300 } });
    const token = await issuer.token().audience(RESOURCE).sign();
    expect((await call(token)).status).toBe(200);
    issuer.behavior.jwks = 'error';
    await sleep(400);
    expect((await call(token)).status).toBe(200);
    expect(count('/jwks')).toBe(2);
    // Within the cooldown: no new attempt, still verifying.
    expect((await call(token)).status).toBe(200);
    expect(count('/jwks')).toBe(2);
    await sleep(400);
    issuer.behavior.jwks = 'ok';
    expect((await call(token)).status).toBe(200);
    expect(count('/jwks')).toBe(3);
  });

  it('stop verifying after maxStaleDuration without a successful refresh, then recover', async () => {
    const { call } = await setup({ remoteJwkSet: { cacheMaxAge: 100, cooldownDuration: 100, maxStaleDuration: 400 } });
    const token = await issuer.token().audience(RESOURCE).sign();
    expect((await call(token)).status).toBe(200);
    issuer.behavior.jwks = 'error';
    await sleep(250);
    expect((await call(token)).status).toBe(200); // stale, within the bound
    await sleep(400);
    const res = await call(token);
    expect(res.status).toBe(503); // too stale to trust
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    issuer.behavior.jwks = 'ok';
    await sleep(1100);
    expect((await call(token)).status).toBe(200);
  });

  it('an unknown kid while the JWKS is down is 503, not 401', async () => {
    const { call } = await setup({ remoteJwkSet: { cooldownDuration: 0 } });
    expect((await call()).status).toBe(200);
    await issuer.rotateKey();
    const rotated = await issuer.token().audience(RESOURCE).sign();
    issuer.behavior.jwks = 'error';
    const res = await call(rotated);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
  });
});
