/**
 * One benchmark server per process: `node --import tsx bench/servers.ts <variant> <issuer> <resource>`.
 * Every variant serves GET /mcp -> {"ok":true} behind its auth (none for 'no-auth'), requiring
 * the scope `read` and the audience `<resource>`. Prints `READY <port>` when listening.
 * 'mcp-bearer-auth-unbatched', '-uncached' and '-jose-only' are ours with one speed-up switched
 * off (signature batching, the verified-token cache, synchronous signatures), for A/B runs;
 * '-redis' keeps DPoP's replay store in Redis (REDIS_URL) rather than in memory.
 * 'req.auth-only' is a reference, not an auth library: it checks nothing and sets the same
 * `req.auth` to every request, which is what Express alone charges any middleware that sets it.
 */
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import express, { type RequestHandler } from 'express';
import { auth as auth0, requiredScopes as auth0Scopes } from 'express-oauth2-jwt-bearer';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient } from 'redis';
import { type AuthInfo, MCPAuth, redisReplayStore } from '../src/index.js';
import { speedUps } from '../src/verify/speed-ups.js';

export const VARIANTS = [
  'no-auth',
  'mcp-bearer-auth',
  'mcp-auth',
  'express-oauth2-jwt-bearer',
  'sdk-requireBearerAuth',
  'req.auth-only',
  'mcp-bearer-auth-unbatched',
  'mcp-bearer-auth-uncached',
  'mcp-bearer-auth-jose-only',
  'mcp-bearer-auth-redis',
] as const;
export type Variant = (typeof VARIANTS)[number];

interface PeerModule {
  MCPAuth: new (config: {
    server: unknown;
  }) => { bearerAuth(mode: 'jwt', options: Record<string, unknown>): RequestHandler };
  fetchServerConfig(issuer: string, options: { type: 'oidc' }): Promise<unknown>;
}

async function middlewareFor(variant: Variant, issuer: string, resource: string): Promise<RequestHandler[]> {
  switch (variant) {
    case 'no-auth':
      return [];
    case 'mcp-bearer-auth-unbatched':
    case 'mcp-bearer-auth-uncached':
    case 'mcp-bearer-auth-jose-only':
    case 'mcp-bearer-auth-redis':
    case 'mcp-bearer-auth': {
      // A/B subjects: the same middleware with one speed-up switched off at its seam (jose-only:
      // no synchronous signatures, and so no batching, which only defers those).
      if (variant === 'mcp-bearer-auth-unbatched') speedUps.signatureBatching = undefined;
      if (variant === 'mcp-bearer-auth-uncached') speedUps.verifiedTokenCache = undefined;
      if (variant === 'mcp-bearer-auth-jose-only') speedUps.synchronousSignatures = undefined;
      // The DPoP replay store in Redis (REDIS_URL) instead of memory: what sharing it costs.
      const replayStore =
        variant === 'mcp-bearer-auth-redis'
          ? redisReplayStore(await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect())
          : undefined;
      const mcpAuth = new MCPAuth({
        protectedResources: { metadata: { resource, authorizationServers: [{ issuer, type: 'oidc' }] } },
        ...(replayStore ? { dpop: { replayStore } } : {}),
      });
      return [mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'] })];
    }
    case 'mcp-auth': {
      // Loaded untyped: mcp-auth declares the SDK's AuthInfo.issuer as required, we as optional,
      // and TypeScript refuses both augmentations in one program.
      const peerName = 'mcp-auth';
      const peer = (await import(peerName)) as PeerModule;
      const mcpAuth = new peer.MCPAuth({ server: await peer.fetchServerConfig(issuer, { type: 'oidc' }) });
      return [mcpAuth.bearerAuth('jwt', { requiredScopes: ['read'], audience: resource })];
    }
    case 'express-oauth2-jwt-bearer':
      return [
        auth0({ issuer, jwksUri: `${issuer}/jwks`, audience: resource }) as RequestHandler,
        auth0Scopes('read') as RequestHandler,
      ];
    case 'req.auth-only': {
      // One object for every request: no allocation, no check; only the property store remains.
      const auth: AuthInfo = {
        token: 'reference',
        clientId: 'bench',
        scopes: ['read'],
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        resource: new URL(resource),
        issuer,
        subject: 'bench',
        audience: [resource],
        claims: { iss: issuer, sub: 'bench', aud: resource, scope: 'read' },
      };
      return [
        (req, _res, next) => {
          req.auth = auth;
          next();
        },
      ];
    }
    case 'sdk-requireBearerAuth': {
      const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
      return [
        requireBearerAuth({
          requiredScopes: ['read'],
          verifier: {
            async verifyAccessToken(token: string) {
              const { payload } = await jwtVerify(token, jwks, { issuer, audience: resource });
              return {
                token,
                clientId: String(payload.client_id ?? ''),
                scopes: String(payload.scope ?? '').split(' '),
                expiresAt: payload.exp,
              };
            },
          },
        }),
      ];
    }
  }
}

const [variant, issuer, resource] = process.argv.slice(2) as [Variant, string, string];
if (!VARIANTS.includes(variant) || !issuer || !resource) {
  console.error(`usage: servers.ts <${VARIANTS.join('|')}> <issuer> <resource>`);
  process.exit(2);
}
const app = express();
app.get('/mcp', ...(await middlewareFor(variant, issuer, resource)), (_req, res) => {
  res.json({ ok: true });
});
// Every failure is answered, never crashes the server: peers' errors become their status codes.
app.use(((error, _req, res, _next) => {
  res.status((error as { status?: number }).status ?? 500).json({ error: 'error' });
}) as express.ErrorRequestHandler);
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`READY ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => process.exit(0));
// The memory floods ask what the server still holds (after a full collection, when started with
// --expose-gc): its caches and stores, as opposed to RSS, which keeps the heap's high-water mark.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  console.log(`RETAINED ${JSON.stringify({ heapUsed, heapTotal, external })}`);
});
