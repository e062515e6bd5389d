/**
 * The todo-manager example through the official SDK client: per-route scope (todo:read) and
 * per-tool scopes (todo:write, todo:delete), per-user data found with getAuthInfo().
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTodoApp } from '../../examples/todo-manager/app.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { close } from '../helpers/http.js';
import { connectWithToken } from '../helpers/mcp-client.js';

let issuer: TestIssuer;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  issuer = await TestIssuer.start();
});
afterAll(() => issuer.close());

describe.each(['v2', 'v1'] as const)('todo-manager example on MCP SDK %s (server and client)', (sdk) => {
  beforeAll(async () => {
    const { createServer } = await import('node:http');
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    server.on(
      'request',
      createTodoApp({ resource: endpoint, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }], sdk }),
    );
  });
  afterAll(() => close(server));

  async function clientFor(subject: string, ...scopes: string[]) {
    const token = await issuer
      .token()
      .subject(subject)
      .scopes(...scopes)
      .audience(endpoint)
      .sign();
    return connectWithToken(sdk, endpoint, token);
  }

  /** A 403 insufficient_scope as each client reports it: v1 with the status, v2 with the challenge's scope. */
  const insufficientScope = (scope: string) =>
    sdk === 'v1' ? { code: 403 } : { name: 'InsufficientScopeError', requiredScope: scope };

  const json = (result: Record<string, unknown>) =>
    JSON.parse((result.content as { text: string }[])[0]?.text ?? 'null');

  it('the route needs todo:read', async () => {
    await expect(clientFor('nobody', 'todo:write')).rejects.toMatchObject(insufficientScope('todo:read todo:write'));
  });

  it('read-only callers can list but not add; the 403 asks for todo:write plus what they hold', async () => {
    const reader = await clientFor('alice', 'todo:read');
    expect(json(await reader.callTool({ name: 'list-todos', arguments: {} }))).toEqual([]);
    await expect(reader.callTool({ name: 'add-todo', arguments: { text: 'x' } })).rejects.toMatchObject(
      insufficientScope('todo:write todo:read'),
    );
    await reader.close();
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await issuer.token().scopes('todo:read').audience(endpoint).sign()}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'add-todo', arguments: { text: 'x' } },
      }),
    });
    expect(res.status).toBe(403);
    // v2's SDK writes the challenge (scopeChallenge), v1's comes from requireToolScopes: same scopes.
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", /);
    expect(res.headers.get('www-authenticate')).toContain(' scope="todo:write todo:read"');
  });

  it('writers add and complete, but delete needs todo:delete; lists are per user', async () => {
    const writer = await clientFor('bob', 'todo:read', 'todo:write');
    const added = json(await writer.callTool({ name: 'add-todo', arguments: { text: 'buy milk' } }));
    expect(added).toMatchObject({ text: 'buy milk', done: false });
    expect(json(await writer.callTool({ name: 'complete-todo', arguments: { id: added.id } }))).toMatchObject({
      done: true,
    });
    await expect(writer.callTool({ name: 'delete-todo', arguments: { id: added.id } })).rejects.toMatchObject(
      insufficientScope('todo:delete todo:read todo:write'),
    );
    await writer.close();

    const other = await clientFor('carol', 'todo:read');
    expect(json(await other.callTool({ name: 'list-todos', arguments: {} }))).toEqual([]);
    await other.close();

    const admin = await clientFor('bob', 'todo:read', 'todo:delete');
    expect(json(await admin.callTool({ name: 'delete-todo', arguments: { id: added.id } }))).toEqual({ deleted: true });
    expect(json(await admin.callTool({ name: 'list-todos', arguments: {} }))).toEqual([]);
    await admin.close();
  });
});
