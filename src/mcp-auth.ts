/** MCPAuth: configuration -> per-resource policies -> Express middleware and the metadata router. */
import { isDeepStrictEqual } from 'node:util';
import type { RequestHandler } from 'express';
import { toSnakeCaseKeys } from './config/case.js';
import {
  type BearerAuthIntrospectionOptions,
  type BearerAuthJwtOptions,
  type BearerAuthOptions,
  customOptionsSchema,
  introspectionOptionsSchema,
  jwtOptionsSchema,
  type ScopeChallengeOptions,
  scopeChallengeOptionsSchema,
  scopeChallengeSchema,
  type ToolScopesOptions,
  toolScopesOptionsSchema,
  toolScopesSchema,
} from './config/options.js';
import { assertUnique, mcpAuthConfig, parseConfig } from './config/schema.js';
import type { AuthServerEntry, MCPAuthConfig, ProtectedResourceMetadataConfig } from './config/types.js';
import { DEFAULTS } from './core/defaults.js';
import { MCPAuthAuthServerError, MCPAuthConfigError } from './core/errors.js';
import { type AuthEventListener, eventListener, reportDenial } from './core/events.js';
import { AuthorizationServer } from './discovery/authorization-server.js';
import { insertWellKnown, PROTECTED_RESOURCE_WELL_KNOWN } from './discovery/well-known.js';
import { createBearerAuthMiddleware } from './express/bearer-auth.js';
import { createMetadataRouter } from './express/metadata-router.js';
import { createToolScopesMiddleware } from './express/tool-scopes.js';
import { BearerAuthHandler } from './http/bearer-auth.js';
import { ErrorResponder } from './http/responses.js';
import { createScopeChallenge, type ScopeChallengeHandler } from './mcp/scope-challenge.js';
import type { ToolScopes } from './mcp/tool-scopes.js';
import { AccessTokenVerifier, type TokenSource } from './verify/access-token.js';
import type { VerifyAccessTokenFunction } from './verify/auth-info.js';
import { ImpliedScopes, type ImpliedScopesConfig } from './verify/implied-scopes.js';
import { createIntrospector } from './verify/introspection.js';
import { type RemoteJwkSetOptions, RemoteJwks } from './verify/jwks.js';
import { createJwtVerifier, type TrustedIssuer } from './verify/jwt.js';
import { ASYMMETRIC_ALGORITHMS, type KeySet } from './verify/keys.js';

interface ProtectedResource {
  resource: string;
  metadataUrl: string;
  metadataPath: string;
  metadataJson: string;
  scopesSupported: ReadonlySet<string> | undefined;
  impliedScopes: ImpliedScopes | undefined;
  authServers: ReadonlyMap<string, AuthorizationServer>;
}

export class MCPAuth {
  private readonly resources: readonly ProtectedResource[];
  /** Key sets shared by every middleware that uses the same JWKS URL and cache options. */
  private readonly keySets = new Map<string, RemoteJwks>();

  /** Where events go (undefined: nowhere, and nothing is spent on them). */
  private readonly events: AuthEventListener | undefined;

  constructor(config: MCPAuthConfig) {
    const parsed = parseConfig(mcpAuthConfig, config);
    this.events = eventListener(parsed.logger, parsed.onEvent);
    const list = Array.isArray(parsed.protectedResources) ? parsed.protectedResources : [parsed.protectedResources];
    const where = (i: number) =>
      Array.isArray(parsed.protectedResources) ? `protectedResources[${i}]` : 'protectedResources';
    const servers = new Map<string, { server: AuthorizationServer; entry: AuthServerEntry; at: string }>();
    this.resources = list.map((entry, i) => {
      const metadata = entry.metadata as ProtectedResourceMetadataConfig;
      const own = new Map<string, AuthorizationServer>();
      metadata.authorizationServers.forEach((as: AuthServerEntry, j: number) => {
        const at = `${where(i)}.metadata.authorizationServers[${j}]`;
        const issuer = 'metadata' in as && as.metadata ? as.metadata.issuer : (as as { issuer: string }).issuer;
        if (own.has(issuer)) throw new MCPAuthConfigError('invalid_config', `${at}: issuer ${issuer} is listed twice`);
        // The same issuer under several resources is one server: one discovery, one key set. So
        // its entries must agree, or one resource would verify with another's keys or secret.
        const known = servers.get(issuer);
        if (known) assertSameEntry(issuer, known, as, at);
        const server = known?.server ?? new AuthorizationServer(as, this.events);
        if (!known) servers.set(issuer, { server, entry: as, at });
        own.set(issuer, server);
      });
      return describeResource(metadata, own, entry.impliedScopes);
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
   * the issuers' keys; `'introspection'` asks the authorization server (RFC 7662); a function
   * verifies any token its own way. Whatever the mode, the result is held to the same issuer,
   * audience, scope and claim checks.
   */
  bearerAuth(mode: 'jwt', options?: BearerAuthJwtOptions): RequestHandler;
  bearerAuth(mode: 'introspection', options: BearerAuthIntrospectionOptions): RequestHandler;
  bearerAuth(verify: VerifyAccessTokenFunction, options?: BearerAuthOptions): RequestHandler;
  bearerAuth(
    mode: 'jwt' | 'introspection' | VerifyAccessTokenFunction,
    options: BearerAuthOptions = {},
  ): RequestHandler {
    if (mode !== 'jwt' && mode !== 'introspection' && typeof mode !== 'function') {
      throw new MCPAuthConfigError(
        'invalid_config',
        "bearerAuth: the first argument must be 'jwt', 'introspection' or a verify function",
      );
    }
    const schema =
      mode === 'jwt' ? jwtOptionsSchema : mode === 'introspection' ? introspectionOptionsSchema : customOptionsSchema;
    const opts = parseConfig(schema, options, 'bearerAuth options') as BearerAuthOptions;
    const resource = this.pickResource(opts.resource);
    const clockTolerance = opts.clockTolerance ?? DEFAULTS.clockToleranceSeconds;
    const requiredScopes = [...new Set(opts.requiredScopes ?? [])];

    const source: TokenSource =
      mode === 'jwt'
        ? this.jwtSource(resource, opts as BearerAuthJwtOptions, clockTolerance)
        : mode === 'introspection'
          ? introspectionSource(resource, opts as BearerAuthIntrospectionOptions, clockTolerance)
          : { kind: 'custom', verify: mode };
    const verifier = new AccessTokenVerifier(source, {
      resource: resource.resource,
      resourceMetadataUrl: resource.metadataUrl,
      impliedScopes: resource.impliedScopes,
      issuers: new Set(resource.authServers.keys()),
      audiences: opts.audience === undefined ? [resource.resource] : [opts.audience].flat(),
      requiredScopes,
      anyScopes: [...new Set(opts.anyScopes ?? [])],
      scopeClaim: opts.scopeClaim,
      claimCheck: opts.claimCheck,
      claimCheckError: opts.claimCheckError ?? 'insufficient_scope',
      maxTokenAge: opts.maxTokenAge,
      clockTolerance,
    });
    const responder = errorResponder(resource, opts.showErrorDetails);
    return createBearerAuthMiddleware(
      new BearerAuthHandler(verifier, responder, requiredScopes, resource.resource, this.events),
      opts.authContext ?? false,
    );
  }

  private jwtSource(resource: ProtectedResource, opts: BearerAuthJwtOptions, clockTolerance: number): TokenSource {
    const allowlist = opts.algorithms ? new Set<string>(opts.algorithms) : undefined;
    const servers = [...resource.authServers.values()];
    const symmetric = opts.algorithms?.find((a) => a.startsWith('HS'));
    if (symmetric && !servers.some((s) => s.keys?.symmetric)) {
      throw new MCPAuthConfigError(
        'invalid_config',
        `bearerAuth options.algorithms: ${symmetric} needs an authorization server configured with \`secret\``,
      );
    }
    const issuers = new Map<string, TrustedIssuer>();
    for (const server of servers) {
      const usable = server.keys ? server.keys.algorithms : ASYMMETRIC_ALGORITHMS;
      const algorithms = allowlist ? usable.filter((a) => allowlist.has(a)) : usable;
      if (algorithms.length === 0) {
        throw new MCPAuthConfigError(
          'invalid_config',
          `bearerAuth options.algorithms: none of them can verify tokens of ${server.issuer} (its keys allow ${usable.join(', ')})`,
        );
      }
      if (!server.keys && server.configuredMetadata && !server.configuredMetadata.jwksUri) {
        throw new MCPAuthConfigError(
          'invalid_config',
          `bearerAuth('jwt'): the authorization server ${server.issuer} is configured without metadata.jwksUri, so its tokens cannot be verified`,
        );
      }
      const keys = server.keys;
      const keySet = keys ? async () => keys : this.keySetResolver(server, opts.remoteJwkSet);
      issuers.set(server.issuer, { keySet, algorithms });
    }
    return {
      kind: 'jwt',
      verifier: createJwtVerifier({
        issuers,
        clockTolerance,
        strict: opts.strict,
        jwtVerify: opts.jwtVerify,
        cacheMaxEntries: opts.cache === false ? 0 : (opts.cache?.maxEntries ?? DEFAULTS.tokenCacheMaxEntries),
      }),
    };
  }

  /**
   * Per-tool scopes: a `tools/call` for a listed tool, by a caller lacking its scopes, is answered
   * 403 `insufficient_scope` (so MCP clients step up). Other methods pass. Mount after
   * `bearerAuth` and `express.json()`.
   */
  requireToolScopes(toolScopes: ToolScopes, options: ToolScopesOptions = {}): RequestHandler {
    const scopes = parseConfig(toolScopesSchema, toolScopes, 'requireToolScopes toolScopes');
    const opts = parseConfig(toolScopesOptionsSchema, options, 'requireToolScopes options');
    const resource = this.pickResource(opts.resource, 'requireToolScopes options');
    const events = this.events;
    return createToolScopesMiddleware(scopes, errorResponder(resource, opts.showErrorDetails), (denial) =>
      reportDenial(events, { ...denial, resource: resource.resource }),
    );
  }

  /**
   * A scope challenge for the MCP TypeScript SDK v2's `registerTool(name, { scopeChallenge }, …)`:
   * when the caller lacks any of `scopes`, the SDK answers 403 `insufficient_scope` naming them
   * plus the caller's granted scopes this resource supports, the same rule as
   * `requireToolScopes` (so a v1-style client that replaces its scope keeps what it had). The
   * resource's scope hierarchy applies. Use it on v2 servers that declare scopes per tool; use
   * `requireToolScopes` with v1, or in front of any server.
   *
   * @example
   * server.registerTool('add-todo', { description: 'Add a todo', scopeChallenge: mcpAuth.scopeChallenge(['todo:write']) }, handler);
   */
  scopeChallenge(scopes: readonly string[], options: ScopeChallengeOptions = {}): ScopeChallengeHandler {
    const required = parseConfig(scopeChallengeSchema, scopes, 'scopeChallenge scopes');
    const opts = parseConfig(scopeChallengeOptionsSchema, options, 'scopeChallenge options');
    const resource = this.pickResource(opts.resource, 'scopeChallenge options');
    return createScopeChallenge(required, errorResponder(resource).challengeScopes);
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
    const found =
      resource === undefined && this.resources.length === 1
        ? this.resources[0]
        : this.resources.find((r) => r.resource === resource);
    if (found) return found;
    const configured = this.resources.map((r) => r.resource).join(', ');
    throw new MCPAuthConfigError(
      'invalid_config',
      resource === undefined
        ? `${where}.resource: required when several resources are configured (one of ${configured})`
        : `${where}.resource: ${resource} is not a configured resource (configured: ${configured})`,
    );
  }

  /** Resolves an issuer's key set once (discovery, then the shared RemoteJwks), then from memory. */
  private keySetResolver(server: AuthorizationServer, options: RemoteJwkSetOptions = {}): () => Promise<KeySet> {
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
      resolved = this.keySets.get(key) ?? new RemoteJwks(metadata.jwksUri, options, this.events);
      this.keySets.set(key, resolved);
      return resolved;
    };
  }
}

/** Two entries for one issuer must be identical: they become one server with one key set. */
function assertSameEntry(
  issuer: string,
  first: { entry: AuthServerEntry; at: string },
  entry: AuthServerEntry,
  at: string,
): void {
  const a = first.entry as unknown as Record<string, unknown>;
  const b = entry as unknown as Record<string, unknown>;
  const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
  if (differing.length === 0) return;
  // Field names only: values may be secrets.
  throw new MCPAuthConfigError(
    'invalid_config',
    `${at}: issuer ${issuer} is also configured at ${first.at}, with a different ${differing.join(', ')}; ` +
      'entries for one issuer must be identical (they share one discovery and one key set)',
  );
}

function introspectionSource(
  resource: ProtectedResource,
  opts: BearerAuthIntrospectionOptions,
  clockTolerance: number,
): TokenSource {
  let server: AuthorizationServer | undefined;
  if (opts.issuer !== undefined) {
    server = resource.authServers.get(opts.issuer);
    if (!server) {
      throw new MCPAuthConfigError(
        'invalid_config',
        `bearerAuth options.issuer: ${opts.issuer} is not an authorization server of ${resource.resource}`,
      );
    }
  } else if (resource.authServers.size === 1) {
    server = resource.authServers.values().next().value;
  } else if (opts.endpoint === undefined) {
    throw new MCPAuthConfigError(
      'invalid_config',
      'bearerAuth options.issuer: required when the resource has several authorization servers (or give options.endpoint)',
    );
  }
  if (opts.endpoint === undefined && server?.configuredMetadata && !server.configuredMetadata.introspectionEndpoint) {
    throw new MCPAuthConfigError(
      'invalid_config',
      `bearerAuth options.endpoint: required, since the configured metadata of ${server.issuer} has no introspectionEndpoint`,
    );
  }
  const configured = opts.endpoint;
  const endpoint = configured
    ? async () => configured
    : async () => {
        const metadata = await (server as AuthorizationServer).getMetadata();
        if (!metadata.introspectionEndpoint) {
          throw new MCPAuthAuthServerError(
            'missing_introspection_endpoint',
            `The metadata of ${(server as AuthorizationServer).issuer} has no introspection_endpoint`,
          );
        }
        return metadata.introspectionEndpoint;
      };
  return {
    kind: 'introspection',
    issuer: server?.issuer,
    verifier: createIntrospector({
      endpoint,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      authMethod: opts.authMethod ?? 'client_secret_basic',
      cacheTtl: opts.cacheTtl ?? DEFAULTS.introspectionCacheTtlSeconds,
      cacheMaxEntries: opts.cacheMaxEntries ?? DEFAULTS.introspectionCacheMaxEntries,
      timeoutMs: opts.timeoutDuration ?? DEFAULTS.introspectionTimeoutMs,
      clockTolerance,
    }),
  };
}

function errorResponder(resource: ProtectedResource, showErrorDetails = false): ErrorResponder {
  return new ErrorResponder({
    resourceMetadataUrl: resource.metadataUrl,
    scopesSupported: resource.scopesSupported,
    impliedScopes: resource.impliedScopes,
    showErrorDetails,
  });
}

function describeResource(
  metadata: ProtectedResourceMetadataConfig,
  authServers: Map<string, AuthorizationServer>,
  impliedScopes: ImpliedScopesConfig | undefined,
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
    impliedScopes:
      impliedScopes && Object.keys(impliedScopes).length > 0 ? new ImpliedScopes(impliedScopes) : undefined,
    authServers,
  };
}
