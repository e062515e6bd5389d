/**
 * A token presented again: whatever is reused between requests (a verdict, its claims, the
 * resource URL), the clock and every per-route policy are judged on every request, and nothing
 * one request's handler does can reach another's.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
const [, express] = expressVersions[0] as (typeof expressVersions)[0];
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
});
afterAll(() => issuer.close());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a token presented again', () => {
  it('exp is checked on every hit', async () => {
    const app = protectedApp(
      express,
      new MCPAuth({
        protectedResources: {
          metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
        },
      }).bearerAuth('jwt', { clockTolerance: 0 }),
    );
    // A few seconds of life, so that a busy machine still gets the first request in before exp.
    const token = await issuer.token().expiresIn(3).sign();
    const exp = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).exp as number;
    expect((await request(app).get('/mcp').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 100);
    const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('expired');
  });

  it('per-route policies are checked on every hit, and cached claims cannot be changed', async () => {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
    });
    const reader = mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] });
    const app = express();
    app.use('/mcp', reader);
    app.get('/mcp', (req, res) => {
      let mutated = true;
      try {
        (req.auth?.claims as Record<string, unknown>).scope = 'admin';
      } catch {
        mutated = false;
      }
      res.json({ mutated, scopes: req.auth?.scopes });
    });
    const token = await issuer.token().scopes('read').sign();
    for (let i = 0; i < 2; i++) {
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
      expect(res.body).toEqual({ mutated: false, scopes: ['read'] });
    }
    const writer = protectedApp(express, mcpAuth.bearerAuth('jwt', { requiredScopes: ['write'] }));
    expect((await request(writer).get('/mcp').set('Authorization', `Bearer ${token}`)).status).toBe(403);
  });

  it('req.auth.resource is one URL for every request, and no handler can change it for the next', async () => {
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
      },
    });
    const app = express();
    app.use('/mcp', mcpAuth.bearerAuth('jwt'));
    const seen: URL[] = [];
    app.get('/mcp', (req, res) => {
      const resource = req.auth?.resource as URL;
      seen.push(resource);
      const before = resource.href;
      let refused = '';
      try {
        resource.pathname = '/admin';
      } catch (error) {
        refused = (error as Error).name;
      }
      resource.searchParams.set('tenant', 'other');
      const copy = new URL(resource);
      copy.pathname = '/elsewhere';
      res.json({ isURL: resource instanceof URL, before, after: resource.href, refused, copy: copy.href });
    });
    const tokens = [await issuer.token().sign(), await issuer.token().sign()];
    for (const token of [...tokens, tokens[0]]) {
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${token}`);
      expect(res.body).toEqual({
        isURL: true,
        before: RESOURCE,
        after: RESOURCE,
        refused: 'TypeError',
        copy: 'https://api.example.com/elsewhere',
      });
    }
    expect(new Set(seen).size).toBe(1);
  });
});
