/**
 * A todo manager MCP server: the route needs `todo:read`; writing and deleting need more, per
 * tool. A caller without the scope gets HTTP 403 `insufficient_scope`, and MCP clients step up.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import express from 'express';
import { z } from 'zod';
import { type AuthServerEntry, MCPAuth } from '../../src/index.js';
import { methodNotAllowed, statelessMcpHandler } from '../shared/streamable-http.js';
import { describeCaller } from '../whoami/app.js';
import { todoStore } from './todo-store.js';

export const TODO_SCOPES = ['todo:read', 'todo:write', 'todo:delete'];

/** Which tools need which scopes beyond the route's `todo:read`. */
export const TOOL_SCOPES = {
  'add-todo': ['todo:write'],
  'complete-todo': ['todo:write'],
  'delete-todo': ['todo:delete'],
};

const text = (value: unknown) => ({ content: [{ type: 'text' as const, text: JSON.stringify(value, null, 2) }] });

export function createTodoMcpServer(): McpServer {
  const server = new McpServer({ name: 'todo-manager', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who the server says you are' }, (extra) =>
    text(describeCaller(extra.authInfo)),
  );
  server.registerTool('list-todos', { description: 'Your todos (todo:read)' }, () => text(todoStore.list()));
  server.registerTool(
    'add-todo',
    { description: 'Add a todo (todo:write)', inputSchema: { text: z.string().min(1) } },
    ({ text: t }) => text(todoStore.add(t)),
  );
  server.registerTool(
    'complete-todo',
    { description: 'Mark a todo done (todo:write)', inputSchema: { id: z.number().int() } },
    ({ id }) => text(todoStore.complete(id) ?? { error: `no todo ${id}` }),
  );
  server.registerTool(
    'delete-todo',
    { description: 'Delete a todo (todo:delete)', inputSchema: { id: z.number().int() } },
    ({ id }) => text({ deleted: todoStore.remove(id) }),
  );
  return server;
}

export interface TodoAppOptions {
  resource: string;
  authorizationServers: AuthServerEntry[];
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
  });
  const app = express();
  app.use(mcpAuth.protectedResourceMetadataRouter());
  // Per route: nothing at /mcp without todo:read.
  // authContext: the todo store finds the caller with getAuthInfo().
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['todo:read'], authContext: true }));
  app.post(
    '/mcp',
    express.json(),
    // Per tool: tools/call for these tools needs their scopes too.
    mcpAuth.requireToolScopes(TOOL_SCOPES),
    statelessMcpHandler(createTodoMcpServer),
  );
  app.all('/mcp', methodNotAllowed);
  return app;
}
