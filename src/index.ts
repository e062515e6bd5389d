export type { DpopAlgorithm, JwsAlgorithm } from './config/keys.js';
export type {
  BearerAuthIntrospectionOptions,
  BearerAuthJwtOptions,
  BearerAuthOptions,
  ClaimCheck,
  IntrospectionAuthMethod,
  RemoteJwkSetOptions,
  ScopeChallengeOptions,
  ToolScopesOptions,
} from './config/options.js';
export type {
  AuthorizationServerMetadata,
  AuthServerConfig,
  AuthServerDiscoveryConfig,
  AuthServerEntry,
  AuthServerType,
  DpopConfig,
  MCPAuthConfig,
  ProtectedResourceConfig,
  ProtectedResourceMetadataConfig,
  ReplayStore,
  TranspileData,
} from './config/types.js';
export {
  type AuthServerErrorCode,
  MCPAuthAuthServerError,
  MCPAuthConfigError,
  MCPAuthError,
  MCPAuthTokenVerificationError,
  type TokenVerificationErrorCode,
} from './core/errors.js';
export type { AuthEvent, AuthEventListener, DecisionReason, Logger } from './core/events.js';
export {
  type FetchServerConfigOptions,
  fetchServerConfig,
  fetchServerConfigByWellKnownUrl,
} from './discovery/server-config.js';
export {
  type CheckStatus,
  type ServerConfigCheck,
  type ServerConfigReport,
  validateServerConfig,
} from './discovery/validate-server-config.js';
export type { AuthenticatedRequest } from './express/bearer-auth.js';
export { getAuthInfo, runWithAuthInfo } from './http/auth-context.js';
export type { ScopeChallenge, ScopeChallengeHandler } from './mcp/scope-challenge.js';
export type { ToolScopes } from './mcp/tool-scopes.js';
export { MCPAuth } from './mcp-auth.js';
export type { AuthInfo, VerifyAccessTokenFunction } from './verify/auth-info.js';
export {
  type RedisClientLike,
  type RedisReplayStoreOptions,
  redisReplayStore,
} from './verify/redis-replay-store.js';
export { memoryReplayStore } from './verify/replay-store.js';
export { type StaticTokenEntry, type StaticTokensOptions, staticTokens } from './verify/static-tokens.js';
