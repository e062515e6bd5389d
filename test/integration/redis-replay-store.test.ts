/**
 * The DPoP replay store shared through a real Redis (REDIS_URL, default redis://127.0.0.1:6379),
 * with both client libraries: two server processes (fixtures/replay-instance.ts), each with its
 * own MCPAuth, its own Redis connection and its own HTTP server, behind one resource. A proof
 * accepted by one and replayed to the other is refused; with the in-memory store (each process
 * its own) the same replay is accepted. A Redis that stops answering gives 503 at once, and
 * service comes back by itself. Without a Redis these tests are skipped with a notice, except
 * under CI=true, where a missing Redis fails the run.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Redis as IORedis } from 'ioredis';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth, type RedisClientLike, type ReplayStore, redisReplayStore } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { accessTokenHash } from '../../src/verify/dpop-proof.js';
import { close } from '../helpers/http.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisAnswers = await (async () => {
  const probe = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    await probe.quit();
    return true;
  } catch {
    return false;
  }
})();
if (!redisAnswers) {
  if (process.env.CI === 'true') throw new Error(`CI=true and no Redis answers at ${REDIS_URL}`);
  console.warn(`redis-replay-store: no Redis at ${REDIS_URL}; these tests are skipped (set REDIS_URL)`);
}

const RESOURCE = 'https://mcp.example.com/mcp';
let issuer: TestIssuer;
let key: { privateKey: KeyObject; jwk: JWK; jkt: string };
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(publicKey);
  key = { privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
});
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  await issuer?.close();
});

/**
 * One server process sharing nothing with another but what `store` shares. Resolves with its URL
 * once it listens; it exits when the test closes its stdin.
 */
async function processInstance(store: 'memory' | 'node-redis' | 'ioredis', prefix = ''): Promise<string> {
  const script = fileURLToPath(new URL('./fixtures/replay-instance.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ISSUER: issuer.issuer, RESOURCE, STORE: store, REDIS_URL, PREFIX: prefix },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  closers.push(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin.end();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  });
  const lines = createInterface({ input: child.stdout });
  const started = new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`replay-instance (${store}) exited with ${code} before listening`)));
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`replay-instance (${store}) did not listen within 20 s`)), 20_000).unref(),
  );
  return Promise.race([started, timeout]);
}

/** The process that answered: each instance reports its pid. */
async function answeredBy(response: Response): Promise<number> {
  return ((await response.json()) as { pid: number }).pid;
}

/** One in-process instance: its own MCPAuth and HTTP server, sharing nothing with another but `replayStore`. */
async function instance(replayStore: ReplayStore): Promise<string> {
  const mcpAuth = new MCPAuth({
    protectedResources: {
      metadata: { resource: RESOURCE, authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] },
    },
    dpop: { replayStore },
  });
  const app = express();
  app.use('/mcp', mcpAuth.bearerAuth('jwt'), (req, res) => res.json({ tokenType: req.auth?.tokenType }));
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => close(server));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

async function proofFor(token: string): Promise<string> {
  return new SignJWT({
    htm: 'GET',
    htu: RESOURCE,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
    ath: accessTokenHash(token),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .sign(key.privateKey);
}

const call = (url: string, token: string, proof: string) =>
  fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: proof } });

const clients: ['node-redis' | 'ioredis', () => Promise<RedisClientLike & { quit(): Promise<unknown> }>][] = [
  [
    'node-redis',
    async () => {
      const c = createClient({ url: REDIS_URL });
      c.on('error', () => {});
      await c.connect();
      return c as unknown as RedisClientLike & { quit(): Promise<unknown> };
    },
  ],
  [
    'ioredis',
    async () => {
      const c = new IORedis(REDIS_URL, { lazyConnect: true });
      c.on('error', () => {});
      await c.connect();
      return c;
    },
  ],
];

describe.skipIf(!redisAnswers).each(clients)('redisReplayStore with %s', (name, connect) => {
  it('two server processes: a proof accepted by one is refused as a replay by the other', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [one, two] = await Promise.all([processInstance(name, prefix), processInstance(name, prefix)]);
    const token = await issuer.token().scopes('read').claim('cnf', { jkt: key.jkt }).sign();
    const proof = await proofFor(token);
    const accepted = await call(one, token, proof);
    expect(accepted.status).toBe(200);
    const replayed = await call(two, token, proof);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toContain('error="invalid_dpop_proof"');
    expect(((await replayed.json()) as { error_description: string }).error_description).toBe(
      'The DPoP proof has been used before',
    );
    // A fresh proof is accepted by the second process: it is a separate, working instance.
    const fresh = await call(two, token, await proofFor(token));
    expect(fresh.status).toBe(200);
    expect(await answeredBy(fresh)).not.toBe(await answeredBy(accepted));
    // One key per accepted proof, bounded and prefixed.
    const admin = await connect();
    closers.push(() => admin.quit());
    const keys = await (admin as unknown as { keys: (p: string) => Promise<string[]> }).keys(`${prefix}*`);
    expect(keys).toHaveLength(2);
    for (const k of keys) expect(k.length).toBeLessThanOrEqual(prefix.length + 43);
  });

  it('Redis that stops answering: 503 with Retry-After within the bound, and service resumes by itself', async () => {
    const [store, admin] = [await connect(), await connect()];
    closers.push(
      () => store.quit(),
      () => admin.quit(),
    );
    const url = await instance(redisReplayStore(store, { prefix: `test:${randomUUID()}:`, timeoutMs: 300 }));
    const token = await issuer.token().scopes('read').claim('cnf', { jkt: key.jkt }).sign();
    // Writes are held for 1.5 s: to the store, Redis is down.
    const pause = admin as unknown as {
      sendCommand?: (a: string[]) => Promise<unknown>;
      call?: (...a: string[]) => Promise<unknown>;
    };
    await (pause.call
      ? pause.call('CLIENT', 'PAUSE', '1500', 'WRITE')
      : pause.sendCommand?.(['CLIENT', 'PAUSE', '1500', 'WRITE']));
    const started = Date.now();
    const during = await call(url, token, await proofFor(token));
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(Date.now() - started).toBeLessThan(1200);
    await new Promise((r) => setTimeout(r, 1700));
    expect((await call(url, token, await proofFor(token))).status).toBe(200);
  });
});

describe('memoryReplayStore', () => {
  it('each process remembers its own proofs: a replay to another process is accepted within the window', async () => {
    const [one, two] = await Promise.all([processInstance('memory'), processInstance('memory')]);
    const token = await issuer.token().scopes('read').claim('cnf', { jkt: key.jkt }).sign();
    const proof = await proofFor(token);
    expect((await call(one, token, proof)).status).toBe(200);
    expect((await call(one, token, proof)).status).toBe(401);
    // What docs/dpop.md warns about: several instances need a shared store.
    expect((await call(two, token, proof)).status).toBe(200);
  });
});
