import type { RequestHandler } from 'express';
import { base64url, SignJWT } from 'jose';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth, type MCPAuthConfig, MCPAuthTokenVerificationError } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';
import { close, listen, pipelinedRequests, rawRequest } from '../helpers/http.js';

const RESOURCE = 'https://api.example.com/mcp';
const METADATA_URL = 'https://api.example.com/.well-known/oauth-protected-resource/mcp';
const SCOPES = ['mcp:read', 'mcp:write', 'mcp:admin', 'offline_access'];

let issuer: TestIssuer;
let stranger: TestIssuer;

beforeAll(async () => {
  issuer = await TestIssuer.start();
  stranger = await TestIssuer.start();
});
afterAll(async () => {
  await issuer.close();
  await stranger.close();
});

function config(): MCPAuthConfig {
  return {
    protectedResources: {
      metadata: {
        resource: RESOURCE,
        authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
        scopesSupported: SCOPES,
      },
    },
  };
}

const token = () => issuer.token().audience(RESOURCE).subject('u1').clientId('c1').scopes('mcp:read');

/** Parses `Bearer a="x", b="y"` strictly (quoted-strings with escapes) into a map. */
/** Every asymmetric algorithm: what DPoP challenges name when the metadata configures none. */
const DPOP_ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519';

function challenge(header: string | undefined): Record<string, string> {
  expect(header).toMatch(/^Bearer( |$)/);
  const params: Record<string, string> = {};
  const re = /([a-z_]+)="((?:[^"\\]|\\.)*)"(?:, |$)/gy;
  re.lastIndex = 'Bearer '.length;
  let consumed = re.lastIndex;
  for (let m = re.exec(header as string); m; m = re.exec(header as string)) {
    params[m[1] as string] = (m[2] as string).replace(/\\(.)/g, '$1');
    consumed = re.lastIndex;
  }
  expect(consumed).toBe((header as string).length);
  return params;
}

describe.each(expressVersions)('bearerAuth on %s', (_name, express) => {
  let mcpAuth: MCPAuth;
  let app: ReturnType<typeof express>;

  beforeAll(() => {
    mcpAuth = new MCPAuth(config());
    app = protectedApp(express, mcpAuth.bearerAuth('jwt', { requiredScopes: ['mcp:read'] }));
  });

  describe('absent credentials: 401 without an error', () => {
    it('no Authorization header: a Bearer challenge, then a DPoP one (both schemes are accepted)', async () => {
      const res = await request(app).post('/mcp');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer resource_metadata="${METADATA_URL}", scope="mcp:read", DPoP resource_metadata="${METADATA_URL}", scope="mcp:read", algs="${DPOP_ALGS}"`,
      );
      expect(res.body).toEqual({ error: 'invalid_token', error_description: expect.any(String) });
    });

    it('another scheme', async () => {
      const res = await request(app).get('/mcp').set('Authorization', 'Basic dXNlcjpwYXNz');
      expect(res.status).toBe(401);
      const [bearer] = (res.headers['www-authenticate'] as string).split(', DPoP ');
      expect(challenge(bearer)).toEqual({
        resource_metadata: METADATA_URL,
        scope: 'mcp:read',
      });
    });

    it('no scope parameter when the route requires none', async () => {
      const open = protectedApp(express, mcpAuth.bearerAuth('jwt'));
      const res = await request(open).get('/mcp');
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        `Bearer resource_metadata="${METADATA_URL}", DPoP resource_metadata="${METADATA_URL}", algs="${DPOP_ALGS}"`,
      );
      const bearerOnly = protectedApp(express, mcpAuth.bearerAuth('jwt', { dpop: 'disabled' }));
      expect((await request(bearerOnly).get('/mcp')).headers['www-authenticate']).toBe(
        `Bearer resource_metadata="${METADATA_URL}"`,
      );
    });
  });

  describe('malformed requests: 400 invalid_request', () => {
    it.each([
      ['empty Bearer credential', 'Bearer'],
      ['Bearer and spaces only', 'Bearer    '],
      ['two tokens', 'Bearer abc def'],
      ['comma-joined credentials', 'Bearer abc, Bearer def'],
      ['Bearer plus another scheme', 'Basic dXNlcjpwYXNz, Bearer abc'],
      ['characters outside b64token', 'Bearer abc$def'],
      ['quote in token', 'Bearer "abc"'],
      ['padding in the middle', 'Bearer ab=c'],
    ])('%s', async (_what, value) => {
      const res = await request(app).get('/mcp').set('Authorization', value);
      expect(res.status).toBe(400);
      const params = challenge(res.headers['www-authenticate']);
      expect(params.error).toBe('invalid_request');
      expect(params.resource_metadata).toBe(METADATA_URL);
      expect(params.error_description).toBeTruthy();
      expect(res.body.error).toBe('invalid_request');
    });

    it('access_token in the query string, with or without a header, encoded or not', async () => {
      const good = await token().sign();
      for (const req of [
        request(app).get(`/mcp?access_token=${good}`),
        request(app).get(`/mcp?access%5Ftoken=${good}`).set('Authorization', `Bearer ${good}`),
        request(app).get(`/mcp?x=1&access_token=${good}`).set('Authorization', `Bearer ${good}`),
      ]) {
        const res = await req;
        expect(res.status).toBe(400);
        expect(challenge(res.headers['www-authenticate']).error).toBe('invalid_request');
      }
    });

    it('two Authorization headers, even with the same token', async () => {
      const good = await token().sign();
      const server = await listen(app as never);
      try {
        const res = await rawRequest(server, '/mcp', [
          'Authorization',
          `Bearer ${good}`,
          'Authorization',
          `Bearer ${good}`,
        ]);
        expect(res.status).toBe(400);
        expect(challenge(res.headers['www-authenticate'] as string).error).toBe('invalid_request');
        const one = await rawRequest(server, '/mcp', ['Authorization', `Bearer ${good}`]);
        expect(one.status).toBe(200);
      } finally {
        await close(server);
      }
    });
  });

  describe('valid token', () => {
    it('sets req.auth and calls next() exactly once', async () => {
      const calls: string[] = [];
      const counted = express();
      const bearer = mcpAuth.bearerAuth('jwt', { requiredScopes: ['mcp:read'] });
      counted.use('/mcp', bearer, (_req, _res, next) => {
        calls.push('next');
        next();
      });
      counted.get('/mcp', (req, res) => res.json({ sub: req.auth?.subject }));
      const signed = await token().claim('role', 'admin').sign();
      const res = await request(counted).get('/mcp').set('Authorization', `bearer ${signed}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'u1' });
      expect(calls).toEqual(['next']);
    });

    it('req.auth carries the token, client, scopes, expiry, resource, its metadata URL and claims', async () => {
      const signed = await token().scopes('mcp:read', 'mcp:write').claim('role', 'admin').sign();
      const res = await request(app).post('/mcp').set('Authorization', `Bearer ${signed}`);
      expect(res.status).toBe(200);
      const claims = JSON.parse(Buffer.from(signed.split('.')[1] as string, 'base64url').toString());
      expect(res.body).toEqual({
        token: signed,
        clientId: 'c1',
        scopes: ['mcp:read', 'mcp:write'],
        expiresAt: claims.exp,
        resource: RESOURCE,
        resourceMetadataUrl: 'https://api.example.com/.well-known/oauth-protected-resource/mcp',
        issuer: issuer.issuer,
        subject: 'u1',
        audience: [RESOURCE],
        claims,
        tokenType: 'Bearer',
      });
      expect(res.body.claims.role).toBe('admin');
    });

    it('clientId falls back to azp, then to an empty string; scopes come from scp', async () => {
      const azp = await issuer.sign({
        iss: issuer.issuer,
        aud: RESOURCE,
        sub: 'u2',
        azp: 'from-azp',
        scp: ['mcp:read'],
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${azp}`);
      expect(res.status).toBe(200);
      expect(res.body.clientId).toBe('from-azp');
      expect(res.body.scopes).toEqual(['mcp:read']);
      const none = await issuer.sign({
        iss: issuer.issuer,
        aud: RESOURCE,
        scopes: 'mcp:read',
        exp: Math.floor(Date.now() / 1000) + 60,
      });
      const res2 = await request(app).get('/mcp').set('Authorization', `Bearer ${none}`);
      expect(res2.status).toBe(200);
      expect(res2.body.clientId).toBe('');
      expect(res2.body.scopes).toEqual(['mcp:read']);
    });

    it('audience: an array containing the resource, trailing slash and host case tolerated', async () => {
      for (const aud of [
        [RESOURCE, 'https://other.example'],
        'https://API.Example.COM/mcp/',
        'HTTPS://api.example.com/mcp',
      ]) {
        const signed = await token().audience(aud).sign();
        const res = await request(app).get('/mcp').set('Authorization', `Bearer ${signed}`);
        expect(res.status, JSON.stringify(aud)).toBe(200);
      }
    });
  });

  describe('invalid tokens: 401 invalid_token', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Promise<string>][] = [
      ['not a JWT', async () => 'not-a-jwt'],
      ['three parts of garbage', async () => 'abc.def.ghi'],
      ['a JWE (five parts)', async () => 'a.b.c.d.e'],
      [
        'bad signature (another key, same iss)',
        async () => stranger.sign({ iss: issuer.issuer, aud: RESOURCE, exp: now() + 60 }),
      ],
      [
        'tampered payload',
        async () => {
          const [h, , s] = (await token().sign()).split('.');
          const forged = base64url.encode(
            JSON.stringify({ iss: issuer.issuer, aud: RESOURCE, scope: 'mcp:admin', exp: now() + 60 }),
          );
          return `${h}.${forged}.${s}`;
        },
      ],
      ['expired', async () => token().expired().sign()],
      [
        'not yet valid',
        async () =>
          token()
            .claim('nbf', now() + 3600)
            .sign(),
      ],
      ['no exp', async () => issuer.sign({ iss: issuer.issuer, aud: RESOURCE, scope: 'mcp:read' })],
      [
        'exp past 9999-12-31',
        async () => issuer.sign({ iss: issuer.issuer, aud: RESOURCE, scope: 'mcp:read', exp: 253402300800 }),
      ],
      [
        'exp as a string',
        async () => issuer.sign({ iss: issuer.issuer, aud: RESOURCE, exp: String(now() + 60) as never }),
      ],
      ['unknown issuer', async () => stranger.token().audience(RESOURCE).scopes('mcp:read').sign()],
      ['no issuer', async () => issuer.sign({ aud: RESOURCE, scope: 'mcp:read', exp: now() + 60 })],
      ['wrong audience', async () => token().audience('https://api.example.com/other').sign()],
      ['no audience', async () => issuer.sign({ iss: issuer.issuer, scope: 'mcp:read', exp: now() + 60 })],
      [
        'alg none',
        async () => {
          const h = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
          const p = base64url.encode(
            JSON.stringify({ iss: issuer.issuer, aud: RESOURCE, scope: 'mcp:read', exp: now() + 60 }),
          );
          return `${h}.${p}.`;
        },
      ],
      [
        'HS256 signed with the public key',
        async () => {
          const jwk = issuer.jwks().keys[0];
          return new SignJWT({ iss: issuer.issuer, aud: RESOURCE, scope: 'mcp:read', exp: now() + 60 })
            .setProtectedHeader({ alg: 'HS256', kid: jwk?.kid })
            .sign(new TextEncoder().encode(JSON.stringify(jwk)));
        },
      ],
    ];

    it.each(cases)('%s', async (_what, make) => {
      const res = await request(app)
        .get('/mcp')
        .set('Authorization', `Bearer ${await make()}`);
      expect(res.status).toBe(401);
      const params = challenge(res.headers['www-authenticate']);
      expect(Object.keys(params)).toEqual(['error', 'resource_metadata', 'error_description']);
      expect(params.error).toBe('invalid_token');
      expect(params.resource_metadata).toBe(METADATA_URL);
      expect(res.body).toEqual({ error: 'invalid_token', error_description: params.error_description });
    });

    it('an algorithm outside the allowlist', async () => {
      const esOnly = protectedApp(express, mcpAuth.bearerAuth('jwt', { algorithms: ['ES256'] }));
      const res = await request(esOnly)
        .get('/mcp')
        .set('Authorization', `Bearer ${await token().sign()}`);
      expect(res.status).toBe(401);
      expect(challenge(res.headers['www-authenticate']).error_description).toMatch(/algorithm/);
    });

    it('expiry is judged before scopes', async () => {
      const signed = await token().scopes('nothing').expired().sign();
      const res = await request(app).get('/mcp').set('Authorization', `Bearer ${signed}`);
      expect(res.status).toBe(401);
    });

    it('an unknown issuer causes no outbound request', async () => {
      const fresh = protectedApp(express, new MCPAuth(config()).bearerAuth('jwt'));
      const before = issuer.requests.length;
      const strangerBefore = stranger.requests.length;
      const signed = await stranger.token().audience(RESOURCE).sign();
      const res = await request(fresh).get('/mcp').set('Authorization', `Bearer ${signed}`);
      expect(res.status).toBe(401);
      expect(issuer.requests.length).toBe(before);
      expect(stranger.requests.length).toBe(strangerBefore);
    });

    it('an unknown issuer causes no outbound request once keys are at hand either (unknown kid, no refresh)', async () => {
      const mcpAuth2 = new MCPAuth(config());
      const fresh = protectedApp(express, mcpAuth2.bearerAuth('jwt', { remoteJwkSet: { cooldownDuration: 0 } }));
      expect(
        (
          await request(fresh)
            .get('/mcp')
            .set('Authorization', `Bearer ${await token().sign()}`)
        ).status,
      ).toBe(200);
      const before = issuer.requests.length;
      const foreign = await stranger.token().audience(RESOURCE).scopes('mcp:read').sign();
      const res = await request(fresh).get('/mcp').set('Authorization', `Bearer ${foreign}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('not issued by a trusted authorization server');
      expect(issuer.requests.length).toBe(before);
    });

    it('key-pointing header parameters (jku, x5u, jwk) are never fetched or used', async () => {
      const fresh = protectedApp(express, new MCPAuth(config()).bearerAuth('jwt'));
      const before = stranger.requests.length;
      const evil = await stranger.sign(
        { iss: issuer.issuer, aud: RESOURCE, exp: Math.floor(Date.now() / 1000) + 60 },
        { jku: stranger.jwksUri, x5u: `${stranger.origin}/x5u`, jwk: stranger.jwks().keys[0] },
      );
      const res = await request(fresh).get('/mcp').set('Authorization', `Bearer ${evil}`);
      expect(res.status).toBe(401);
      expect(stranger.requests.length).toBe(before);
    });
  });

  describe('insufficient scope: 403', () => {
    it('lists the required scopes plus granted ones the resource supports, never offline_access', async () => {
      const writer = protectedApp(express, mcpAuth.bearerAuth('jwt', { requiredScopes: ['mcp:write'] }));
      const signed = await token().scopes('mcp:read', 'profile', 'offline_access').sign();
      const res = await request(writer).post('/mcp').set('Authorization', `Bearer ${signed}`);
      expect(res.status).toBe(403);
      const header = res.headers['www-authenticate'] as string;
      expect(header).toMatch(
        /^Bearer error="insufficient_scope", scope="mcp:write mcp:read", resource_metadata="[^"]+", error_description="[^"]*"$/,
      );
      expect(challenge(header)).toEqual({
        error: 'insufficient_scope',
        scope: 'mcp:write mcp:read',
        resource_metadata: METADATA_URL,
        error_description: expect.stringContaining('mcp:write'),
      });
      expect(res.body.error).toBe('insufficient_scope');
    });

    it('all required scopes are needed', async () => {
      const both = protectedApp(express, mcpAuth.bearerAuth('jwt', { requiredScopes: ['mcp:read', 'mcp:write'] }));
      const res = await request(both)
        .get('/mcp')
        .set('Authorization', `Bearer ${await token().scopes('mcp:write').sign()}`);
      expect(res.status).toBe(403);
      expect(challenge(res.headers['www-authenticate']).scope).toBe('mcp:read mcp:write');
      const ok = await request(both)
        .get('/mcp')
        .set('Authorization', `Bearer ${await token().scopes('mcp:write', 'mcp:read').sign()}`);
      expect(ok.status).toBe(200);
    });
  });

  describe('tokens that arrive together (signatures checked in one batch)', () => {
    it('answers each request for its own token: valid, badly signed, expired, lacking scope', async () => {
      const bearer = mcpAuth.bearerAuth('jwt', { requiredScopes: ['mcp:read'] });
      const server = await listen(protectedApp(express, bearer));
      try {
        // Keys at hand first, so that the tokens below take the batched path, not discovery.
        expect((await rawRequest(server, '/mcp', ['Authorization', `Bearer ${await token().sign()}`])).status).toBe(
          200,
        );
        const kinds = ['valid', 'badly signed', 'expired', 'lacking scope'] as const;
        const cases = await Promise.all(
          Array.from({ length: 150 }, async (_, i) => {
            const kind = kinds[i % kinds.length] as (typeof kinds)[number];
            const subject = `user-${i}`;
            const signed =
              kind === 'valid'
                ? await token().subject(subject).sign()
                : kind === 'badly signed'
                  ? await stranger.sign({ iss: issuer.issuer, aud: RESOURCE, sub: subject, exp: 4_000_000_000 })
                  : kind === 'expired'
                    ? await token().subject(subject).expired().sign()
                    : await token().subject(subject).scopes('other').sign();
            return { kind, subject, signed };
          }),
        );
        // Pipelined on one connection, so they reach the middleware together: more than one batch (64).
        const responses = await pipelinedRequests(
          server,
          '/mcp',
          cases.map((c) => `Bearer ${c.signed}`),
        );
        responses.forEach((res, i) => {
          const { kind, subject } = cases[i] as (typeof cases)[number];
          const expected = { valid: 200, 'badly signed': 401, expired: 401, 'lacking scope': 403 }[kind];
          expect([kind, res.status]).toEqual([kind, expected]);
          if (kind === 'valid') expect(JSON.parse(res.body).subject).toBe(subject);
          else
            expect(JSON.parse(res.body).error).toBe(kind === 'lacking scope' ? 'insufficient_scope' : 'invalid_token');
        });
      } finally {
        await close(server);
      }
    });
  });

  describe('custom verify functions', () => {
    const custom = (verify: Parameters<MCPAuth['bearerAuth']>[0], options = {}): RequestHandler =>
      new MCPAuth(config()).bearerAuth(verify as never, { requiredScopes: ['mcp:read'], ...options });

    it('accepts an audience given as a string', async () => {
      const app2 = protectedApp(
        express,
        custom(() => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], audience: `${RESOURCE}/` }) as never),
      );
      const res = await request(app2).get('/mcp').set('Authorization', 'Bearer abc');
      expect(res.status).toBe(200);
      expect(res.body.audience).toEqual([`${RESOURCE}/`]);
    });

    it('sets req.auth from what the function returns', async () => {
      const app2 = protectedApp(
        express,
        custom((t: string) => ({ token: t, clientId: 'c', scopes: ['mcp:read'], subject: 'me' })),
      );
      const res = await request(app2).get('/mcp').set('Authorization', 'Bearer opaque-123');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        token: 'opaque-123',
        clientId: 'c',
        scopes: ['mcp:read'],
        subject: 'me',
        resource: RESOURCE,
      });
    });

    it.each([
      ['MCPAuthTokenVerificationError', 401, () => Promise.reject(new MCPAuthTokenVerificationError('revoked'))],
      [
        'a jose error',
        401,
        async () => {
          const { errors } = await import('jose');
          throw new errors.JWTExpired('expired', {});
        },
      ],
      [
        'an untrusted issuer',
        401,
        () => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], issuer: 'https://evil.example' }),
      ],
      [
        'a foreign audience',
        401,
        () => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], audience: ['https://other.example'] }),
      ],
      [
        'a foreign resource',
        401,
        () => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], resource: new URL('https://other.example/mcp') }),
      ],
      [
        'an expiry in the past',
        401,
        () => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], expiresAt: Date.now() / 1000 - 3600 }),
      ],
      ['too few scopes', 403, () => ({ token: 't', clientId: 'c', scopes: [] })],
      [
        'a TypeError',
        500,
        () => {
          throw new TypeError('bug');
        },
      ],
      ['a rejection with a non-Error', 500, () => Promise.reject('nope')],
      ['undefined', 500, () => undefined],
      ['scopes that are not an array', 500, () => ({ token: 't', clientId: 'c', scopes: 'mcp:read' })],
      ['an audience that is a number', 500, () => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], audience: 42 })],
      [
        'a foreign audience as a string',
        401,
        () => ({ token: 't', clientId: 'c', scopes: ['mcp:read'], audience: 'https://x.example' }),
      ],
    ])('refuses %s with %i', async (_what, status, verify) => {
      const res = await request(protectedApp(express, custom(verify as never)))
        .get('/mcp')
        .set('Authorization', 'Bearer abc');
      expect(res.status).toBe(status);
      if (status === 500) {
        expect(res.headers['www-authenticate']).toBeUndefined();
        expect(res.body).toEqual({ error: 'server_error', error_description: expect.any(String) });
      } else {
        expect(challenge(res.headers['www-authenticate']).error).toBe(
          status === 401 ? 'invalid_token' : 'insufficient_scope',
        );
      }
    });

    it('keeps error_description within RFC 6750: no quotes, backslashes, CR/LF or param-like text', async () => {
      const nasty = 'bad "quote" \\ back\r\nslash scope=evil, resource_metadata="https://evil.example"';
      const app2 = protectedApp(
        express,
        custom(() => Promise.reject(new MCPAuthTokenVerificationError(nasty))),
      );
      const res = await request(app2).get('/mcp').set('Authorization', 'Bearer abc');
      expect(res.status).toBe(401);
      const header = res.headers['www-authenticate'] as string;
      expect(header).not.toMatch(/[\r\n]/);
      expect(header).toContain(
        `error_description="bad 'quote' / back slash scope = evil, resource_metadata = 'https://evil.example'"`,
      );
      expect(header.endsWith('"')).toBe(true);
      const params = challenge(header);
      expect(params.resource_metadata).toBe(METADATA_URL);
      expect(params.scope).toBeUndefined();
      // What the MCP SDK client's loose parser reads: the real values, not the description's.
      expect(header.match(/resource_metadata=(?:"([^"]+)"|([^\s,]+))/)?.[1]).toBe(METADATA_URL);
      expect(header.match(/scope=(?:"([^"]+)"|([^\s,]+))/)).toBeNull();
      expect(res.body.error_description).toBe(nasty);
    });

    it('non-ASCII in a description does not break the header', async () => {
      const app2 = protectedApp(
        express,
        custom(() => Promise.reject(new MCPAuthTokenVerificationError('clé ☃ expirée'))),
      );
      const res = await request(app2).get('/mcp').set('Authorization', 'Bearer abc');
      expect(res.status).toBe(401);
      expect(challenge(res.headers['www-authenticate']).error_description).toBe('cl expir e');
    });

    it('showErrorDetails adds a cause without stacks', async () => {
      const app2 = protectedApp(
        express,
        custom(() => Promise.reject(new TypeError('boom')), { showErrorDetails: true }),
      );
      const res = await request(app2).get('/mcp').set('Authorization', 'Bearer abc');
      expect(res.status).toBe(500);
      expect(res.body.cause).toEqual({ name: 'TypeError', message: 'boom' });
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    });
  });
});
