/**
 * A real MCP TypeScript SDK v2 server (`@modelcontextprotocol/server` behind
 * `@modelcontextprotocol/node`'s transport) behind bearerAuth, called by the real v2 client:
 * handlers read `ctx.http.authInfo` (subject, issuer, resourceMetadataUrl: typed, through
 * 'mcp-bearer-auth/sdk-v2'), scope hierarchies reach the SDK's own `requireScopes`, and
 * `mcpAuth.scopeChallenge` answers 403 with the same scope rule as `requireToolScopes`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer, requireScopes } from '@modelcontextprotocol/server';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import '../../src/sdk-v2.js';
import { statelessMcpHandler } from '../../examples/shared/streamable-http.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { close } from '../helpers/http.js';

let issuer: TestIssuer;
let server: Server;
let resource: string;
/** Every HTTP answer the client got: status and challenge. */
const seen: { status: number; challenge: string | null }[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'ES256' });
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  resource = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource,
        authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
        scopesSupported: ['files:read', 'files:write', 'files:admin', 'other:x'],
      },
      impliedScopes: { 'files:admin': ['files:write'], 'files:write': ['files:read'] },
    },
  });
  const createMcpServer = () => {
    const mcp = new McpServer({ name: 'files', version: '1.0.0' });
    mcp.registerTool('whoami', { description: 'Who am I?' }, async (ctx) => {
      const auth = ctx.http?.authInfo;
      const caller = {
        subject: auth?.subject,
        issuer: auth?.issuer,
        scopes: auth?.scopes,
        resourceMetadataUrl: auth?.resourceMetadataUrl,
        rawScope: auth?.claims?.scope,
      };
      return { content: [{ type: 'text', text: JSON.stringify(caller) }], structuredContent: caller };
    });
    mcp.registerTool(
      'write-file',
      { description: 'Write a file', scopeChallenge: mcpAuth.scopeChallenge(['files:write']) },
      async () => ({ content: [{ type: 'text', text: 'written' }] }),
    );
    mcp.registerTool(
      'delete-all',
      { description: 'Delete every file', scopeChallenge: mcpAuth.scopeChallenge(['files:admin']) },
      async () => ({ content: [{ type: 'text', text: 'deleted' }] }),
    );
    mcp.registerTool(
      'read-file',
      { description: 'Read a file (the SDK’s own requireScopes)', scopeChallenge: requireScopes('files:read') },
      async () => ({ content: [{ type: 'text', text: 'read' }] }),
    );
    return mcp;
  };
  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['files:read'] }));
  app.post('/mcp', express.json(), statelessMcpHandler(createMcpServer));
  server.on('request', app);
});

afterAll(async () => {
  await close(server);
  await issuer.close();
});

/** The v2 client with a fixed token (the OAuth flow itself is tested with oidc-provider elsewhere). */
async function connect(...scopes: string[]) {
  const token = await issuer
    .token()
    .audience(resource)
    .subject('alice')
    .scopes(...scopes)
    .sign();
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    fetch: async (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${token}`);
      const res = await fetch(url, { ...init, headers });
      seen.push({ status: res.status, challenge: res.headers.get('www-authenticate') });
      return res;
    },
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('SDK v2 server and client behind bearerAuth', () => {
  it('ctx.http.authInfo has the subject, issuer, resourceMetadataUrl and the expanded scopes', async () => {
    const client = await connect('files:admin');
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    expect(result.structuredContent).toEqual({
      subject: 'alice',
      issuer: issuer.issuer,
      scopes: ['files:admin', 'files:write', 'files:read'],
      resourceMetadataUrl: resource.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'),
      rawScope: 'files:admin',
    });
  });

  it('files:admin passes the route requiring files:read, the SDK’s requireScopes and scopeChallenge', async () => {
    const client = await connect('files:admin');
    expect((await client.callTool({ name: 'read-file', arguments: {} })).content).toEqual([
      { type: 'text', text: 'read' },
    ]);
    expect((await client.callTool({ name: 'write-file', arguments: {} })).content).toEqual([
      { type: 'text', text: 'written' },
    ]);
    await client.close();
  });

  it('files:read does not imply files:write: 403 naming files:write and what was granted, never an expansion', async () => {
    const client = await connect('files:read', 'other:x');
    seen.length = 0;
    await expect(client.callTool({ name: 'write-file', arguments: {} })).rejects.toThrow();
    await client.close();
    const refused = seen.find((s) => s.status === 403);
    // The SDK writes the challenge (its parameter order); the scope set is ours.
    expect(refused?.challenge).toBe(
      'Bearer error="insufficient_scope", error_description="The operation needs the scope(s): files:write", ' +
        `scope="files:write files:read other:x", ` +
        `resource_metadata="${resource.replace('/mcp', '/.well-known/oauth-protected-resource/mcp')}"`,
    );
  });

  it('files:write asking for files:admin: the challenge lists files:write, not the files:read it implies', async () => {
    const client = await connect('files:write');
    seen.length = 0;
    await expect(client.callTool({ name: 'delete-all', arguments: {} })).rejects.toThrow();
    await client.close();
    expect(seen.find((s) => s.status === 403)?.challenge).toContain('scope="files:admin files:write"');
  });
});
