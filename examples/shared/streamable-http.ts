/** Stateless Streamable HTTP plumbing shared by the examples. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandler } from 'express';

/** A fresh MCP server and transport per request; the transport hands `req.auth` to tools as `extra.authInfo`. */
export function statelessMcpHandler(createServer: () => McpServer): RequestHandler {
  return async (req, res) => {
    const server = createServer();
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
