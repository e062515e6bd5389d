/**
 * The official MCP SDK on both ends: McpServer + StreamableHTTPServerTransport behind bearerAuth,
 * and the SDK's Client calling the whoami tool. The tool must see exactly what the middleware set.
 */
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCaller, handleMcpRequest, handleMcpRequestV1 } from '../../examples/whoami/app.js';
import { type AuthInfo, MCPAuth } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { close } from '../helpers/http.js';
import { connectWithToken } from '../helpers/mcp-client.js';

let issuer: TestIssuer;
let server: Server;
let endpoint: string;
const seenByMiddleware: AuthInfo[] = [];

beforeAll(async () => {
  issuer = await TestIssuer.start({ alg: 'ES256' });
});
afterAll(() => issuer.close());

describe.each(['v2', 'v1'] as const)('official MCP SDK %s end to end (server and client)', (sdk) => {
  beforeAll(async () => {
    const app = express();
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: {
          resource: endpoint,
          authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
          scopesSupported: ['mcp:read'],
        },
      },
    });
    app.use(mcpAuth.protectedResourceMetadataRouter());
    app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['mcp:read'] }), (req, _res, next) => {
      // The client may also open a GET stream; the tool call is a POST.
      if (req.method === 'POST') seenByMiddleware.push(req.auth as AuthInfo);
      next();
    });
    app.post('/mcp', express.json(), sdk === 'v1' ? handleMcpRequestV1 : handleMcpRequest);
  });

  afterAll(() => close(server));

  async function connect(token: string) {
    return connectWithToken(sdk, endpoint, token);
  }

  it('the whoami tool sees the AuthInfo the middleware set', async () => {
    const token = await issuer
      .token()
      .subject('alice')
      .clientId('cli')
      .scopes('mcp:read')
      .claim('tenant', 't1')
      .audience(endpoint)
      .sign();
    const client = await connect(token);
    seenByMiddleware.length = 0;
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(seenByMiddleware).toHaveLength(1);
    const set = seenByMiddleware[0] as AuthInfo;
    expect(set.token).toBe(token);
    expect(result.structuredContent).toEqual(JSON.parse(JSON.stringify(describeCaller(set))));
    expect(result.structuredContent).toMatchObject({
      authenticated: true,
      subject: 'alice',
      clientId: 'cli',
      scopes: ['mcp:read'],
      issuer: issuer.issuer,
      audience: [endpoint],
      resource: endpoint,
      claims: { tenant: 't1' },
    });
  });

  it('a token for another resource is refused before the MCP server sees the request', async () => {
    const token = await issuer.token().scopes('mcp:read').audience('http://127.0.0.1:1/other').sign();
    // v1 puts the status in `code`; v2 in `data.status` (its `code` names the error kind).
    const status = sdk === 'v1' ? { code: 401 } : { data: expect.objectContaining({ status: 401 }) };
    await expect(connect(token)).rejects.toMatchObject({
      ...status,
      message: expect.stringContaining('audience mismatch'),
    });
  });

  it('the SDK client without a token gets the 401 challenge', async () => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    // Bearer first, then DPoP: both schemes are accepted, and each challenge names the metadata.
    const metadata = `${new URL(endpoint).origin}/.well-known/oauth-protected-resource/mcp`;
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${metadata}", scope="mcp:read", DPoP resource_metadata="${metadata}", scope="mcp:read", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519"`,
    );
  });
});

describe('the README example', () => {
  it.each(['v2', 'v1'])(
    'npm run example -- --once (--sdk %s): 401 without a token, whoami with one, exit 0',
    async (sdk) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'examples/whoami/server.ts', '--once', '--sdk', sdk],
        {
          env: { ...process.env, PORT: '0', ISSUER: undefined },
          timeout: 30_000,
        },
      );
      expect(stdout).toContain(`(MCP SDK ${sdk})`);
      expect(stdout).toContain('HTTP 401');
      expect(stdout).toMatch(
        /WWW-Authenticate: Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
      );
      expect(stdout).toContain(`--- with a token (official MCP SDK ${sdk} client) ---`);
      expect(stdout).toContain('"subject": "demo-user"');
    },
  );
});
