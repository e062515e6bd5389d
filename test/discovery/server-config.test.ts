import { afterEach, describe, expect, it } from 'vitest';
import { fetchServerConfig, fetchServerConfigByWellKnownUrl, MCPAuthAuthServerError } from '../../src/index.js';
import { json, type Route, startRouteServer } from '../helpers/route-server.js';

type Server = Awaited<ReturnType<typeof startRouteServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const doc = (issuer: string) => ({ issuer, jwks_uri: `${issuer}/jwks`, code_challenge_methods_supported: ['S256'] });

async function rejection(promise: Promise<unknown>): Promise<MCPAuthAuthServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MCPAuthAuthServerError);
  return error as MCPAuthAuthServerError;
}

describe('fetchServerConfig', () => {
  it('oidc: {issuer}/.well-known/openid-configuration, camelCase metadata', async () => {
    server = await startRouteServer({ '/.well-known/openid-configuration': json((o: string) => doc(o)) });
    const config = await fetchServerConfig(server.origin, { type: 'oidc' });
    expect(config).toEqual({
      type: 'oidc',
      metadata: { issuer: server.origin, jwksUri: `${server.origin}/jwks`, codeChallengeMethodsSupported: ['S256'] },
    });
    expect(server.requests).toEqual(['/.well-known/openid-configuration']);
  });

  it('oidc with a path: appended first, then the path-inserted form', async () => {
    server = await startRouteServer({
      '/.well-known/openid-configuration/tenant': json((o: string) => doc(`${o}/tenant`)),
    });
    const config = await fetchServerConfig(`${server.origin}/tenant`, { type: 'oidc' });
    expect(config.metadata.issuer).toBe(`${server.origin}/tenant`);
    expect(server.requests).toEqual([
      '/tenant/.well-known/openid-configuration',
      '/.well-known/openid-configuration/tenant',
    ]);
  });

  it('oidc: a web page at the appended URL (an SPA catch-all) falls back to the path-inserted form', async () => {
    server = await startRouteServer({
      '/tenant/.well-known/openid-configuration': (_q, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>app</html>'),
      '/.well-known/openid-configuration/tenant': json((o: string) => doc(`${o}/tenant`)),
    });
    const config = await fetchServerConfig(`${server.origin}/tenant`, { type: 'oidc' });
    expect(config.metadata.issuer).toBe(`${server.origin}/tenant`);
  });

  it('oauth: a terminating slash is removed before path insertion', async () => {
    server = await startRouteServer({
      '/.well-known/oauth-authorization-server/tenant': json((o: string) => doc(`${o}/tenant/`)),
    });
    const config = await fetchServerConfig(`${server.origin}/tenant/`, { type: 'oauth' });
    expect(config.metadata.issuer).toBe(`${server.origin}/tenant/`);
    expect(server.requests).toEqual(['/.well-known/oauth-authorization-server/tenant']);
  });

  it('oauth: RFC 8414 path insertion', async () => {
    server = await startRouteServer({
      '/.well-known/oauth-authorization-server/tenant': json((o: string) => doc(`${o}/tenant`)),
    });
    const config = await fetchServerConfig(`${server.origin}/tenant`, { type: 'oauth' });
    expect(config.type).toBe('oauth');
    expect(server.requests).toEqual(['/.well-known/oauth-authorization-server/tenant']);
  });

  it('refuses a document that names another issuer (mix-up defence)', async () => {
    server = await startRouteServer({ '/.well-known/openid-configuration': json(doc('https://evil.example')) });
    const error = await rejection(fetchServerConfig(server.origin, { type: 'oidc' }));
    expect(error.code).toBe('invalid_server_metadata');
    expect(error.message).toContain('https://evil.example');
  });

  it('transpileData rewrites the raw document before validation', async () => {
    server = await startRouteServer({
      '/.well-known/openid-configuration': json({ issuer: 'https://{tenant}.example', jwks_uri: 'x' }),
    });
    const origin = server.origin;
    const config = await fetchServerConfig(origin, {
      type: 'oidc',
      transpileData: (d) => ({ ...d, issuer: origin, jwks_uri: `${origin}/keys` }),
    });
    expect(config.metadata.jwksUri).toBe(`${origin}/keys`);
  });

  it.each([
    ['a 500', json({ oops: true }, 500), 'metadata_unavailable'],
    ['a body that is not JSON', ((_q, res) => res.writeHead(200).end('<html>')) as Route, 'metadata_unavailable'],
    ['a JSON array', json([1, 2]), 'invalid_server_metadata'],
    ['a document without issuer', json({ jwks_uri: 'https://a.example/jwks' }), 'invalid_server_metadata'],
    [
      'an http jwks_uri on a public host',
      json((o: string) => ({ issuer: o, jwks_uri: 'http://evil.example/jwks' })),
      'invalid_server_metadata',
    ],
    [
      'a redirect to another origin',
      ((_q, res) =>
        res.writeHead(302, { location: 'https://evil.example/.well-known/openid-configuration' }).end()) as Route,
      'metadata_unavailable',
    ],
  ] as [string, Route, string][])('fails cleanly on %s', async (_what, route, code) => {
    server = await startRouteServer({ '/.well-known/openid-configuration': route });
    expect((await rejection(fetchServerConfig(server.origin, { type: 'oidc' }))).code).toBe(code);
  });

  it('follows a same-origin redirect', async () => {
    server = await startRouteServer({
      '/.well-known/openid-configuration': (_q, res) => res.writeHead(301, { location: '/real' }).end(),
      '/real': json((o: string) => doc(o)),
    });
    expect((await fetchServerConfig(server.origin, { type: 'oidc' })).metadata.issuer).toBe(server.origin);
  });

  it('times out a server that never answers', async () => {
    server = await startRouteServer({ '/.well-known/openid-configuration': () => {} });
    const started = Date.now();
    const error = await rejection(fetchServerConfig(server.origin, { type: 'oidc', timeoutMs: 200 }));
    expect(error.code).toBe('metadata_unavailable');
    expect(error.message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses an oversized document', async () => {
    server = await startRouteServer({
      '/.well-known/openid-configuration': json((o: string) => ({ ...doc(o), padding: 'x'.repeat(2 * 1024 * 1024) })),
    });
    expect((await rejection(fetchServerConfig(server.origin, { type: 'oidc' }))).message).toMatch(/larger than/);
  });

  it('a refused connection is metadata_unavailable', async () => {
    server = await startRouteServer();
    const origin = server.origin;
    await server.close();
    server = undefined;
    expect((await rejection(fetchServerConfig(origin, { type: 'oidc' }))).code).toBe('metadata_unavailable');
  });
});

describe('fetchServerConfigByWellKnownUrl', () => {
  it('fetches the given URL and checks the issuer it was built from', async () => {
    server = await startRouteServer({ '/t/.well-known/openid-configuration': json((o: string) => doc(`${o}/t/`)) });
    // Issuer with a trailing slash (Auth0 style): the URL only tells the issuer up to that slash.
    const config = await fetchServerConfigByWellKnownUrl(`${server.origin}/t/.well-known/openid-configuration`, {
      type: 'oidc',
    });
    expect(config.metadata.issuer).toBe(`${server.origin}/t/`);
    expect(server.requests).toEqual(['/t/.well-known/openid-configuration']);
  });

  it('refuses a document for another issuer', async () => {
    server = await startRouteServer({
      '/.well-known/oauth-authorization-server/a': json((o: string) => doc(`${o}/b`)),
    });
    const error = await rejection(
      fetchServerConfigByWellKnownUrl(`${server.origin}/.well-known/oauth-authorization-server/a`, { type: 'oauth' }),
    );
    expect(error.code).toBe('invalid_server_metadata');
  });

  it('a URL of no standard shape is taken as the user says', async () => {
    server = await startRouteServer({ '/custom/metadata.json': json((o: string) => doc(o)) });
    const config = await fetchServerConfigByWellKnownUrl(`${server.origin}/custom/metadata.json`, { type: 'oauth' });
    expect(config.metadata.issuer).toBe(server.origin);
  });
});
