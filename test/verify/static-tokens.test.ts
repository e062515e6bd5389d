import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { MCPAuth, MCPAuthConfigError, staticTokens } from '../../src/index.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
const env = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = env;
});

const mcpAuth = () =>
  new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }] },
    },
  });

describe('staticTokens', () => {
  it('maps known tokens to AuthInfo, accepted as configured; unknown tokens are 401', async () => {
    const verify = staticTokens({
      'dev-token': { subject: 'alice', clientId: 'cli', scopes: ['read'], claims: { role: 'admin' } },
    });
    const app = protectedApp(express, mcpAuth().bearerAuth(verify, { requiredScopes: ['read'] }));
    const ok = await request(app).get('/mcp').set('Authorization', 'Bearer dev-token');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      token: 'dev-token',
      clientId: 'cli',
      scopes: ['read'],
      subject: 'alice',
      resource: RESOURCE,
      resourceMetadataUrl: 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
      claims: { sub: 'alice', client_id: 'cli', scope: 'read', role: 'admin' },
      tokenType: 'Bearer',
    });
    const unknown = await request(app).get('/mcp').set('Authorization', 'Bearer other-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses to be created in production unless forced', () => {
    process.env.NODE_ENV = 'production';
    expect(() => staticTokens({ t: { subject: 's', clientId: 'c', scopes: [] } })).toThrow(MCPAuthConfigError);
    expect(() => staticTokens({ t: { subject: 's', clientId: 'c', scopes: [] } })).toThrow(/NODE_ENV is production/);
    expect(() =>
      staticTokens({ t: { subject: 's', clientId: 'c', scopes: [] } }, { allowInProduction: true }),
    ).not.toThrow();
  });

  it('names a bad entry by position, never by token', () => {
    expect(() =>
      staticTokens({ a: { subject: 's', clientId: 'c', scopes: [] }, 'secret-token': { subject: 's' } as never }),
    ).toThrow('staticTokens: entry 2 needs a non-empty token, a subject and scopes');
  });
});
