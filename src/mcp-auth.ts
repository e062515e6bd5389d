/** MCPAuth: configuration -> per-resource policies -> Express middleware and the metadata router. */
import type { RequestHandler } from 'express';
import type { JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { toSnakeCaseKeys } from './config/case.js';
import { assertUnique, mcpAuthConfig, objectError, parseConfig, scopeToken } from './config/schema.js';
import type { AuthServerEntry, MCPAuthConfig, ProtectedResourceMetadataConfig } from './config/types.js';
import { AuthorizationServer } from './discovery/authorization-server.js';
import { insertWellKnown, PROTECTED_RESOURCE_WELL_KNOWN } from './discovery/well-known.js';
import { MCPAuthAuthServerError, MCPAuthConfigError } from './errors.js';
import { createBearerAuthMiddleware } from './express/bearer-auth.js';
import { createMetadataRouter } from './express/metadata-router.js';
import { createToolScopesMiddleware } from './express/tool-scopes.js';
import { BearerAuthHandler } from './http/bearer-auth.js';
import { ErrorResponder } from './http/responses.js';
import { AccessTokenVerifier, type TokenSource } from './verify/access-token.js';
import type { VerifyAccessTokenFunction } from './verify/auth-info.js';
import { type RemoteJwkSetOptions, RemoteJwks } from './verify/jwks.js';
import { ASYMMETRIC_ALGORITHMS, createJwtVerifier } from './verify/jwt.js';

export interface BearerAuthOptions {
  /** Which configured resource this route protects; required when several are configured. */
  resource?: string;
  /** Accepted `aud` value(s); default: the resource identifier. */
  audience?: string | string[];
  /** Scopes the token must all carry; otherwise 403 `insufficient_scope`. */
  requiredScopes?: string[];
  /** Adds a `cause` to JSON error bodies (never a stack or key material). Default false. */
  showErrorDetails?: boolean;
  /** Seconds of leeway for `exp`, `nbf` (and a custom verifier's `expiresAt`). Default 60. */
  clockTolerance?: number;
}

export interface BearerAuthJwtOptions extends BearerAuthOptions {
  /** Allowed JWS algorithms; default: every asymmetric one jose supports. */
  algorithms?: (typeof ASYMMETRIC_ALGORITHMS)[number][];
  /** Passed to jose's `jwtVerify` (e.g. `typ`, `maxTokenAge`); issuer, algorithms and `exp` stay enforced. */
  jwtVerify?: JWTVerifyOptions;
  /** JWKS caching, with jose's option names. */
  remoteJwkSet?: RemoteJwkSetOptions;
}

interface ProtectedResource {
  resource: string;
  metadataUrl: string;
  metadataPath: string;
  metadataJson: string;
  scopesSupported: ReadonlySet<string> | undefined;
  authServers: ReadonlyMap<string, AuthorizationServer>;
}

const nonNegative = z.number({ error: 'must be a number' }).finite('must be finite').min(0, 'must not be negative');
const commonOptions = {
  resource: z.string({ error: 'must be a string' }).optional(),
  audience: z
    .union(
      [
        z.string().min(1, 'must not be empty'),
        z.array(z.string().min(1, 'must not be empty')).min(1, 'must not be empty'),
      ],
      {
        error: 'must be a string or a non-empty array of strings',
      },
    )
    .optional(),
  requiredScopes: z.array(scopeToken, { error: 'must be an array of scope tokens' }).optional(),
  showErrorDetails: z.boolean({ error: 'must be a boolean' }).optional(),
  clockTolerance: nonNegative.optional(),
};
const customOptionsSchema = z.strictObject(commonOptions, { error: objectError });
const jwtOptionsSchema = z.strictObject(
  {
    ...commonOptions,
    algorithms: z
      .array(
        z.enum(ASYMMETRIC_ALGORITHMS, {
          error: `must be asymmetric JWS algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}); 'none' and HS* are refused`,
        }),
      )
      .min(1, 'must not be empty')
      .optional(),
    jwtVerify: z
      .looseObject({}, { error: objectError })
      .superRefine((value, ctx) => {
        // These have their own options (or are fixed): a second place to set them could only loosen them.
        for (const key of ['algorithms', 'clockTolerance', 'issuer']) {
          if (key in value) {
            const instead = key === 'issuer' ? "the resource's authorizationServers" : `bearerAuth options.${key}`;
            ctx.addIssue({ code: 'custom', path: [key], message: `set ${instead} instead` });
          }
        }
      })
      .optional(),
    remoteJwkSet: z
      .strictObject(
        {
          cooldownDuration: nonNegative.optional(),
          cacheMaxAge: nonNegative.optional(),
          timeoutDuration: z.number({ error: 'must be a number' }).positive('must be positive').optional(),
          headers: z.record(z.string(), z.string()).optional(),
        },
        { error: objectError },
      )
      .optional(),
  },
  { error: objectError },
);

const toolScopesSchema = z.record(
  z.string(),
  z.array(scopeToken, { error: 'must be an array of scope tokens' }).min(1, 'must not be empty'),
  {
    error: 'must be an object mapping tool names to scope arrays',
  },
);
const toolScopesOptionsSchema = z.strictObject(
  { resource: commonOptions.resource, showErrorDetails: commonOptions.showErrorDetails },
  { error: objectError },
);

export interface ToolScopesOptions {
  /** Which configured resource; required when several are configured. */
  resource?: string;
  showErrorDetails?: boolean;
}

const DEFAULT_CLOCK_TOLERANCE = 60;

export class MCPAuth {
  private readonly resources: readonly ProtectedResource[];
  /** Key sets shared by every middleware that uses the same JWKS URL and cache options. */
  private readonly keySets = new Map<string, RemoteJwks>();

  constructor(config: MCPAuthConfig) {
    const parsed = parseConfig(mcpAuthConfig, config);
    const list = Array.isArray(parsed.protectedResources) ? parsed.protectedResources : [parsed.protectedResources];
    const where = (i: number) =>
      Array.isArray(parsed.protectedResources) ? `protectedResources[${i}]` : 'protectedResources';
    const servers = new Map<string, AuthorizationServer>();
    this.resources = list.map((entry, i) => {
      const metadata = entry.metadata as ProtectedResourceMetadataConfig;
      const own = new Map<string, AuthorizationServer>();
      metadata.authorizationServers.forEach((as: AuthServerEntry, j: number) => {
        const issuer = 'metadata' in as && as.metadata ? as.metadata.issuer : (as as { issuer: string }).issuer;
        if (own.has(issuer)) {
          throw new MCPAuthConfigError(
            'invalid_config',
            `${where(i)}.metadata.authorizationServers[${j}]: issuer ${issuer} is listed twice`,
          );
        }
        // The same issuer under several resources is one server: one discovery, one key set.
        const server = servers.get(issuer) ?? new AuthorizationServer(as);
        servers.set(issuer, server);
        own.set(issuer, server);
      });
      return describeResource(metadata, own);
    });
    assertUnique(
      this.resources.map((r) => r.resource),
      (i) => `${where(i)}.metadata.resource`,
      'resource',
    );
    assertUnique(
      this.resources.map((r) => r.metadataPath),
      (i) => `${where(i)}.metadata.resource`,
      'metadata path',
    );
  }

  /**
   * Middleware that requires a valid bearer token and sets `req.auth`. `'jwt'` verifies JWTs with
   * the issuers' JWKS; a function verifies any token its own way, and its result is then held to
   * the same issuer, audience and scope checks.
   */
  bearerAuth(mode: 'jwt', options?: BearerAuthJwtOptions): RequestHandler;
  bearerAuth(verify: VerifyAccessTokenFunction, options?: BearerAuthOptions): RequestHandler;
  bearerAuth(modeOrVerify: 'jwt' | VerifyAccessTokenFunction, options: BearerAuthJwtOptions = {}): RequestHandler {
    if (modeOrVerify !== 'jwt' && typeof modeOrVerify !== 'function') {
      throw new MCPAuthConfigError(
        'invalid_config',
        "bearerAuth: the first argument must be 'jwt' or a verify function",
      );
    }
    const isJwt = modeOrVerify === 'jwt';
    const opts = parseConfig(
      isJwt ? jwtOptionsSchema : customOptionsSchema,
      options,
      'bearerAuth options',
    ) as BearerAuthJwtOptions;
    const resource = this.pickResource(opts.resource);
    const clockTolerance = opts.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE;
    const requiredScopes = [...new Set(opts.requiredScopes ?? [])];

    if (isJwt) {
      for (const server of resource.authServers.values()) {
        if (server.configuredMetadata && !server.configuredMetadata.jwksUri) {
          throw new MCPAuthConfigError(
            'invalid_config',
            `bearerAuth('jwt'): the authorization server ${server.issuer} is configured without metadata.jwksUri, so its tokens cannot be verified`,
          );
        }
      }
    }
    const source: TokenSource = isJwt
      ? {
          kind: 'jwt',
          verify: createJwtVerifier({
            keySets: new Map(
              [...resource.authServers].map(([issuer, server]) => [
                issuer,
                this.keySetResolver(server, opts.remoteJwkSet),
              ]),
            ),
            algorithms: opts.algorithms ?? ASYMMETRIC_ALGORITHMS,
            clockTolerance,
            jwtVerify: opts.jwtVerify,
          }),
        }
      : { kind: 'custom', verify: modeOrVerify };

    const verifier = new AccessTokenVerifier(source, {
      resource: resource.resource,
      issuers: new Set(resource.authServers.keys()),
      audiences: opts.audience === undefined ? [resource.resource] : [opts.audience].flat(),
      requiredScopes,
      clockTolerance,
    });
    const responder = errorResponder(resource, opts.showErrorDetails);
    return createBearerAuthMiddleware(new BearerAuthHandler(verifier, responder, requiredScopes));
  }

  /**
   * Per-tool scopes: a `tools/call` for a listed tool, by a caller lacking its scopes, is answered
   * 403 `insufficient_scope` (so MCP clients step up). Other methods pass. Mount after
   * `bearerAuth` and `express.json()`.
   */
  requireToolScopes(toolScopes: Record<string, string[]>, options: ToolScopesOptions = {}): RequestHandler {
    const scopes = parseConfig(toolScopesSchema, toolScopes, 'requireToolScopes toolScopes');
    const opts = parseConfig(toolScopesOptionsSchema, options, 'requireToolScopes options');
    const resource = this.pickResource(opts.resource, 'requireToolScopes options');
    return createToolScopesMiddleware(scopes, errorResponder(resource, opts.showErrorDetails));
  }

  /** Serves each resource's RFC 9728 document at its well-known path. Mount at the app's root. */
  protectedResourceMetadataRouter(): RequestHandler {
    return createMetadataRouter(this.resources.map((r) => ({ path: r.metadataPath, json: r.metadataJson })));
  }

  /** The RFC 9728 document (snake_case) published for `resource` (default: the only one). */
  getProtectedResourceMetadata(resource?: string): Record<string, unknown> {
    return JSON.parse(this.pickResource(resource, 'getProtectedResourceMetadata').metadataJson) as Record<
      string,
      unknown
    >;
  }

  private pickResource(resource: string | undefined, where = 'bearerAuth options'): ProtectedResource {
    if (resource === undefined) {
      if (this.resources.length === 1) return this.resources[0] as ProtectedResource;
      throw new MCPAuthConfigError(
        'invalid_config',
        `${where}.resource: required when several resources are configured (one of ${this.resources.map((r) => r.resource).join(', ')})`,
      );
    }
    const found = this.resources.find((r) => r.resource === resource);
    if (!found) {
      throw new MCPAuthConfigError(
        'invalid_config',
        `${where}.resource: ${resource} is not a configured resource (configured: ${this.resources.map((r) => r.resource).join(', ')})`,
      );
    }
    return found;
  }

  /** Resolves an issuer's key set once (discovery, then the shared RemoteJwks), then from memory. */
  private keySetResolver(server: AuthorizationServer, options: RemoteJwkSetOptions = {}): () => Promise<RemoteJwks> {
    let resolved: RemoteJwks | undefined;
    return async () => {
      if (resolved) return resolved;
      const metadata = await server.getMetadata();
      if (!metadata.jwksUri) {
        throw new MCPAuthAuthServerError(
          'missing_jwks_uri',
          `The metadata of ${server.issuer} has no jwks_uri: JWTs cannot be verified`,
        );
      }
      const key = `${metadata.jwksUri} ${JSON.stringify(options)}`;
      resolved = this.keySets.get(key) ?? new RemoteJwks(metadata.jwksUri, options);
      this.keySets.set(key, resolved);
      return resolved;
    };
  }
}

function errorResponder(resource: ProtectedResource, showErrorDetails = false): ErrorResponder {
  return new ErrorResponder({
    resourceMetadataUrl: resource.metadataUrl,
    scopesSupported: resource.scopesSupported,
    showErrorDetails,
  });
}

function describeResource(
  metadata: ProtectedResourceMetadataConfig,
  authServers: Map<string, AuthorizationServer>,
): ProtectedResource {
  const { authorizationServers: _entries, ...rest } = metadata;
  const document = {
    ...toSnakeCaseKeys(rest),
    resource: metadata.resource,
    authorization_servers: [...authServers.keys()],
    bearer_methods_supported: metadata.bearerMethodsSupported ?? ['header'],
  };
  const metadataUrl = insertWellKnown(metadata.resource, PROTECTED_RESOURCE_WELL_KNOWN);
  return {
    resource: metadata.resource,
    metadataUrl,
    metadataPath: new URL(metadataUrl).pathname,
    metadataJson: JSON.stringify(document),
    scopesSupported: metadata.scopesSupported ? new Set(metadata.scopesSupported) : undefined,
    authServers,
  };
}
