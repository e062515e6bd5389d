import type { AuthEventListener, Logger } from '../core/events.js';

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

export interface MCPAuthConfig {
  protectedResources: ProtectedResourceConfig | ProtectedResourceConfig[];
  /** A pino-compatible logger: decisions (debug/info/error), key refreshes and outages (info/warn). */
  logger?: Logger;
  /** Called with every event (decisions, JWKS refreshes, discovery). Must not throw (if it does, it is ignored). */
  onEvent?: AuthEventListener;
}
