/** MCPAuth: configuration -> per-resource policies -> Express middleware and the metadata router. */
import type { RequestHandler } from 'express';
import { toSnakeCaseKeys } from './config/case.js';
import { DPOP_ALGORITHMS } from './config/keys.js';
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
import { planProtectedResources, type ResourcePlan } from './config/resources.js';
import { mcpAuthConfig, parseConfig } from './config/schema.js';
import type { AuthServerEntry, MCPAuthConfig, ReplayStore } from './config/types.js';
import { DEFAULTS } from './core/defaults.js';
import { MCPAuthConfigError } from './core/errors.js';
import { type AuthEventListener, eventListener, reportRefusal } from './core/events.js';
import { ImpliedScopes } from './core/implied-scopes.js';
import { AuthorizationServer } from './discovery/authorization-server.js';
import { createBearerAuthMiddleware } from './express/bearer-auth.js';
import { createMetadataRouter } from './express/metadata-router.js';
import { createToolScopesMiddleware } from './express/tool-scopes.js';
import { BearerAuthHandler } from './http/bearer-auth.js';
import { ErrorResponder, type ResponderSettings } from './http/responses.js';
import { createScopeChallenge, type ScopeChallengeHandler } from './mcp/scope-challenge.js';
import type { ToolScopes } from './mcp/tool-scopes.js';
import { AccessTokenVerifier } from './verify/access-token.js';
import type { VerifyAccessTokenFunction } from './verify/auth-info.js';
import { createCustomFormat } from './verify/custom.js';
import { DpopNonces } from './verify/dpop-nonce.js';
import { createIntrospectionFormat, introspectionEndpoint } from './verify/introspection.js';
import { IssuerKeys } from './verify/issuer-keys.js';
import { createJwtFormat } from './verify/jwt.js';
import { memoryReplayStore } from './verify/replay-store.js';
import type { TokenFormat } from './verify/token-format.js';

interface ProtectedResource {
  /** The DPoP proof algorithms accepted (as published, or every asymmetric one). */
  dpopAlgorithms: readonly string[];
  /** `dpopBoundAccessTokensRequired`: every route of it is DPoP only. */
  dpopRequired: boolean;
  resource: string;
  metadataUrl: string;
  metadataPath: string;
  metadataJson: string;
  scopesSupported: ReadonlySet<string> | undefined;
  impliedScopes: ImpliedScopes | undefined;
  authServers: ReadonlyMap<string, AuthorizationServer>;
}

/**
 * The auth layer of an MCP server: built from the protected resource's metadata (its identifier
 * and the authorization servers it trusts), it makes the middleware that checks access tokens
 * and the router that publishes the protected resource metadata. Configuration errors are thrown
 * here, naming the field; nothing is fetched until the first request needs it.
 *
 * @example
 * const mcpAuth = new MCPAuth({
 *   protectedResources: {
 *     metadata: {
 *       resource: 'https://mcp.example.com/mcp',
 *       authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }],
 *       scopesSupported: ['todo:read', 'todo:write'],
 *     },
 *   },
 * });
 * app.use(mcpAuth.protectedResourceMetadataRouter());
 * app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['todo:read'] }));
 */
export class MCPAuth {
  private readonly resources: readonly ProtectedResource[];
  /** Issuers' keys, shared by every route: one remote JWK Set per URL and caching options. */
  private readonly issuerKeys: IssuerKeys;

  /** Where events go (undefined: nowhere, and nothing is spent on them). */
  private readonly events: AuthEventListener | undefined;

  /** DPoP, shared by every route: the replay store, resource-server nonces, how old a proof may be. */
  private readonly replayStore: ReplayStore;
  private readonly dpopNonces: DpopNonces | undefined;
  private readonly proofMaxAgeSeconds: number;

  constructor(config: MCPAuthConfig) {
    const parsed = parseConfig(mcpAuthConfig, config);
    this.events = eventListener(parsed.logger, parsed.onEvent);
    this.issuerKeys = new IssuerKeys(this.events);
    const dpop = parsed.dpop ?? {};
    this.replayStore = dpop.replayStore ?? memoryReplayStore();
    this.proofMaxAgeSeconds = dpop.proofMaxAge ?? DEFAULTS.dpopProofMaxAgeSeconds;
    this.dpopNonces = dpop.nonce
      ? new DpopNonces(dpop.nonce.secret, dpop.nonce.lifetime ?? DEFAULTS.dpopNonceLifetimeSeconds)
      : undefined;
    // One server per issuer, shared by every resource that trusts it: one discovery, one key set.
    const servers = new Map<string, AuthorizationServer>();
    const serverFor = (issuer: string, entry: AuthServerEntry) => {
      let server = servers.get(issuer);
      if (!server) {
        server = new AuthorizationServer(entry, this.events);
        servers.set(issuer, server);
      }
      return server;
    };
    this.resources = planProtectedResources(parsed.protectedResources as MCPAuthConfig['protectedResources']).map(
      (plan) => describeResource(plan, new Map([...plan.issuers].map(([iss, entry]) => [iss, serverFor(iss, entry)]))),
    );
  }

  /**
   * Middleware that requires a valid bearer token and sets `req.auth`. `'jwt'` verifies JWTs with
   * the issuers' keys; `'introspection'` asks the authorization server (token introspection); a
   * function verifies any token its own way. Whatever the mode, the result is held to the same
   * issuer, audience, scope and claim checks. A request without a token gets 401 with the
   * challenge MCP clients follow to the metadata; a token lacking scopes gets 403
   * `insufficient_scope`; an unreachable authorization server gets 503, never 401.
   *
   * @example
   * // JWTs from the resource's authorization server, which must carry `todo:read`.
   * app.post('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['todo:read'] }), mcpHandler);
   *
   * // Opaque tokens, asked about at the authorization server.
   * mcpAuth.bearerAuth('introspection', { clientId: 'mcp-server', clientSecret: process.env.INTROSPECTION_SECRET! });
   *
   * // Any token, your way: return AuthInfo, or throw MCPAuthTokenVerificationError to refuse.
   * mcpAuth.bearerAuth(async (token) => lookUp(token));
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
    const where = 'bearerAuth options';
    if (mode === 'jwt') {
      const opts = parseConfig(jwtOptionsSchema, options, where);
      const resource = this.pickResource(opts.resource);
      const format = createJwtFormat({
        issuers: this.issuerKeys.trust([...resource.authServers.values()], opts),
        clockTolerance: clockToleranceOf(opts),
        strict: opts.strict,
        jwtVerify: opts.jwtVerify,
      });
      const cacheMaxEntries = opts.cache === false ? 0 : (opts.cache?.maxEntries ?? DEFAULTS.tokenCacheMaxEntries);
      return this.protect(resource, opts, format, cacheMaxEntries);
    }
    if (mode === 'introspection') {
      const opts = parseConfig(introspectionOptionsSchema, options, where);
      const resource = this.pickResource(opts.resource);
      const cache = opts.cache === false ? { ttl: 0, maxEntries: 0 } : opts.cache;
      const format = createIntrospectionFormat({
        ...introspectionEndpoint(resource.resource, resource.authServers, opts),
        clientId: opts.clientId,
        clientSecret: opts.clientSecret,
        authMethod: opts.authMethod ?? DEFAULTS.introspectionAuthMethod,
        cacheTtlSeconds: cache?.ttl ?? DEFAULTS.introspectionCacheTtlSeconds,
        cacheMaxEntries: cache?.maxEntries ?? DEFAULTS.introspectionCacheMaxEntries,
        timeoutMs: opts.timeoutDuration ?? DEFAULTS.introspectionTimeoutMs,
        clockTolerance: clockToleranceOf(opts),
      });
      return this.protect(resource, opts, format, 0);
    }
    const opts = parseConfig(customOptionsSchema, options, where);
    return this.protect(this.pickResource(opts.resource), opts, createCustomFormat(mode, clockToleranceOf(opts)), 0);
  }

  /** The middleware for a route of `resource` whose tokens come in `format`. */
  private protect(
    resource: ProtectedResource,
    opts: BearerAuthOptions,
    format: TokenFormat,
    cacheMaxEntries: number,
  ): RequestHandler {
    const requiredScopes = [...new Set(opts.requiredScopes ?? [])];
    const dpop = dpopOf(resource, opts.dpop);
    const verifier = new AccessTokenVerifier(format, {
      resource: resource.resource,
      resourceMetadataUrl: resource.metadataUrl,
      impliedScopes: resource.impliedScopes,
      issuers: new Set(resource.authServers.keys()),
      audiences: opts.audience === undefined ? [resource.resource] : [opts.audience].flat(),
      requiredScopes,
      anyScopes: [...new Set(opts.anyScopes ?? [])],
      scopeClaim: opts.scopeClaim,
      claimCheck: opts.claimCheck,
      claimCheckError: opts.claimCheckError ?? DEFAULTS.claimCheckError,
      maxTokenAge: opts.maxTokenAge,
      clockTolerance: clockToleranceOf(opts),
      cacheMaxEntries,
      dpop: dpop && {
        ...dpop,
        allowed: new Set(dpop.algorithms),
        replayStore: this.replayStore,
        proofMaxAgeSeconds: this.proofMaxAgeSeconds,
        origin: new URL(resource.resource).origin,
        nonces: this.dpopNonces,
      },
    });
    const responder = errorResponder(resource, opts.showErrorDetails, dpop && { ...dpop, nonces: this.dpopNonces });
    return createBearerAuthMiddleware(
      new BearerAuthHandler(verifier, responder, requiredScopes, resource.resource, this.events, {
        mode: dpop?.mode ?? 'disabled',
        nonces: this.dpopNonces,
      }),
      opts.authContext ?? DEFAULTS.authContext,
    );
  }

  /**
   * Per-tool scopes: a `tools/call` for a listed tool, by a caller lacking its scopes, is answered
   * 403 `insufficient_scope` (so MCP clients step up). Other methods pass. Mount after
   * `bearerAuth` and `express.json()`.
   *
   * @example
   * app.post(
   *   '/mcp',
   *   mcpAuth.bearerAuth('jwt'),
   *   express.json(),
   *   mcpAuth.requireToolScopes({ 'add-todo': ['todo:write'], 'delete-todo': ['todo:admin'] }),
   *   mcpHandler,
   * );
   */
  requireToolScopes(toolScopes: ToolScopes, options: ToolScopesOptions = {}): RequestHandler {
    const scopes = parseConfig(toolScopesSchema, toolScopes, 'requireToolScopes toolScopes');
    const opts = parseConfig(toolScopesOptionsSchema, options, 'requireToolScopes options');
    const resource = this.pickResource(opts.resource, 'requireToolScopes options');
    const events = this.events;
    // A 403 to a DPoP request is a DPoP challenge, with the algorithms every DPoP challenge names.
    const dpop = { mode: 'allowed' as const, algorithms: resource.dpopAlgorithms, nonces: this.dpopNonces };
    return createToolScopesMiddleware(scopes, errorResponder(resource, opts.showErrorDetails, dpop), (denial) =>
      reportRefusal(events, { ...denial, resource: resource.resource }),
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

  /**
   * Serves each resource's protected resource metadata document at its well-known path (for
   * `https://mcp.example.com/mcp`: `/.well-known/oauth-protected-resource/mcp`), with CORS for
   * browser-based clients. Mount at the app's root, outside any `bearerAuth`.
   *
   * @example
   * app.use(mcpAuth.protectedResourceMetadataRouter());
   */
  protectedResourceMetadataRouter(): RequestHandler {
    return createMetadataRouter(this.resources.map((r) => ({ path: r.metadataPath, json: r.metadataJson })));
  }

  /** The protected resource metadata document (snake_case) published for `resource` (default: the only one). */
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
}

function clockToleranceOf(options: BearerAuthOptions): number {
  return options.clockTolerance ?? DEFAULTS.clockToleranceSeconds;
}

function errorResponder(
  resource: ProtectedResource,
  showErrorDetails: boolean = DEFAULTS.showErrorDetails,
  dpop?: ResponderSettings['dpop'],
): ErrorResponder {
  return new ErrorResponder({
    resourceMetadataUrl: resource.metadataUrl,
    scopesSupported: resource.scopesSupported,
    impliedScopes: resource.impliedScopes,
    showErrorDetails,
    dpop,
  });
}

/**
 * A route's DPoP mode, from its option and its resource's metadata; undefined when DPoP is off.
 * `dpopBoundAccessTokensRequired` makes every route of the resource DPoP only, so a route asking
 * for less is a config error rather than a silent override.
 */
function dpopOf(
  resource: ProtectedResource,
  option: BearerAuthOptions['dpop'],
): { mode: 'allowed' | 'required'; algorithms: readonly string[] } | undefined {
  if (resource.dpopRequired && option !== undefined && option !== 'required') {
    throw new MCPAuthConfigError(
      'invalid_config',
      `bearerAuth options.dpop: '${option}' contradicts dpopBoundAccessTokensRequired of ${resource.resource}`,
    );
  }
  const mode = resource.dpopRequired ? 'required' : (option ?? DEFAULTS.dpop);
  return mode === 'disabled' ? undefined : { mode, algorithms: resource.dpopAlgorithms };
}

function describeResource(plan: ResourcePlan, authServers: Map<string, AuthorizationServer>): ProtectedResource {
  const { metadata, impliedScopes } = plan;
  const { authorizationServers: _entries, ...rest } = metadata;
  const document = {
    ...toSnakeCaseKeys(rest),
    resource: metadata.resource,
    authorization_servers: [...authServers.keys()],
    bearer_methods_supported: metadata.bearerMethodsSupported ?? DEFAULTS.bearerMethodsSupported,
  };
  return {
    dpopAlgorithms: metadata.dpopSigningAlgValuesSupported ?? DPOP_ALGORITHMS,
    dpopRequired: metadata.dpopBoundAccessTokensRequired === true,
    resource: metadata.resource,
    metadataUrl: plan.metadataUrl,
    metadataPath: plan.metadataPath,
    metadataJson: JSON.stringify(document),
    scopesSupported: metadata.scopesSupported ? new Set(metadata.scopesSupported) : undefined,
    impliedScopes:
      impliedScopes && Object.keys(impliedScopes).length > 0 ? new ImpliedScopes(impliedScopes) : undefined,
    authServers,
  };
}
