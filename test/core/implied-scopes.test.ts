/**
 * Scope hierarchies (spec 2026-07-28: servers must account for a broader scope implying
 * narrower ones): configured per resource, transitive, applied to requiredScopes, anyScopes,
 * requireToolScopes and req.auth.scopes; 403 challenges never list an implied expansion.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImpliedScopes, impliedScopesCycle } from '../../src/core/implied-scopes.js';
import { MCPAuth, MCPAuthConfigError } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const RESOURCE = 'https://api.example.com/mcp';
const HIERARCHY = { 'files:admin': ['files:write'], 'files:write': ['files:read'] } as const;
let issuer: TestIssuer;
let app: express.Express;

const config = (impliedScopes: unknown) => ({
  protectedResources: {
    metadata: { resource: RESOURCE, authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }] },
    impliedScopes,
  },
});

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: RESOURCE,
        authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
        scopesSupported: ['files:read', 'files:write', 'files:admin'],
      },
      impliedScopes: HIERARCHY,
    },
  });
  app = express();
  const echo: express.RequestHandler = (req, res) =>
    res.json({ scopes: req.auth?.scopes, raw: req.auth?.claims?.scope });
  app.use('/read', mcpAuth.bearerAuth('jwt', { requiredScopes: ['files:read'] }), echo);
  app.use('/admin', mcpAuth.bearerAuth('jwt', { requiredScopes: ['files:admin'] }), echo);
  app.use('/any', mcpAuth.bearerAuth('jwt', { anyScopes: ['files:read', 'other'] as const }), echo);
  app.post(
    '/tools',
    mcpAuth.bearerAuth('jwt'),
    express.json(),
    mcpAuth.requireToolScopes({ 'read-file': ['files:read'] } as const),
    echo,
  );
});
afterAll(() => issuer.close());

const bearer = async (...scopes: string[]) =>
  `Bearer ${await issuer
    .token()
    .scopes(...scopes)
    .sign()}`;

describe('impliedScopes on a route', () => {
  it('files:admin passes a route requiring files:read; req.auth.scopes holds the expansion, claims the raw grant', async () => {
    const res = await request(app)
      .get('/read')
      .set('Authorization', await bearer('files:admin'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ scopes: ['files:admin', 'files:write', 'files:read'], raw: 'files:admin' });
  });

  it('not the reverse: files:read lacks files:admin, and the 403 names the required and the granted scopes only', async () => {
    const res = await request(app)
      .get('/admin')
      .set('Authorization', await bearer('files:write'));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="files:admin files:write", ' +
        'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp", ' +
        'error_description="The token lacks the required scope(s): files:admin"',
    );
  });

  it('anyScopes and requireToolScopes see the hierarchy too', async () => {
    expect(
      (
        await request(app)
          .get('/any')
          .set('Authorization', await bearer('files:write'))
      ).status,
    ).toBe(200);
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read-file', arguments: {} } };
    const allowed = await request(app)
      .post('/tools')
      .set('Authorization', await bearer('files:admin'))
      .send(call);
    expect(allowed.status).toBe(200);
    const refused = await request(app)
      .post('/tools')
      .set('Authorization', await bearer('other'))
      .send(call);
    expect(refused.status).toBe(403);
  });
});

describe('impliedScopes configuration', () => {
  it.each([
    [
      'a cycle',
      { a: ['b'], b: ['c'], c: ['a'] },
      'protectedResources.impliedScopes: must not be circular: a -> b -> c -> a',
    ],
    ['a scope implying itself', { a: ['a'] }, 'protectedResources.impliedScopes: must not be circular: a -> a'],
    [
      'not an object',
      ['a'],
      "protectedResources.impliedScopes: must map scopes to the scopes they imply, e.g. { 'files:write': ['files:read'] }",
    ],
    [
      'a string instead of an array',
      { a: 'b' },
      'protectedResources.impliedScopes.a: must be an array of scope tokens',
    ],
    [
      'a scope that is not a scope token',
      { a: ['has space'] },
      'protectedResources.impliedScopes.a[0]: must be an RFC 6749 scope token (printable ASCII, no space, quote or backslash)',
    ],
  ])('%s is a config error naming the field', (_what, implied, message) => {
    expect(() => new MCPAuth(config(implied) as never)).toThrow(MCPAuthConfigError);
    expect(() => new MCPAuth(config(implied) as never)).toThrow(message);
  });

  it('a misspelt sibling of metadata is refused rather than ignored', () => {
    expect(() => new MCPAuth(config(undefined) as never)).not.toThrow();
    const misspelt = { protectedResources: { ...config(undefined).protectedResources, impliedScope: {} } };
    expect(() => new MCPAuth(misspelt as never)).toThrow('Unrecognized key: "impliedScope"');
  });
});

describe('ImpliedScopes', () => {
  const implied = new ImpliedScopes({ ...HIERARCHY, constructor: ['x'] });
  it('expands transitively, keeps the grant first, and never duplicates', () => {
    expect(implied.expand(['files:admin'])).toEqual(['files:admin', 'files:write', 'files:read']);
    expect(implied.expand(['files:read', 'files:admin'])).toEqual(['files:read', 'files:admin', 'files:write']);
    expect(implied.expand(['toString', 'other'])).toEqual(['toString', 'other']);
  });
  it('withoutImplied keeps only what no other scope implies', () => {
    expect(implied.withoutImplied(['files:admin', 'files:write', 'files:read', 'other'])).toEqual([
      'files:admin',
      'other',
    ]);
  });
  it('finds cycles, and none in a diamond', () => {
    expect(impliedScopesCycle({ a: ['b', 'c'], b: ['d'], c: ['d'] })).toBeUndefined();
    expect(impliedScopesCycle({ a: ['b'], b: ['a'] })).toEqual(['a', 'b', 'a']);
  });
});
