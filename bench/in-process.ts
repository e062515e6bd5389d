/**
 * The part of a request that differs between the libraries, measured without HTTP: our whole
 * middleware (header, verification, `req.auth`, or the 401) against jose's `jwtVerify` alone,
 * which every peer calls inside its own middleware (mcp-auth and the SDK's verifier with jose 6,
 * express-oauth2-jwt-bearer with its own jose 4), and against the bare signature check
 * (node:crypto's one-shot verify of the signing input), which nothing can go below. A peer cannot
 * cost less than its jwtVerify call, so our middleware at or under it is at least as fast as any
 * peer; its distance to the bare check is all it adds to the signature itself.
 *
 * Like a server under load, 50 calls are in flight at once (one after another, a WebCrypto job
 * would pay a thread-pool round trip that concurrent jobs share). CPU is the process's (every
 * thread: WebCrypto's jobs run on libuv's pool), per token, median over rounds in rotated order.
 */
import { createPublicKey, verify as oneShotVerify } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Request, RequestHandler, Response } from 'express';
import { base64url, createRemoteJWKSet, type JWK, jwtVerify } from 'jose';
import { MCPAuth } from '../src/index.js';

export type InProcessSubject =
  | 'mcp-bearer-auth middleware'
  | 'jose 6 jwtVerify'
  | 'jose 4 jwtVerify'
  | 'signature check alone (node:crypto)';

/** How many subjects are measured (each takes fresh tokens). */
export const IN_PROCESS_SUBJECTS = 4;

/** Calls in flight at once, as with the HTTP scenarios' 50 connections. */
const IN_FLIGHT = 50;
export interface InProcessRow {
  alg: string;
  scenario: 'never-seen' | 'bad-signature';
  subject: InProcessSubject;
  /** Median over rounds. */
  cpuUs: number;
  range: [number, number];
}

type Verify = (token: string) => Promise<unknown>;

interface Jose4 {
  createRemoteJWKSet(url: URL): unknown;
  jwtVerify(token: string, key: unknown, options: object): Promise<unknown>;
}

export async function measureInProcess(options: {
  alg: string;
  issuer: string;
  resource: string;
  /** Valid tokens this process has never seen: each is used once. */
  fresh: readonly string[];
  bad: readonly string[];
  rounds: number;
  perRound: number;
}): Promise<InProcessRow[]> {
  const { issuer, resource, rounds, perRound } = options;
  const mcpAuth = new MCPAuth({
    protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oidc' }] } },
  });
  const ours = middlewareCall(mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] }));
  const jwks6 = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const jose6: Verify = (token) => jwtVerify(token, jwks6, { issuer, audience: resource });
  // express-oauth2-jwt-bearer's own copy of jose (4.x), resolved from where it lives.
  const auth0Require = createRequire(createRequire(import.meta.url).resolve('express-oauth2-jwt-bearer'));
  const jose4Module = auth0Require('jose') as Jose4;
  const jwks4 = jose4Module.createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const jose4: Verify = (token) => jose4Module.jwtVerify(token, jwks4, { issuer, audience: resource });
  const signatureOnly = await bareSignatureCheck(issuer, options.alg);
  const subjects: [InProcessSubject, Verify][] = [
    ['mcp-bearer-auth middleware', ours],
    ['jose 6 jwtVerify', jose6],
    ['jose 4 jwtVerify', jose4],
    ['signature check alone (node:crypto)', signatureOnly],
  ];

  // Discovery, key fetches and JIT warm-up are not part of any measurement.
  let next = 0;
  const freshToken = () => {
    const token = options.fresh[next++];
    if (token === undefined) throw new Error('in-process benchmark: not enough fresh tokens');
    return token;
  };
  for (const [, verify] of subjects) {
    await inFlight(verify, Array.from({ length: perRound }, freshToken));
    await inFlight(
      verify,
      Array.from({ length: perRound }, (_, i) => options.bad[i % options.bad.length] as string),
    );
  }

  const rows: InProcessRow[] = [];
  for (const scenario of ['never-seen', 'bad-signature'] as const) {
    const samples = new Map<InProcessSubject, number[]>(subjects.map(([s]) => [s, []]));
    for (let round = 0; round < rounds; round++) {
      for (let j = 0; j < subjects.length; j++) {
        const [subject, verify] = subjects[(j + round) % subjects.length] as [InProcessSubject, Verify];
        const tokens =
          scenario === 'never-seen'
            ? Array.from({ length: perRound }, freshToken)
            : Array.from({ length: perRound }, (_, i) => options.bad[i % options.bad.length] as string);
        const before = process.cpuUsage();
        await inFlight(verify, tokens);
        const used = process.cpuUsage(before);
        samples.get(subject)?.push((used.user + used.system) / perRound);
      }
    }
    for (const [subject, values] of samples) {
      const sorted = [...values].sort((a, b) => a - b);
      rows.push({
        alg: options.alg,
        scenario,
        subject,
        cpuUs: sorted[sorted.length >> 1] as number,
        range: [sorted[0] as number, sorted.at(-1) as number],
      });
    }
  }
  return rows;
}

const settle = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    () => undefined,
  );

/** Every token through `verify`, IN_FLIGHT at a time. */
async function inFlight(verify: Verify, tokens: readonly string[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tokens.length) await settle(verify(tokens[next++] as string));
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
}

/** The floor: the JWS signature alone, checked with the issuer's (single) key, nothing parsed. */
async function bareSignatureCheck(issuer: string, alg: string): Promise<Verify> {
  const { keys } = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: JWK[] };
  const key = createPublicKey({ key: keys[0] as JWK & { kty: string }, format: 'jwk' });
  const options = alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  const digest = `sha${alg.slice(2)}`;
  return async (token) => {
    const dot = token.lastIndexOf('.');
    const data = Buffer.from(token.slice(0, dot), 'latin1');
    if (!oneShotVerify(digest, data, options, base64url.decode(token.slice(dot + 1)))) throw new Error('bad signature');
  };
}

/** Runs the Express middleware on a bare request: resolves when it calls next or answers. */
function middlewareCall(middleware: RequestHandler): Verify {
  return (token) =>
    new Promise((resolve) => {
      const authorization = `Bearer ${token}`;
      const req = {
        rawHeaders: ['Host', '127.0.0.1', 'Authorization', authorization],
        headers: { host: '127.0.0.1', authorization },
        originalUrl: '/mcp',
        url: '/mcp',
      } as unknown as Request;
      const res = {
        headersSent: false,
        statusCode: 200,
        setHeader() {},
        end: () => resolve(undefined),
      } as unknown as Response;
      middleware(req, res, () => resolve(undefined));
    });
}
