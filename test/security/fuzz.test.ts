/**
 * Property-based fuzzing (fast-check), seeded and bounded so `npm test` stays fast;
 * `npm run fuzz` runs many more cases. Properties: nothing is accepted unless it is a valid
 * token that meets every rule; no 5xx other than the documented 503; nothing throws or rejects.
 */
import express from 'express';
import fc from 'fast-check';
import { base64url } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const RESOURCE = 'https://api.example.com/mcp';
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const settings = { numRuns: RUNS, seed: SEED };
let issuer: TestIssuer;
let mcpAuth: MCPAuth;
let app: express.Express;
let valid: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  issuer = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: {
        resource: RESOURCE,
        authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
        scopesSupported: ['read', 'write'],
      },
    },
  });
  app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] }));
  app.post('/mcp', express.json(), mcpAuth.requireToolScopes({ write: ['write'] }), (_req, res) =>
    res.json({ ok: true }),
  );
  app.get('/mcp', (_req, res) => res.json({ ok: true }));
  valid = await issuer.token().scopes('read').sign();
});

afterAll(async () => {
  await issuer.close();
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

const get = (authorization: string) => request(app).get('/mcp').set('Authorization', authorization);

describe('fuzz', () => {
  it('any Authorization header: only the valid token passes; otherwise 400 or 401', async () => {
    const printable = fc.string({
      unit: fc.constantFrom(
        ...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t',
      ),
      maxLength: 300,
    });
    const header = fc.oneof(
      printable,
      printable.map((s) => `Bearer ${s}`),
      printable.map((s) => `bearer  ${s}`),
      fc.constantFrom('Bearer', 'Bearer ', `Bearer ${valid}, Bearer ${valid}`, `Basic x, Bearer ${valid}`),
    );
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const res = await get(value);
        const isValid = /^bearer +(\S+)$/i.exec(value)?.[1] === valid;
        if (isValid) expect(res.status).toBe(200);
        else expect([400, 401]).toContain(res.status);
      }),
      settings,
    );
  });

  it("a valid token's three parts, mutated: never accepted, always 401", async () => {
    const [h, p, s] = valid.split('.') as [string, string, string];
    const b64 = fc.string({
      unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      minLength: 1,
      maxLength: 120,
    });
    const mutated = fc.oneof(
      fc.tuple(b64, fc.constant(p), fc.constant(s)),
      fc.tuple(fc.constant(h), b64, fc.constant(s)),
      fc.tuple(fc.constant(h), fc.constant(p), b64),
      fc
        .tuple(fc.nat(h.length - 1), fc.constantFrom('A', 'B', '-', '_'))
        .map(([i, c]) => [h.slice(0, i) + c + h.slice(i + 1), p, s] as const),
      fc
        .tuple(fc.nat(p.length - 1), fc.constantFrom('A', 'B', '-', '_'))
        .map(([i, c]) => [h, p.slice(0, i) + c + p.slice(i + 1), s] as const),
      fc
        .tuple(fc.nat(s.length - 1), fc.constantFrom('A', 'B', '-', '_'))
        .map(([i, c]) => [h, p, s.slice(0, i) + c + s.slice(i + 1)] as const),
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (parts) => {
        const token = parts.join('.');
        fc.pre(token !== valid);
        const res = await get(`Bearer ${token}`);
        expect(res.status).toBe(401);
      }),
      settings,
    );
  });

  it('arbitrary JSON in the header and payload of unsigned tokens: 401', async () => {
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jku', 'iss', 'aud', 'exp', 'nbf', 'scope'),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(json, json, fc.string({ maxLength: 40 }), async (header, payload, signature) => {
        const token = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${base64url.encode(signature)}`;
        expect((await get(`Bearer ${token}`)).status).toBe(401);
      }),
      settings,
    );
  });

  it('signed tokens with arbitrary claims: accepted exactly when every rule holds', async () => {
    const now = () => Math.floor(Date.now() / 1000);
    const time = fc.oneof(
      fc.integer({ min: -3600, max: 3600 }).map((d) => now() + d),
      fc.constantFrom(-1, 0, 253402300799, 253402300800, 1e308),
      fc.string({ maxLength: 5 }),
      fc.constant(undefined),
    );
    const aud = fc.oneof(
      fc.constantFrom(
        RESOURCE,
        `${RESOURCE}/`,
        'https://API.example.com/mcp',
        'https://api.example.com/other',
        undefined,
      ),
      fc.array(fc.constantFrom(RESOURCE, 'https://x.example', 7), { maxLength: 3 }),
    );
    const scope = fc.oneof(
      fc.constantFrom('read', 'read write', 'write', '', undefined),
      fc.array(fc.constantFrom('read', 'write')),
    );
    const iss = fc.constantFrom(issuer.issuer, `${issuer.issuer}/`, 'https://evil.example', undefined);
    await fc.assert(
      fc.asyncProperty(fc.record({ exp: time, nbf: time, iat: time, aud, scope, iss }), async (c) => {
        const payload = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
        const token = await issuer.sign(payload);
        const res = await get(`Bearer ${token}`);
        const t = now();
        const date = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v <= 253402300799;
        const audList = typeof c.aud === 'string' ? [c.aud] : Array.isArray(c.aud) ? c.aud : [];
        const scopes = typeof c.scope === 'string' ? c.scope.split(' ') : Array.isArray(c.scope) ? c.scope : [];
        const validToken =
          c.iss === issuer.issuer &&
          date(c.exp) &&
          (c.exp as number) > t - 60 &&
          (c.nbf === undefined || (date(c.nbf) && (c.nbf as number) <= t + 60)) &&
          (c.iat === undefined || date(c.iat)) &&
          audList.some((a) => a === RESOURCE || a === `${RESOURCE}/` || a === 'https://API.example.com/mcp');
        // Times within a second of the tolerance edge are left to the clock.
        const edge = [c.exp, c.nbf].some((v) => typeof v === 'number' && Math.abs(Math.abs(v - t) - 60) <= 2);
        fc.pre(!edge);
        const expected = !validToken ? 401 : scopes.includes('read') ? 200 : 403;
        expect(res.status).toBe(expected);
      }),
      { ...settings, numRuns: Math.min(RUNS, 200) },
    );
  });

  it('arbitrary JSON-RPC bodies through requireToolScopes: 403 only for a call to a listed tool, never 5xx', async () => {
    const token = valid; // read, not write
    const message = fc.oneof(
      fc.record({
        jsonrpc: fc.constant('2.0'),
        id: fc.nat(),
        method: fc.constantFrom('tools/call', 'tools/list', 'initialize'),
        params: fc.option(fc.record({ name: fc.constantFrom('write', 'read', 'constructor', '__proto__') }), {
          nil: undefined,
        }),
      }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const body = fc.oneof(message, fc.array(message, { maxLength: 4 }));
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await request(app)
          .post('/mcp')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(b));
        const messages = Array.isArray(b) ? b : [b];
        const isRpc =
          messages.length > 0 &&
          messages.every(
            (m) =>
              typeof m === 'object' &&
              m !== null &&
              !Array.isArray(m) &&
              (m as { jsonrpc?: unknown }).jsonrpc === '2.0',
          );
        const callsWrite = messages.some(
          (m) =>
            (m as { method?: unknown })?.method === 'tools/call' &&
            (m as { params?: { name?: unknown } })?.params?.name === 'write',
        );
        expect(res.status).toBeLessThan(500);
        if (!isRpc) expect(res.status).toBe(400);
        else expect(res.status).toBe(callsWrite ? 403 : 200);
      }),
      settings,
    );
  });
});
