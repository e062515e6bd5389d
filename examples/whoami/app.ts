/**
 * A protected MCP server with one tool, `whoami`, that tells the caller what the server knows
 * about them: the hello-world of MCP auth.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { type AuthInfo, type AuthServerEntry, MCPAuth } from '../../src/index.js';
import { methodNotAllowed, statelessMcpHandler } from '../shared/streamable-http.js';

/** What `whoami` returns: everything the middleware verified, except the token itself. */
export function describeCaller(auth: AuthInfo | undefined) {
  if (!auth) return { authenticated: false };
  const { token: _token, resource, ...rest } = auth;
  return { authenticated: true, ...rest, resource: resource?.href };
}

export function createWhoamiMcpServer(): McpServer {
  const server = new McpServer({ name: 'whoami', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who the server says you are (from your access token)' }, (extra) => {
    const caller = describeCaller(extra.authInfo);
    return { content: [{ type: 'text', text: JSON.stringify(caller, null, 2) }], structuredContent: caller };
  });
  return server;
}

/** Stateless Streamable HTTP: a fresh server and transport per request. */
export const handleMcpRequest = statelessMcpHandler(createWhoamiMcpServer);

export interface WhoamiAppOptions {
  /** The MCP endpoint's public URL: the resource identifier tokens must be issued for. */
  resource: string;
  authorizationServers: AuthServerEntry[];
  scopesSupported?: string[];
  requiredScopes?: string[];
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
  app.post('/mcp', express.json(), handleMcpRequest);
  // Stateless server: no standalone SSE stream, no sessions to delete.
  app.all('/mcp', methodNotAllowed);
  return app;
}
