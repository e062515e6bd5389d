/**
 * A todo manager MCP server: the route needs `todo:read`; writing and deleting need more, per
 * tool. A caller without the scope gets HTTP 403 `insufficient_scope`, and MCP clients step up.
 */
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { z } from 'zod';
import { type AuthServerEntry, MCPAuth, type MCPAuthConfig } from '../../src/index.js';
import { methodNotAllowed, type ServerSdk, statelessMcpHandler } from '../shared/streamable-http.js';
import { describeCaller } from '../whoami/app.js';
import { todoStore } from './todo-store.js';

export const TODO_SCOPES = ['todo:read', 'todo:write', 'todo:delete'];

/** Which tools need which scopes beyond the route's `todo:read`. */
export const TOOL_SCOPES = {
  'add-todo': ['todo:write'],
  'complete-todo': ['todo:write'],
  'delete-todo': ['todo:delete'],
} as const;

const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }] });

const describe = {
  whoami: 'Who the server says you are',
  list: 'Your todos (todo:read)',
  add: 'Add a todo (todo:write)',
  complete: 'Mark a todo done (todo:write)',
  delete: 'Delete a todo (todo:delete)',
};

/**
 * SDK v2: each tool declares its scopes itself (`scopeChallenge`); a caller without them gets
 * HTTP 403 `insufficient_scope`, written by the SDK, with the scopes `mcpAuth` chose.
 */
export function createTodoMcpServer(mcpAuth: MCPAuth): McpServer {
  const server = new McpServer({ name: 'todo-manager', version: '1.0.0' });
  const needs = (tool: keyof typeof TOOL_SCOPES) => mcpAuth.scopeChallenge(TOOL_SCOPES[tool]);
  server.registerTool('whoami', { description: describe.whoami }, async (ctx) =>
    text(describeCaller(ctx.http?.authInfo)),
  );
  server.registerTool('list-todos', { description: describe.list }, async () => text(todoStore.list()));
  server.registerTool(
    'add-todo',
    {
      description: describe.add,
      inputSchema: z.object({ text: z.string().min(1) }),
      scopeChallenge: needs('add-todo'),
    },
    async ({ text: t }) => text(todoStore.add(t)),
  );
  server.registerTool(
    'complete-todo',
    {
      description: describe.complete,
      inputSchema: z.object({ id: z.number().int() }),
      scopeChallenge: needs('complete-todo'),
    },
    async ({ id }) => text(todoStore.complete(id) ?? { error: `no todo ${id}` }),
  );
  server.registerTool(
    'delete-todo',
    {
      description: describe.delete,
      inputSchema: z.object({ id: z.number().int() }),
      scopeChallenge: needs('delete-todo'),
    },
    async ({ id }) => text({ deleted: todoStore.remove(id) }),
  );
  return server;
}

/** SDK v1: the same tools; their scopes are enforced in front of the transport (`requireToolScopes`). */
export function createTodoMcpServerV1(): McpServerV1 {
  const server = new McpServerV1({ name: 'todo-manager', version: '1.0.0' });
  server.registerTool('whoami', { description: describe.whoami }, (extra) => text(describeCaller(extra.authInfo)));
  server.registerTool('list-todos', { description: describe.list }, () => text(todoStore.list()));
  server.registerTool(
    'add-todo',
    { description: describe.add, inputSchema: { text: z.string().min(1) } },
    ({ text: t }) => text(todoStore.add(t)),
  );
  server.registerTool(
    'complete-todo',
    { description: describe.complete, inputSchema: { id: z.number().int() } },
    ({ id }) => text(todoStore.complete(id) ?? { error: `no todo ${id}` }),
  );
  server.registerTool(
    'delete-todo',
    { description: describe.delete, inputSchema: { id: z.number().int() } },
    ({ id }) => text({ deleted: todoStore.remove(id) }),
  );
  return server;
}

export interface TodoAppOptions {
  resource: string;
  authorizationServers: AuthServerEntry[];
  /** Which MCP SDK generation serves the tools. Default 'v2'. */
  sdk?: ServerSdk;
  /** DPoP settings (the replay store, resource-server nonces). */
  dpop?: MCPAuthConfig['dpop'];
}

export function createTodoApp(options: TodoAppOptions): express.Express {
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: options.resource,
        authorizationServers: options.authorizationServers,
        scopesSupported: TODO_SCOPES,
        resourceName: 'todo-manager example',
      },
    },
    ...(options.dpop ? { dpop: options.dpop } : {}),
  });
  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  // Per route: nothing at /mcp without todo:read.
  // authContext: the todo store finds the caller with getAuthInfo().
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['todo:read'], authContext: true }));
  if (options.sdk === 'v1') {
    // Per tool, in front of the transport: tools/call for these tools needs their scopes too.
    app.post(
      '/mcp',
      express.json(),
      mcpAuth.requireToolScopes(TOOL_SCOPES),
      statelessMcpHandler({ v1: createTodoMcpServerV1 }),
    );
  } else {
    app.post(
      '/mcp',
      express.json(),
      statelessMcpHandler(() => createTodoMcpServer(mcpAuth)),
    );
  }
  app.all('/mcp', methodNotAllowed);
  return app;
}
