/**
 * The `mcp-bearer-auth/testing` helpers, used the way docs/testing.md shows (there the import is
 * from 'mcp-bearer-auth/testing'; here, from the source).
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const RESOURCE = 'http://127.0.0.1:3000/mcp';
let issuer: TestIssuer;
let app: express.Express;

beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'ES256' });
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
  });
  app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] }));
  app.get('/mcp', (req, res) => res.json({ user: req.auth?.subject, role: req.auth?.claims?.role }));
});
afterAll(() => issuer.close());

describe('mcp-bearer-auth/testing', () => {
  it('mints tokens with the builder', async () => {
    const token = await issuer
      .token()
      .subject('u1')
      .clientId('c1')
      .scopes('read', 'write')
      .claim('role', 'admin')
      .audience(RESOURCE)
      .expiresIn('5m')
      .sign();
    const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: 'u1', role: 'admin' });
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(300);
    expect(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'at+jwt',
    });
  });

  it('mints the usual bad tokens', async () => {
    const cases = {
      expired: await issuer.token().scopes('read').audience(RESOURCE).expired().sign(),
      wrongAudience: await issuer.wrongAudienceToken({ scopes: ['read'] }),
      badlySigned: await issuer.badlySignedToken({ scopes: ['read'], audience: RESOURCE }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
      expect(res.status, name).toBe(401);
    }
    const expiredClaims = JSON.parse(Buffer.from(cases.expired.split('.')[1] as string, 'base64url').toString());
    expect(expiredClaims.exp).toBeLessThan(Date.now() / 1000 - 600); // well past any clock tolerance
  });

  it('serves both discovery documents and the JWKS on 127.0.0.1', async () => {
    expect(issuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const doc = await (await fetch(`${issuer.issuer}${path}`)).json();
      expect(doc).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri });
    }
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]?.d).toBeUndefined();
  });
});
