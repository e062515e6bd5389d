import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';

const A = 'https://api.example.com/a/mcp';
const B = 'https://api.example.com/b/mcp';
let one: TestIssuer;
let two: TestIssuer;
let app: express.Express;

beforeAll(async () => {
  one = await TestIssuer.start({ alg: 'RS256' });
  two = await TestIssuer.start({ alg: 'ES256', path: '/tenant' });
  // A provider whose document points at the wrong key URL, fixed by transpileData below.
  two.metadataOverrides = { jwks_uri: 'http://127.0.0.1:9/wrong' };
  const mcpAuth = new MCPAuth({
    protectedResources: [
      {
        metadata: {
          resource: A,
          authorizationServers: [
            { issuer: one.issuer, type: 'oidc' },
            // Found by RFC 8414 discovery; transpileData rewrites the raw document first.
            { issuer: two.issuer, type: 'oauth', transpileData: (doc) => ({ ...doc, jwks_uri: two.jwksUri }) },
          ],
        },
      },
      { metadata: { resource: B, authorizationServers: [{ issuer: one.issuer, type: 'oidc' }] } },
    ],
  });
  app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.use('/a/mcp', mcpAuth.bearerAuth('jwt', { resource: A }));
  app.use('/b/mcp', mcpAuth.bearerAuth('jwt', { resource: B, audience: [B, 'https://legacy.example.com'] }));
  app.get(['/a/mcp', '/b/mcp'], (req, res) =>
    res.json({ issuer: req.auth?.issuer, resource: req.auth?.resource?.href }),
  );
});

afterAll(async () => {
  await one.close();
  await two.close();
});

const call = (path: string, token: string) => request(app).get(path).set('Authorization', `Bearer ${token}`);

describe('several resources, several issuers', () => {
  it('a resource accepts tokens from each of its authorization servers', async () => {
    const fromOne = await one.token().audience(A).sign();
    const fromTwo = await two.token().audience(A).sign();
    expect((await call('/a/mcp', fromOne)).body).toEqual({ issuer: one.issuer, resource: A });
    expect((await call('/a/mcp', fromTwo)).body).toEqual({ issuer: two.issuer, resource: A });
    expect(two.requests).toEqual(['/.well-known/oauth-authorization-server/tenant', '/jwks']);
  });

  it('an issuer trusted by one resource is unknown to another, and causes no fetch there', async () => {
    const fromTwo = await two.token().audience(B).sign();
    const before = two.requests.length;
    const res = await call('/b/mcp', fromTwo);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain(
      'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/b/mcp"',
    );
    expect(two.requests.length).toBe(before);
  });

  it('a token for one resource is refused by the other', async () => {
    const forA = await one.token().audience(A).sign();
    expect((await call('/b/mcp', forA)).status).toBe(401);
    expect((await call('/a/mcp', forA)).status).toBe(200);
  });

  it('the audience option widens what a route accepts, and the same issuer is fetched once', async () => {
    const legacy = await one.token().audience('https://legacy.example.com').sign();
    expect((await call('/b/mcp', legacy)).body).toEqual({ issuer: one.issuer, resource: B });
    expect(one.requests.filter((p) => p.includes('.well-known'))).toHaveLength(1);
  });

  it('each resource publishes its own metadata', async () => {
    const a = await request(app).get('/.well-known/oauth-protected-resource/a/mcp');
    const b = await request(app).get('/.well-known/oauth-protected-resource/b/mcp');
    expect(a.body.authorization_servers).toEqual([one.issuer, two.issuer]);
    expect(b.body).toEqual({ resource: B, authorization_servers: [one.issuer], bearer_methods_supported: ['header'] });
  });
});
