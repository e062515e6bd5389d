import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAuthInfo, MCPAuth } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { expressVersions } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await TestIssuer.start();
});
afterAll(() => issuer.close());

const call = (name: string, id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

describe.each(expressVersions)('requireToolScopes on %s', (_name, express) => {
  let mcpAuth: MCPAuth;
  let app: ReturnType<typeof express>;
  const seen: unknown[] = [];

  beforeAll(() => {
    mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: {
          resource: RESOURCE,
          authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
          scopesSupported: ['todo:read', 'todo:write', 'todo:delete'],
        },
      },
    });
    app = express();
    app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['todo:read'], authContext: true }));
    app.post(
      '/mcp',
      express.json(),
      mcpAuth.requireToolScopes({ 'add-todo': ['todo:write'], 'delete-todo': ['todo:write', 'todo:delete'] }),
      async (req, res) => {
        await new Promise((r) => setTimeout(r, 1));
        // Deep in the call stack, without req: the same AuthInfo.
        seen.push(getAuthInfo() === req.auth);
        res.json({ ok: true, subject: getAuthInfo()?.subject });
      },
    );
    app.get('/mcp', (_req, res) => res.json({ ok: true }));
  });

  const post = async (body: unknown, ...scopes: string[]) => {
    const token = await issuer
      .token()
      .audience(RESOURCE)
      .subject('u1')
      .scopes(...scopes)
      .sign();
    return request(app)
      .post('/mcp')
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);
  };

  it('a tools/call without the tool scope is 403 with a step-up challenge', async () => {
    const res = await post(call('add-todo'), 'todo:read', 'profile');
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="todo:write todo:read", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp", error_description="The tool add-todo needs the scope(s): todo:write"',
    );
    expect(res.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The tool add-todo needs the scope(s): todo:write',
    });
  });

  it('passes with the scope, for unlisted tools, and for other methods', async () => {
    expect((await post(call('add-todo'), 'todo:read', 'todo:write')).body).toEqual({ ok: true, subject: 'u1' });
    expect((await post(call('list-todos'), 'todo:read')).status).toBe(200);
    expect((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, 'todo:read')).status).toBe(200);
    expect((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, 'todo:read')).status).toBe(200);
    const get = await request(app)
      .get('/mcp')
      .set('Authorization', `Bearer ${await issuer.token().audience(RESOURCE).scopes('todo:read').sign()}`);
    expect(get.status).toBe(200);
  });

  it('checks every call in a JSON-RPC batch and asks for the union', async () => {
    const res = await post([call('list-todos', 1), call('add-todo', 2), call('delete-todo', 3)], 'todo:read');
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="todo:write todo:delete todo:read"');
    expect(res.body.error_description).toBe(
      'The tool add-todo, delete-todo needs the scope(s): todo:write todo:delete',
    );
    expect((await post([call('list-todos', 1), call('add-todo', 2)], 'todo:read', 'todo:write')).status).toBe(200);
  });

  it('needs all the scopes a tool lists', async () => {
    const res = await post(call('delete-todo'), 'todo:read', 'todo:write');
    expect(res.status).toBe(403);
    expect(res.body.error_description).toMatch(/needs the scope\(s\): todo:delete$/);
  });

  it('tool names that are Object.prototype keys are not listed tools', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect((await post(call(name), 'todo:read')).status, name).toBe(200);
    }
  });

  it('refuses a body it cannot read rather than letting it through', async () => {
    for (const body of [{}, [], { method: 'tools/call', params: { name: 'add-todo' } }, [call('add-todo'), 'x']]) {
      const res = await post(body, 'todo:read');
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers['www-authenticate']).toContain('error="invalid_request"');
    }
    const token = await issuer.token().audience(RESOURCE).scopes('todo:read').sign();
    const text = await request(app)
      .post('/mcp')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'text/plain')
      .send(JSON.stringify(call('add-todo')));
    expect(text.status).toBe(400);
  });

  it('getAuthInfo() is the request AuthInfo inside the request, undefined outside', async () => {
    seen.length = 0;
    await post(call('list-todos'), 'todo:read');
    expect(seen).toEqual([true]);
    expect(getAuthInfo()).toBeUndefined();
  });

  it('explains itself when mounted without bearerAuth', async () => {
    const bare = express();
    bare.post('/mcp', express.json(), mcpAuth.requireToolScopes({ x: ['todo:write'] }), (_req, res) => res.json({}));
    const res = await request(bare).post('/mcp').send(call('x'));
    expect(res.status).toBe(500);
    expect(res.body.error_description).toMatch(/after bearerAuth/);
  });
});

describe('requireToolScopes config', () => {
  it('validates the map and the options', () => {
    const auth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: 'https://a.example', type: 'oidc' }] },
      },
    });
    expect(() => auth.requireToolScopes({ x: [] })).toThrow('requireToolScopes toolScopes.x: must not be empty');
    expect(() => auth.requireToolScopes({ x: ['a b'] })).toThrow(
      /requireToolScopes toolScopes\.x\[0\]: must be an RFC 6749 scope token/,
    );
    expect(() => auth.requireToolScopes({ x: ['a'] }, { resource: 'https://other' })).toThrow(
      /^requireToolScopes options\.resource: https:\/\/other is not a configured resource/,
    );
  });
});
