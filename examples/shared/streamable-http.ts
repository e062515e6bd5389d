/** Stateless Streamable HTTP plumbing shared by the examples, for both MCP SDK generations. */
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import type { RequestHandler } from 'express';

/** Which SDK generation's server to run. */
export type ServerSdk = 'v2' | 'v1';

/**
 * A fresh MCP server and transport per request. The transport hands `req.auth` to tools:
 * `ctx.http.authInfo` in SDK v2, `extra.authInfo` in v1.
 */
export function statelessMcpHandler(createServer: (() => McpServerV2) | { v1: () => McpServerV1 }): RequestHandler {
  return async (req, res) => {
    if (typeof createServer === 'function') {
      const server = createServer();
      const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
      return;
    }
    const server = createServer.v1();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  };
}

/** A stateless server has no standalone SSE stream (GET) and no sessions to end (DELETE). */
export const methodNotAllowed: RequestHandler = (_req, res) => {
  res
    .status(405)
    .set('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null });
};
