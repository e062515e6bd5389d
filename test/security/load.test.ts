/**
 * Under load, over real HTTP: a few thousand requests mixing valid, expired, wrong-audience and
 * garbage tokens, 32 at a time. Every valid one succeeds, every invalid one is refused.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';

const RESOURCE = 'https://api.example.com/mcp';
const REQUESTS = 3000;
const CONCURRENCY = 32;
let issuer: TestIssuer;
let server: Server;
let url: string;

beforeAll(async () => {
  issuer = await createTestIssuer({ alg: 'ES256', audience: RESOURCE });
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
  });
  const app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] }));
  app.get('/mcp', (req, res) => res.json({ sub: req.auth?.subject }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await issuer.close();
});

describe('mixed load', () => {
  it(`${REQUESTS} requests: every valid one 200 for its own subject, every invalid one 401`, async () => {
    const kinds = ['valid', 'expired', 'wrong-audience', 'garbage', 'bad-signature'] as const;
    const pool: { kind: (typeof kinds)[number]; token: string; subject: string }[] = [];
    for (let i = 0; i < 100; i++) {
      const subject = `user-${i}`;
      const kind = kinds[i % kinds.length] as (typeof kinds)[number];
      const token =
        kind === 'valid'
          ? await issuer.token().subject(subject).scopes('read').sign()
          : kind === 'expired'
            ? await issuer.token().subject(subject).scopes('read').expired().sign()
            : kind === 'wrong-audience'
              ? await issuer.wrongAudienceToken({ subject, scopes: ['read'] })
              : kind === 'bad-signature'
                ? (await issuer.token().subject(subject).scopes('read').sign()).replace(/.{4}$/, 'AAAA')
                : `garbage.${i}.token`;
      pool.push({ kind, token, subject });
    }
    const wrong: string[] = [];
    let next = 0;
    async function worker() {
      while (next < REQUESTS) {
        const item = pool[next++ % pool.length] as (typeof pool)[number];
        const res = await fetch(url, { headers: { authorization: `Bearer ${item.token}` } });
        const body = (await res.json()) as { sub?: string };
        const ok = item.kind === 'valid' ? res.status === 200 && body.sub === item.subject : res.status === 401;
        if (!ok) wrong.push(`${item.kind} -> ${res.status} ${JSON.stringify(body)}`);
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(wrong).toEqual([]);
  });
});
