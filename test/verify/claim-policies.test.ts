/** Strict RFC 9068 profile and claim policies, through the middleware on both Express majors. */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BearerAuthJwtOptions, MCPAuth } from '../../src/index.js';
import { createTestIssuer, type TestIssuer } from '../../src/testing/index.js';
import { expressVersions, protectedApp } from '../helpers/apps.js';

const RESOURCE = 'https://api.example.com/mcp';
let issuer: TestIssuer;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: RESOURCE });
});
afterAll(() => issuer.close());

describe.each(expressVersions)('claim policies on %s', (_name, express) => {
  const mcpAuth = () =>
    new MCPAuth({
      protectedResources: {
        metadata: {
          resource: RESOURCE,
          authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
          scopesSupported: ['read', 'write', 'admin'],
        },
      },
    });
  const app = (options: BearerAuthJwtOptions) => protectedApp(express, mcpAuth().bearerAuth('jwt', options));
  const call = (a: ReturnType<typeof app>, token: string) =>
    request(a).get('/mcp').set('Authorization', `Bearer ${token}`);
  const challenge = (res: { headers: Record<string, string> }) => res.headers['www-authenticate'] ?? '';

  describe('strict (RFC 9068)', () => {
    const full = () => ({
      iss: issuer.issuer,
      aud: RESOURCE,
      sub: 'u',
      client_id: 'c',
      iat: now(),
      jti: 'j',
      exp: now() + 60,
    });

    it('accepts at+jwt and application/at+jwt with all the claims', async () => {
      const strict = app({ strict: true });
      expect((await call(strict, await issuer.sign(full(), { typ: 'at+jwt' }))).status).toBe(200);
      expect((await call(strict, await issuer.sign(full(), { typ: 'application/at+jwt' }))).status).toBe(200);
    });

    it('refuses an ID token (typ JWT) and tokens missing sub, client_id, iat or jti', async () => {
      const strict = app({ strict: true });
      const idToken = await call(strict, await issuer.sign(full(), { typ: 'JWT' }));
      expect(idToken.status).toBe(401);
      expect(challenge(idToken)).toContain('typ must be at+jwt');
      for (const claim of ['sub', 'client_id', 'iat', 'jti'] as const) {
        const { [claim]: _dropped, ...rest } = full();
        const res = await call(strict, await issuer.sign(rest));
        expect(res.status, claim).toBe(401);
        expect(challenge(res)).toContain(`${claim} claim is missing or invalid`);
      }
    });

    it('applies only to routes that set it', async () => {
      expect(
        (await call(app({}), await issuer.sign({ iss: issuer.issuer, aud: RESOURCE, exp: now() + 60 }, { typ: 'JWT' })))
          .status,
      ).toBe(200);
    });
  });

  describe('scopes', () => {
    it('scopeClaim reads scopes from another claim only (no merging)', async () => {
      const perms = app({ scopeClaim: 'permissions', requiredScopes: ['write'] });
      const token = await issuer.token().claim('permissions', ['read', 'write']).scopes('nothing').sign();
      const res = await call(perms, token);
      expect(res.status).toBe(200);
      expect(res.body.scopes).toEqual(['read', 'write']);
      expect((await call(perms, await issuer.token().scopes('write').sign())).status).toBe(403);
    });

    it('the first present of scope, scp, scopes wins', async () => {
      const res = await call(app({}), await issuer.token().scopes('read').claim('scp', ['admin']).sign());
      expect(res.body.scopes).toEqual(['read']);
    });

    it('anyScopes needs at least one', async () => {
      const any = app({ anyScopes: ['write', 'admin'] });
      expect((await call(any, await issuer.token().scopes('read', 'admin').sign())).status).toBe(200);
      const res = await call(any, await issuer.token().scopes('read').sign());
      expect(res.status).toBe(403);
      expect(challenge(res)).toMatch(/^Bearer error="insufficient_scope", scope="write admin read", /);
      expect(res.body.error_description).toBe('The token needs at least one of the scopes: write admin');
    });
  });

  describe('claimCheck', () => {
    it('true passes; false and a reason are 403 with that reason', async () => {
      const check = app({
        requiredScopes: ['read'],
        claimCheck: (c) =>
          c.tenant === 't1' ? true : c.tenant === undefined ? false : `tenant ${String(c.tenant)} is not allowed`,
      });
      expect((await call(check, await issuer.token().scopes('read').claim('tenant', 't1').sign())).status).toBe(200);
      const wrong = await call(check, await issuer.token().scopes('read').claim('tenant', 't2').sign());
      expect(wrong.status).toBe(403);
      expect(challenge(wrong)).toBe(
        'Bearer error="insufficient_scope", scope="read", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp", error_description="tenant t2 is not allowed"',
      );
      expect(wrong.body).toEqual({ error: 'insufficient_scope', error_description: 'tenant t2 is not allowed' });
      const none = await call(check, await issuer.token().scopes('read').sign());
      expect(none.status).toBe(403);
      expect(none.body.error_description).toBe('The token does not satisfy the claim policy of this resource');
    });

    it('runs after the scope check, may be async, and may answer 401 instead', async () => {
      const seen: unknown[] = [];
      const check = app({
        requiredScopes: ['read'],
        claimCheckError: 'invalid_token',
        claimCheck: async (c) => {
          seen.push(c.sub);
          return c.sub === 'ok';
        },
      });
      expect((await call(check, await issuer.token().subject('x').scopes('nothing').sign())).status).toBe(403);
      expect(seen).toEqual([]);
      const res = await call(check, await issuer.token().subject('x').scopes('read').sign());
      expect(res.status).toBe(401);
      expect(challenge(res)).toContain('error="invalid_token"');
      expect((await call(check, await issuer.token().subject('ok').scopes('read').sign())).status).toBe(200);
    });

    it('a claimCheck that throws is a 500, not a crash', async () => {
      const res = await call(
        app({
          claimCheck: () => {
            throw new Error('bug');
          },
        }),
        await issuer.token().sign(),
      );
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('server_error');
    });
  });

  describe('maxTokenAge', () => {
    it('refuses old tokens and tokens without iat', async () => {
      const young = app({ maxTokenAge: 600, clockTolerance: 0 });
      expect((await call(young, await issuer.token().sign())).status).toBe(200);
      const old = await call(
        young,
        await issuer
          .token()
          .claim('iat', now() - 3600)
          .sign(),
      );
      expect(old.status).toBe(401);
      expect(challenge(old)).toContain('too old');
      const noIat = await call(young, await issuer.sign({ iss: issuer.issuer, aud: RESOURCE, exp: now() + 60 }));
      expect(noIat.status).toBe(401);
      expect(challenge(noIat)).toContain('no iat');
    });
  });
});
