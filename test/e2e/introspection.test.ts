/**
 * Opaque access tokens from a real authorization server (oidc-provider), checked by RFC 7662
 * introspection: the official MCP SDK client gets the token, bearerAuth('introspection') asks.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevAuthServer, startDevAuthServer } from '../../examples/dev-auth-server/auth-server.js';
import { connectWithOAuth, HeadlessOAuthClientProvider } from '../../examples/dev-auth-server/headless-client.js';
import { handleMcpRequest } from '../../examples/whoami/app.js';
import { type BearerAuthIntrospectionOptions, type Logger, MCPAuth } from '../../src/index.js';
import { close } from '../helpers/http.js';
import { json, startRouteServer } from '../helpers/route-server.js';

let auth: DevAuthServer;
let server: Server;
let origin: string;
let resource: string;
let token: string;
const introspections: string[] = [];
const POST_CLIENT = { clientId: 'rs-post', clientSecret: 'a-secret-for-client-secret-post' };

const notesAuth = (logger?: Logger) =>
  new MCPAuth({
    logger,
    protectedResources: {
      metadata: {
        resource,
        authorizationServers: [{ issuer: auth.issuer, type: 'oidc' }],
        scopesSupported: ['notes:read', 'notes:write'],
      },
    },
  });

/** Mounts a protected whoami server at /<path>/mcp with the given introspection options. */
let routes: express.Router;
function route(path: string, options: Partial<BearerAuthIntrospectionOptions>, logger?: Logger) {
  const mcpAuth = notesAuth(logger);
  routes.use(
    `/${path}`,
    mcpAuth.bearerAuth('introspection', { ...auth.introspectionClient, requiredScopes: ['notes:read'], ...options }),
    (req, res) =>
      res.json({
        subject: req.auth?.subject,
        clientId: req.auth?.clientId,
        scopes: req.auth?.scopes,
        issuer: req.auth?.issuer,
      }),
  );
  return `${origin}/${path}`;
}

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  resource = `${origin}/mcp`;
  auth = await startDevAuthServer({
    resources: {
      [resource]: { scopes: ['notes:read', 'notes:write'], accessTokenFormat: 'opaque' },
      [`${origin}/other`]: { scopes: ['notes:read'], accessTokenFormat: 'opaque' },
    },
    clients: [
      {
        client_id: POST_CLIENT.clientId,
        client_secret: POST_CLIENT.clientSecret,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
  });
  const mcpAuth = notesAuth();
  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.use('/mcp', mcpAuth.bearerAuth('introspection', { ...auth.introspectionClient, requiredScopes: ['notes:read'] }));
  app.post('/mcp', express.json(), handleMcpRequest);
  // A counting pass-through to the real introspection endpoint, to see what reaches the network.
  app.post('/count-introspection', express.raw({ type: '*/*' }), async (req, res) => {
    introspections.push(String(req.body));
    const upstream = await fetch(auth.introspectionEndpoint, {
      method: 'POST',
      headers: {
        'content-type': String(req.headers['content-type']),
        authorization: String(req.headers.authorization ?? ''),
      },
      body: req.body,
    });
    res
      .status(upstream.status)
      .type('application/json')
      .send(await upstream.text());
  });
  routes = express.Router();
  app.use(routes);
  server.on('request', app);
});

afterAll(async () => {
  await close(server);
  await auth.close();
});

const get = (url: string, t = token) => fetch(url, { headers: { authorization: `Bearer ${t}` } });

describe("bearerAuth('introspection') against oidc-provider", () => {
  it('the SDK client authorizes with an opaque token and whoami sees the introspected caller', async () => {
    const provider = new HeadlessOAuthClientProvider();
    const client = await connectWithOAuth(new URL(resource), provider);
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    token = provider.tokens()?.access_token ?? '';
    expect(token.split('.')).toHaveLength(1); // opaque, not a JWT
    expect(result.structuredContent).toMatchObject({
      authenticated: true,
      subject: 'demo-user',
      clientId: provider.clientInformation()?.client_id,
      scopes: ['notes:read'],
      issuer: auth.issuer,
      audience: [resource],
      resource,
    });
  });

  it('caches active results: five calls, one introspection; cache.ttl 0 asks every time', async () => {
    const cached = route('cached', { endpoint: `${origin}/count-introspection` });
    const uncached = route('uncached', { endpoint: `${origin}/count-introspection`, cache: { ttl: 0 } });
    introspections.length = 0;
    for (let i = 0; i < 5; i++) expect((await get(cached)).status).toBe(200);
    expect(introspections).toHaveLength(1);
    expect(introspections[0]).toContain('token_type_hint=access_token');
    for (let i = 0; i < 5; i++) expect((await get(uncached)).status).toBe(200);
    expect(introspections).toHaveLength(6);
  });

  it('concurrent requests for one token share one introspection', async () => {
    const shared = route('shared', { endpoint: `${origin}/count-introspection` });
    introspections.length = 0;
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await get(shared)).status));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(introspections).toHaveLength(1);
  });

  it('client_secret_post authenticates in the body', async () => {
    const post = route('post', {
      ...POST_CLIENT,
      authMethod: 'client_secret_post',
      endpoint: `${origin}/count-introspection`,
    });
    introspections.length = 0;
    expect((await get(post)).status).toBe(200);
    expect(introspections[0]).toContain(`client_id=${POST_CLIENT.clientId}`);
  });

  it('an unknown token is active: false -> 401 invalid_token', async () => {
    const res = await get(resource, 'not-a-token-this-server-issued');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", .*error_description="The token is not active"$/,
    );
  });

  it('a revoked token stops working (with the cache off)', async () => {
    const provider = new HeadlessOAuthClientProvider();
    const client = await connectWithOAuth(new URL(resource), provider);
    await client.close();
    const revocable = provider.tokens()?.access_token ?? '';
    const live = route('live', { cache: { ttl: 0 } });
    expect((await get(live, revocable)).status).toBe(200);
    const revoked = await fetch(`${auth.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revocable, client_id: provider.clientInformation()?.client_id ?? '' }),
    });
    expect(revoked.status).toBe(200);
    expect((await get(live, revocable)).status).toBe(401);
  });

  it('a token for another resource is refused (audience)', async () => {
    const provider = new HeadlessOAuthClientProvider({ validateResourceURL: async () => new URL(`${origin}/other`) });
    await connectWithOAuth(new URL(resource), provider).then(
      (c) => c.close(),
      () => {},
    );
    const other = provider.tokens()?.access_token ?? '';
    expect(other).not.toBe('');
    const res = await get(route('aud', {}), other);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('audience mismatch');
  });

  it('wrong client credentials are a server error, logged as our misconfiguration; an endpoint that is down is 503', async () => {
    const logged: { level: string; event: Record<string, unknown> }[] = [];
    const log = (level: string) => (event: object) => logged.push({ level, event: event as Record<string, unknown> });
    const wrong = await get(
      route('wrong-secret', { clientSecret: 'nope' }, { debug() {}, info() {}, warn() {}, error: log('error') }),
    );
    expect(wrong.status).toBe(500);
    expect(await wrong.json()).toMatchObject({ error: 'server_error' });
    expect(wrong.headers.get('www-authenticate')).toBeNull();
    expect(logged).toHaveLength(1);
    expect(logged[0]?.level).toBe('error');
    expect(logged[0]?.event).toMatchObject({ type: 'decision', reason: 'introspection_failed', status: 500 });
    expect(logged[0]?.event.error).toMatch(/answered HTTP 401.*client credentials/);
    expect(JSON.stringify(logged)).not.toContain(token);
    const down = await get(route('down', { endpoint: 'http://127.0.0.1:9/introspect' }));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(down.headers.get('www-authenticate')).toBeNull();
  });

  it('a JWT-shaped token, which oidc-provider refuses with 400 unsupported_token_type, is 401 invalid_token', async () => {
    const jwtShaped = ['eyJhbGciOiJFUzI1NiJ9', 'eyJzdWIiOiJ4In0', 'c2lnbmF0dXJl'].join('.');
    introspections.length = 0;
    const upstream = await fetch(auth.introspectionEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${auth.introspectionClient.clientId}:${auth.introspectionClient.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: jwtShaped }),
    });
    // What the authorization server itself answers: the token causes a 4xx.
    expect(upstream.status).toBe(400);
    expect(await upstream.json()).toMatchObject({ error: 'unsupported_token_type' });
    for (let i = 0; i < 3; i++) {
      const res = await get(resource, jwtShaped);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer error="invalid_token", resource_metadata="[^"]+", error_description="The authorization server does not accept this token for introspection"$/,
      );
    }
  });
});

describe('introspection endpoint answers, by status', () => {
  let fake: Awaited<ReturnType<typeof startRouteServer>>;
  beforeAll(async () => {
    fake = await startRouteServer({
      '/400-invalid-client': json({ error: 'invalid_client' }, 400),
      '/400-invalid-request': json({ error: 'invalid_request' }, 400),
      '/400-not-json': (_req, res) => res.writeHead(400).end('bad request'),
      '/403': json({ error: 'access_denied' }, 403),
      '/404': json({ error: 'not_found' }, 404),
      '/413': (_req, res) => res.writeHead(413).end(),
      '/429': (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end(),
    });
  });
  afterAll(() => fake.close());

  it.each([
    ['400 invalid_request (about the token)', '/400-invalid-request', 401],
    ['400 without a JSON body', '/400-not-json', 401],
    ['413 (the token is too large)', '/413', 401],
    ['400 invalid_client (our credentials)', '/400-invalid-client', 500],
    ['403 (our client may not introspect)', '/403', 500],
    ['404 (a wrong endpoint)', '/404', 500],
    ['429 (rate limited: an outage)', '/429', 503],
  ])('%s -> %s', async (_what, path, status) => {
    const res = await get(route(`by-status${path}`, { endpoint: `${fake.origin}${path}` }), 'some-opaque-token');
    expect(res.status).toBe(status);
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", /);
    else expect(res.headers.get('www-authenticate')).toBeNull();
    if (status === 503) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
