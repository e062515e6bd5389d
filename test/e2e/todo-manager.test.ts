/**
 * The todo-manager example through the official SDK client: per-route scope (todo:read) and
 * per-tool scopes (todo:write, todo:delete), per-user data found with getAuthInfo().
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTodoApp } from '../../examples/todo-manager/app.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { close } from '../helpers/http.js';

let issuer: TestIssuer;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  const { createServer } = await import('node:http');
  server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  server.on(
    'request',
    createTodoApp({ resource: endpoint, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] }),
  );
});
afterAll(async () => {
  await close(server);
  await issuer.close();
});

async function clientFor(subject: string, ...scopes: string[]): Promise<Client> {
  const token = await issuer
    .token()
    .subject(subject)
    .scopes(...scopes)
    .audience(endpoint)
    .sign();
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(endpoint), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

const json = (result: Record<string, unknown>) => JSON.parse((result.content as { text: string }[])[0]?.text ?? 'null');

describe('todo-manager example', () => {
  it('the route needs todo:read', async () => {
    await expect(clientFor('nobody', 'todo:write')).rejects.toMatchObject({ code: 403 });
  });

  it('read-only callers can list but not add; the 403 asks for todo:write plus what they hold', async () => {
    const reader = await clientFor('alice', 'todo:read');
    expect(json(await reader.callTool({ name: 'list-todos', arguments: {} }))).toEqual([]);
    await expect(reader.callTool({ name: 'add-todo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: 403 });
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
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer error="insufficient_scope", scope="todo:write todo:read", /,
    );
  });

  it('writers add and complete, but delete needs todo:delete; lists are per user', async () => {
    const writer = await clientFor('bob', 'todo:read', 'todo:write');
    const added = json(await writer.callTool({ name: 'add-todo', arguments: { text: 'buy milk' } }));
    expect(added).toMatchObject({ text: 'buy milk', done: false });
    expect(json(await writer.callTool({ name: 'complete-todo', arguments: { id: added.id } }))).toMatchObject({
      done: true,
    });
    await expect(writer.callTool({ name: 'delete-todo', arguments: { id: added.id } })).rejects.toMatchObject({
      code: 403,
    });
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
