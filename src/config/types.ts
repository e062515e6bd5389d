import type { AuthEventListener, Logger } from '../core/events.js';
import type { DpopAlgorithm } from './keys.js';

/**
 * Public configuration types. Field names are the specifications' names in camelCase; the
 * documents we publish or fetch use their snake_case (docs/standards.md).
 */

/** Authorization server metadata, camelCase. Unknown fields are kept. */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  jwksUri?: string;
  registrationEndpoint?: string;
  introspectionEndpoint?: string;
  revocationEndpoint?: string;
  userinfoEndpoint?: string;
  scopesSupported?: string[];
  responseTypesSupported?: string[];
  grantTypesSupported?: string[];
  codeChallengeMethodsSupported?: string[];
  tokenEndpointAuthMethodsSupported?: string[];
  clientIdMetadataDocumentSupported?: boolean;
  [field: string]: unknown;
}

export type AuthServerType = 'oidc' | 'oauth';

/** Rewrites a fetched discovery document (snake_case, as served) before it is validated. */
export type TranspileData = (data: Record<string, unknown>) => Record<string, unknown>;

/** A resolved authorization server: its metadata is known, nothing is fetched for it. */
export interface AuthServerConfig {
  type: AuthServerType;
  metadata: AuthorizationServerMetadata;
}

/** An authorization server found through discovery on the first request that needs it. */
export interface AuthServerDiscoveryConfig {
  type: AuthServerType;
  issuer: string;
  transpileData?: TranspileData;
}

/**
 * An authorization server whose verification keys are given here: tokens are verified without
 * any discovery or JWKS fetch. Exactly one of `jwks`, `publicKey`, `secret`.
 */
export interface AuthServerKeysConfig {
  type: AuthServerType;
  issuer: string;
  /** A JWK Set (public keys). */
  jwks?: { keys: Record<string, unknown>[] };
  /** A PEM SPKI public key (`-----BEGIN PUBLIC KEY-----`); its key type decides the algorithms. */
  publicKey?: string;
  /** A shared secret (its UTF-8 bytes) for HS256/384/512: the only way symmetric tokens are accepted. */
  secret?: string;
  /** Fetched only if something needs it (e.g. the introspection endpoint). */
  transpileData?: TranspileData;
}

export type AuthServerEntry = AuthServerConfig | AuthServerDiscoveryConfig | AuthServerKeysConfig;

/** Protected resource metadata, camelCase. Unknown fields are published as snake_case. */
export interface ProtectedResourceMetadataConfig {
  /** The resource identifier: the MCP endpoint's URL, e.g. `https://api.example.com/mcp`. */
  resource: string;
  authorizationServers: AuthServerEntry[];
  scopesSupported?: string[];
  bearerMethodsSupported?: 'header'[];
  resourceName?: string;
  resourceDocumentation?: string;
  resourcePolicyUri?: string;
  resourceTosUri?: string;
  jwksUri?: string;
  resourceSigningAlgValuesSupported?: string[];
  /**
   * The JWS algorithms DPoP proofs may be signed with: published, and the only ones accepted.
   * Default (not published): every asymmetric algorithm.
   */
  dpopSigningAlgValuesSupported?: DpopAlgorithm[];
  /** True: this resource accepts DPoP-bound tokens only (every route is `dpop: 'required'`). Published. */
  dpopBoundAccessTokensRequired?: boolean;
  [field: string]: unknown;
}

export interface ProtectedResourceConfig {
  metadata: ProtectedResourceMetadataConfig;
  /**
   * Scope hierarchy: each scope maps to the narrower scopes it implies, transitively (no cycles).
   * A token granting `files:admin` under `{ 'files:admin': ['files:write'], 'files:write':
   * ['files:read'] }` passes a route that requires `files:read`, and `req.auth.scopes` lists all
   * three.
   */
  impliedScopes?: Readonly<Record<string, readonly string[]>>;
}

/**
 * Where the `jti` of accepted DPoP proofs is remembered, so that a proof cannot be replayed.
 * `markUsed` answers true for a key not seen within `ttlMs` (and remembers it for that long),
 * false for a replay or a key it cannot vouch for; throwing or rejecting means it cannot answer
 * (the request is answered 503).
 */
export interface ReplayStore {
  markUsed(key: string, ttlMs: number): boolean | Promise<boolean>;
}

/** DPoP settings shared by every route (docs/dpop.md). */
export interface DpopConfig {
  /** Default: in memory, bounded; use `redisReplayStore(client)` when several instances serve one resource. */
  replayStore?: ReplayStore;
  /**
   * Resource-server nonces: proofs must carry a `nonce` this server issued (`DPoP-Nonce`).
   * Stateless: every instance with the same `secret` (32+ characters, or bytes) accepts the same
   * nonces. A nonce lasts `lifetime` seconds (default 300) and the one after.
   */
  nonce?: { secret: string | Uint8Array; lifetime?: number };
  /** Seconds a proof's `iat` may be from now, either way. Default 300. */
  proofMaxAge?: number;
}

export interface MCPAuthConfig {
  protectedResources: ProtectedResourceConfig | ProtectedResourceConfig[];
  /** A pino-compatible logger: decisions (debug/info/error), key refreshes and outages (info/warn). */
  logger?: Logger;
  /** Called with every event (decisions, JWKS refreshes, discovery). Must not throw (if it does, it is ignored). */
  onEvent?: AuthEventListener;
  /** DPoP: the replay store, nonces, and how old a proof may be. */
  dpop?: DpopConfig;
}
