/**
 * A protected MCP server with one tool, `whoami`, that tells the caller what the server knows
 * about them: the hello-world of MCP auth.
 */
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { type AuthInfo, type AuthServerEntry, MCPAuth } from '../../src/index.js';
// Types ctx.http.authInfo.subject and the like (SDK v2), and extra.authInfo's (v1).
import '../../src/sdk-v1.js';
import '../../src/sdk-v2.js';
import { methodNotAllowed, type ServerSdk, statelessMcpHandler } from '../shared/streamable-http.js';

/** What `whoami` returns: everything the middleware verified, except the token itself. */
export function describeCaller(auth: AuthInfo | undefined) {
  if (!auth) return { authenticated: false };
  const { token: _token, resource, ...rest } = auth;
  return { authenticated: true, ...rest, resource: resource?.href };
}

const WHOAMI = { description: 'Who the server says you are (from your access token)' };

function answer(auth: AuthInfo | undefined) {
  const caller = describeCaller(auth);
  return { content: [{ type: 'text' as const, text: JSON.stringify(caller, null, 2) }], structuredContent: caller };
}

/** SDK v2: handlers get `req.auth` as `ctx.http.authInfo`. */
export function createWhoamiMcpServer(): McpServer {
  const server = new McpServer({ name: 'whoami', version: '1.0.0' });
  server.registerTool('whoami', WHOAMI, async (ctx) => answer(ctx.http?.authInfo));
  return server;
}

/** SDK v1: tools get `req.auth` as `extra.authInfo`. */
export function createWhoamiMcpServerV1(): McpServerV1 {
  const server = new McpServerV1({ name: 'whoami', version: '1.0.0' });
  server.registerTool('whoami', WHOAMI, (extra) => answer(extra.authInfo));
  return server;
}

/** Stateless Streamable HTTP: a fresh server and transport per request (v2, or v1). */
export const handleMcpRequest = statelessMcpHandler(createWhoamiMcpServer);
export const handleMcpRequestV1 = statelessMcpHandler({ v1: createWhoamiMcpServerV1 });

export interface WhoamiAppOptions {
  /** The MCP endpoint's public URL: the resource identifier tokens must be issued for. */
  resource: string;
  authorizationServers: AuthServerEntry[];
  scopesSupported?: string[];
  requiredScopes?: string[];
  /** Which MCP SDK generation serves the tool. Default 'v2'. */
  sdk?: ServerSdk;
}

export function createWhoamiApp(options: WhoamiAppOptions): express.Express {
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: options.resource,
        authorizationServers: options.authorizationServers,
        scopesSupported: options.scopesSupported ?? ['mcp:read'],
        resourceName: 'whoami example',
      },
    },
  });
  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: options.requiredScopes ?? ['mcp:read'] }));
  app.post('/mcp', express.json(), options.sdk === 'v1' ? handleMcpRequestV1 : handleMcpRequest);
  // Stateless server: no standalone SSE stream, no sessions to delete.
  app.all('/mcp', methodNotAllowed);
  return app;
}
