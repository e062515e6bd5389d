/** Stateless Streamable HTTP plumbing shared by the examples, for both MCP SDK generations. */
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { McpServer as McpServerV2 } from '@modelcontextprotocol/server';
import type { Request, RequestHandler, Response } from 'express';

/** Which SDK generation's server to run. */
export type ServerSdk = 'v2' | 'v1';

/**
 * A fresh MCP server and transport per request. The transport hands `req.auth` to tools:
 * `ctx.http.authInfo` in SDK v2, `extra.authInfo` in v1.
 */
export function statelessMcpHandler(createServer: (() => McpServerV2) | { v1: () => McpServerV1 }): RequestHandler {
  return (req, res) =>
    typeof createServer === 'function'
      ? serve(createServer(), new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined }), req, res)
      : serve(createServer.v1(), new StreamableHTTPServerTransport({ sessionIdGenerator: undefined }), req, res);
}

interface Closable {
  close(): Promise<void>;
}

/** One request: connect, hand it over with the parsed body, and close both when the response ends. */
async function serve<T extends Closable & { handleRequest(req: Request, res: Response, body: unknown): Promise<void> }>(
  server: Closable & { connect(transport: NoInfer<T>): Promise<void> },
  transport: T,
  req: Request,
  res: Response,
): Promise<void> {
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

/** A stateless server has no standalone SSE stream (GET) and no sessions to end (DELETE). */
export const methodNotAllowed: RequestHandler = (_req, res) => {
  res
    .status(405)
    .set('Allow', 'POST')
    .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null });
};
