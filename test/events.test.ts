/** Observability: decisions with stable reasons, key refreshes, outages; never a whole token. */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthEvent, MCPAuth } from '../src/index.js';
import { createTestIssuer, type TestIssuer } from '../src/testing/index.js';

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
