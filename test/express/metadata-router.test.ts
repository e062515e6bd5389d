import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { expressVersions } from '../helpers/apps.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await TestIssuer.start({ path: '/oidc' });
});
afterAll(() => issuer.close());

describe.each(expressVersions)('protectedResourceMetadataRouter on %s', (_name, express) => {
  function app() {
    const mcpAuth = new MCPAuth({
      protectedResources: [
        {
          metadata: {
            resource: 'https://api.example.com/mcp',
            authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
            scopesSupported: ['mcp:read', 'mcp:write'],
            resourceName: 'Example MCP',
            resourceDocumentation: 'https://docs.example.com/mcp',
          },
        },
        {
          metadata: {
            resource: 'https://api.example.com/',
            authorizationServers: [
              {
                type: 'oauth',
                metadata: { issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks' },
              },
            ],
          },
        },
        {
          metadata: {
            resource: 'https://api.example.com/v2/mcp/',
            authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
          },
        },
      ],
    });
    const a = express();
    a.use(mcpAuth.protectedResourceMetadataRouter());
    return a;
  }

  it('serves the RFC 9728 document at the path-inserted well-known URL', async () => {
    const res = await request(app()).get('/.well-known/oauth-protected-resource/mcp');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(res.body).toEqual({
      resource: 'https://api.example.com/mcp',
      authorization_servers: [issuer.issuer],
      scopes_supported: ['mcp:read', 'mcp:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Example MCP',
      resource_documentation: 'https://docs.example.com/mcp',
    });
  });

  it('a resource without a path is at the bare well-known path; resources are published exactly as configured', async () => {
    const root = await request(app()).get('/.well-known/oauth-protected-resource');
    expect(root.status).toBe(200);
    expect(root.body.resource).toBe('https://api.example.com/');
    expect(root.body.authorization_servers).toEqual(['https://auth.example.com']);
    // RFC 9728 §3.1 drops the terminating slash before inserting the well-known path.
    const slash = await request(app()).get('/.well-known/oauth-protected-resource/v2/mcp');
    expect(slash.status).toBe(200);
    expect(slash.body.resource).toBe('https://api.example.com/v2/mcp/');
  });

  it('answers HEAD and the CORS preflight MCP clients send', async () => {
    const head = await request(app()).head('/.well-known/oauth-protected-resource/mcp');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    const pre = await request(app())
      .options('/.well-known/oauth-protected-resource/mcp')
      .set('Origin', 'https://client.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'mcp-protocol-version');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-methods']).toContain('GET');
    expect(pre.headers['access-control-allow-headers']?.toLowerCase()).toContain('mcp-protocol-version');
  });

  it('refuses other methods and leaves other paths alone', async () => {
    const post = await request(app()).post('/.well-known/oauth-protected-resource/mcp');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    expect((await request(app()).get('/.well-known/oauth-protected-resource/other')).status).toBe(404);
  });

  it('serving the document never fetches anything', async () => {
    const before = issuer.requests.length;
    await request(app()).get('/.well-known/oauth-protected-resource/mcp');
    expect(issuer.requests.length).toBe(before);
  });
});

describe('metadata paths', () => {
  it('refuses two resources whose documents would share a path', () => {
    const as = [{ issuer: 'https://auth.example.com', type: 'oidc' as const }];
    expect(
      () =>
        new MCPAuth({
          protectedResources: [
            { metadata: { resource: 'https://a.example.com/mcp', authorizationServers: as } },
            { metadata: { resource: 'https://b.example.com/mcp', authorizationServers: as } },
          ],
        }),
    ).toThrow(/protectedResources\[1\]\.metadata\.resource: metadata path also used by protectedResources\[0\]/);
  });

  it('getProtectedResourceMetadata returns the published document', () => {
    const auth = new MCPAuth({
      protectedResources: {
        metadata: {
          resource: 'https://a.example.com/mcp',
          authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }],
        },
      },
    });
    expect(auth.getProtectedResourceMetadata()).toEqual({
      resource: 'https://a.example.com/mcp',
      authorization_servers: ['https://auth.example.com'],
      bearer_methods_supported: ['header'],
    });
  });
});
