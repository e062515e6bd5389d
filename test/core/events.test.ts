/** Observability: decisions with stable reasons, key refreshes, outages; never a whole token. */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthEvent, MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const RESOURCE = 'https://api.example.com/mcp';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
});
afterAll(() => issuer.close());

function setup(extra: Record<string, unknown> = {}) {
  const events: AuthEvent[] = [];
  const logged: { level: string; object: Record<string, unknown>; message?: string }[] = [];
  const logger = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [
      level,
      (object: Record<string, unknown>, message?: string) => logged.push({ level, object, message }),
    ]),
  ) as never;
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
    onEvent: (e) => events.push(e),
    logger,
    ...extra,
  });
  const app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] }));
  app.get('/mcp', (_req, res) => res.json({ ok: true }));
  return { app, events, logged };
}

describe('events and logging', () => {
  it('reports each decision with a stable reason and a fingerprint, never the token', async () => {
    const { app, events, logged } = setup();
    const good = await issuer.token().subject('u1').clientId('c1').scopes('read').sign();
    const noScope = await issuer.token().scopes('other').sign();
    const expired = await issuer.token().scopes('read').expired().sign();
    await request(app).get('/mcp').set('Authorization', `Bearer ${good}`);
    await request(app).get('/mcp').set('Authorization', `Bearer ${good}`); // cached: reported too
    await request(app).get('/mcp');
    await request(app).get('/mcp').set('Authorization', 'Bearer a b');
    await request(app).get('/mcp').set('Authorization', `Bearer ${noScope}`);
    await request(app).get('/mcp').set('Authorization', `Bearer ${expired}`);
    await request(app)
      .get('/mcp')
      .set('Authorization', `Bearer ${await issuer.badlySignedToken({ scopes: ['read'] })}`);

    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions.map((d) => [d.outcome, d.reason, d.status])).toEqual([
      ['allow', 'ok', 200],
      ['allow', 'ok', 200],
      ['deny', 'missing_token', 401],
      ['deny', 'invalid_request', 400],
      ['deny', 'insufficient_scope', 403],
      ['deny', 'token_expired', 401],
      ['deny', 'invalid_signature', 401],
    ]);
    expect(decisions[0]).toMatchObject({ resource: RESOURCE, issuer: issuer.issuer, subject: 'u1', clientId: 'c1' });
    expect(decisions[0]?.type === 'decision' && decisions[0].tokenFingerprint).toMatch(/^[\w-]{12}$/);
    expect(events.filter((e) => e.type !== 'decision').map((e) => [e.type, 'outcome' in e && e.outcome])).toEqual([
      ['discovery', 'ok'],
      ['jwks_refresh', 'ok'],
    ]);

    // The logger got the same, at the right levels, and no token anywhere.
    expect(logged.map((l) => l.level)).toEqual([
      'info',
      'info',
      'debug',
      'debug',
      'info',
      'info',
      'info',
      'info',
      'info',
    ]);
    const all = JSON.stringify(logged);
    for (const token of [good, noScope, expired]) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.split('.')[2] as string);
    }
  });

  it('an unknown issuer is explained to the operator (event, showErrorDetails), never in the challenge', async () => {
    for (const [what, trustedCount] of [
      ['one trusted issuer (jose checks iss)', 1],
      ['two trusted issuers (iss read first)', 2],
    ] as const) {
      const other = 'https://other.example';
      const servers = [{ issuer: issuer.issuer, type: 'oidc' as const }];
      if (trustedCount === 2) servers.push({ issuer: other, type: 'oidc' });
      const events: AuthEvent[] = [];
      const mcpAuth = new MCPAuth({
        protectedResources: { metadata: { resource: RESOURCE, authorizationServers: servers } },
        onEvent: (e) => events.push(e),
      });
      const app = express();
      app.use('/mcp', mcpAuth.bearerAuth('jwt', { showErrorDetails: true }), (_req, res) => res.json({ ok: true }));
      // Keys at hand first, so that the single-issuer case takes jose's own iss check.
      await request(app)
        .get('/mcp')
        .set('Authorization', `Bearer ${await issuer.token().sign()}`);
      const slash = await issuer.sign({
        iss: `${issuer.issuer}/`,
        aud: RESOURCE,
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${slash}`);
      expect(res.status, what).toBe(401);
      expect(res.headers['www-authenticate']).toContain(
        'error_description="The token was not issued by a trusted authorization server"',
      );
      const trusted = trustedCount === 2 ? `"${issuer.issuer}", "${other}"` : `"${issuer.issuer}"`;
      const detail = `the token names iss "${issuer.issuer}/"; this resource trusts ${trusted}`;
      expect(res.body.cause.detail, what).toBe(detail);
      expect(events.at(-1), what).toMatchObject({ reason: 'unknown_issuer', detail });
    }
  });

  it('requireToolScopes refusals are reported too, after the allow of bearerAuth', async () => {
    const events: AuthEvent[] = [];
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
      onEvent: (e) => events.push(e),
    });
    const app = express();
    app.post(
      '/mcp',
      mcpAuth.bearerAuth('jwt'),
      express.json(),
      mcpAuth.requireToolScopes({ add: ['write'] }),
      (_q, r) => r.json({ ok: true }),
    );
    const token = await issuer.token().subject('u9').clientId('c9').scopes('read').sign();
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add', arguments: {} } };
    expect((await request(app).post('/mcp').set('Authorization', `Bearer ${token}`).send(call)).status).toBe(403);
    expect((await request(app).post('/mcp').set('Authorization', `Bearer ${token}`).send('x=1')).status).toBe(400);
    const decisions = events.filter((e) => e.type === 'decision');
    expect(decisions.map((d) => [d.outcome, d.reason, d.status])).toEqual([
      ['allow', 'ok', 200],
      ['deny', 'insufficient_scope', 403],
      ['allow', 'ok', 200],
      ['deny', 'invalid_request', 400],
    ]);
    expect(decisions[1]).toMatchObject({ resource: RESOURCE, subject: 'u9', clientId: 'c9', issuer: issuer.issuer });
    expect(decisions[1]?.type === 'decision' && decisions[1].tokenFingerprint).toMatch(/^[\w-]{12}$/);
  });

  it('reports outages as warnings, and a broken listener breaks nothing', async () => {
    const down = await createTestIssuer({ audience: RESOURCE });
    down.behavior.jwks = 'error';
    const events: AuthEvent[] = [];
    const warned: unknown[] = [];
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: down.issuer, type: 'oidc' }] },
      },
      onEvent: (e) => {
        events.push(e);
        throw new Error('listener bug');
      },
      logger: { debug() {}, info() {}, warn: (o: unknown) => warned.push(o), error() {} },
    });
    const app = express();
    app.use('/mcp', mcpAuth.bearerAuth('jwt'));
    app.get('/mcp', (_req, res) => res.json({ ok: true }));
    const res = await request(app)
      .get('/mcp')
      .set('Authorization', `Bearer ${await down.token().sign()}`);
    expect(res.status).toBe(503);
    expect(events.map((e) => ('reason' in e ? e.reason : `${e.type}:${e.outcome}`))).toEqual([
      'discovery:ok',
      'jwks_refresh:failed',
      'jwks_unavailable',
    ]);
    expect(warned).toHaveLength(1);
    await down.close();
  });

  it('showErrorDetails never carries stacks or key material', async () => {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
    });
    const app = express();
    app.use('/mcp', mcpAuth.bearerAuth('jwt', { showErrorDetails: true }));
    app.get('/mcp', (_req, res) => res.json({ ok: true }));
    for (const token of [await issuer.badlySignedToken(), await issuer.token().expired().sign(), 'x.y.z']) {
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
      const body = JSON.stringify(res.body);
      expect(res.status).toBe(401);
      expect(body).toContain('cause');
      expect(body).not.toMatch(/stack|\bat .*:\d+:\d+|"d":|"n":|BEGIN|PRIVATE/);
      expect(body).not.toContain(token);
    }
  });

  it('validates the logger', () => {
    expect(
      () =>
        new MCPAuth({
          protectedResources: {
            metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
          },
          logger: { info() {} } as never,
        }),
    ).toThrow('logger: must have debug, info, warn and error methods (pino-compatible)');
  });
});
