/**
 * Audience matching (RFC 8707 / RFC 3986 §6.2.1): simple string comparison after only the
 * normalisation the docs promise (scheme and host case, one trailing slash). Nothing a URL
 * parser would do besides (dot segments, percent-decoding, default ports, userinfo, fragments,
 * tabs, full-width letters) may make another string name this resource.
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { audienceKey } from '../../src/verify/audience.js';

const RESOURCE = 'https://mcp.example.com/tenants/acme/mcp';
let issuer: TestIssuer;
let app: express.Express;

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
  });
  app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt'), (_req, res) => res.json({ ok: true }));
  app.use('/entra', mcpAuth.bearerAuth('jwt', { audience: 'api://My-App' }), (_req, res) => res.json({ ok: true }));
});
afterAll(() => issuer.close());

const withAudience = async (path: string, aud: string) =>
  request(app)
    .get(path)
    .set('Authorization', `Bearer ${await issuer.token().audience(aud).sign()}`);

describe('audience: what names this resource', () => {
  it.each([
    ['exactly as configured', RESOURCE],
    ['scheme and host in upper case', 'HTTPS://MCP.EXAMPLE.COM/tenants/acme/mcp'],
    ['one trailing slash', `${RESOURCE}/`],
  ])('%s: 200', async (_what, aud) => {
    expect((await withAudience('/mcp', aud)).status).toBe(200);
  });

  it.each([
    ['a dot-dot segment from another tenant', 'https://mcp.example.com/tenants/evil/../acme/mcp'],
    ['%2e%2e', 'https://mcp.example.com/tenants/evil/%2e%2e/acme/mcp'],
    ['%2E%2E', 'https://mcp.example.com/tenants/evil/%2E%2E/acme/mcp'],
    ['backslashes for slashes', 'https://mcp.example.com\\tenants\\acme\\mcp'],
    ['a dot segment', 'https://mcp.example.com/tenants/acme/./mcp'],
    ['a fragment', `${RESOURCE}#x`],
    ['userinfo', 'https://user@mcp.example.com/tenants/acme/mcp'],
    ['an explicit default port', 'https://mcp.example.com:443/tenants/acme/mcp'],
    ['a tab inside the host', 'https://mcp.exa\tmple.com/tenants/acme/mcp'],
    ['full-width host letters', 'https://ｍｃｐ.example.com/tenants/acme/mcp'],
    ['a percent-encoded path letter', 'https://mcp.example.com/tenants/%61cme/mcp'],
    ['the path in another case', 'https://mcp.example.com/Tenants/acme/mcp'],
    ['two trailing slashes', `${RESOURCE}//`],
  ])('%s: 401 audience mismatch', async (_what, aud) => {
    const res = await withAudience('/mcp', aud);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('audience mismatch');
  });

  it('a configured audience that is not an http(s) URL compares exactly, one trailing slash aside', async () => {
    expect((await withAudience('/entra', 'api://My-App')).status).toBe(200);
    expect((await withAudience('/entra', 'api://My-App/')).status).toBe(200);
    expect((await withAudience('/entra', 'API://my-app')).status).toBe(401);
  });
});

describe('audienceKey', () => {
  it('folds only the ASCII case of scheme and authority, and drops one trailing slash', () => {
    expect(audienceKey('HTTPS://MCP.Example.COM/A/b/')).toBe('https://mcp.example.com/A/b');
    expect(audienceKey('https://MCP.example.com?Q=1')).toBe('https://mcp.example.com?Q=1');
    expect(audienceKey('https://example.com/')).toBe('https://example.com');
    expect(audienceKey('https://example.com/a/../b')).toBe('https://example.com/a/../b');
    expect(audienceKey('https://EXAMPLE\u212A.com')).toBe('https://example\u212A.com');
    expect(audienceKey('api://My-App/')).toBe('api://My-App');
    expect(audienceKey('00000000-AAAA-0000-0000-000000000000')).toBe('00000000-AAAA-0000-0000-000000000000');
  });
});
