/**
 * Every option default, in one place, with its unit in its name. Documented with the options
 * (docs/bearer-auth.md, docs/jwt.md, docs/introspection.md, docs/configuration.md).
 */
export const DEFAULTS = {
  /** bearerAuth `dpop`. */
  dpop: 'allowed',
  /** MCPAuth `dpop.proofMaxAge`: a proof's `iat` this far from now, either way. */
  dpopProofMaxAgeSeconds: 300,
  /** MCPAuth `dpop.nonce.lifetime`. */
  dpopNonceLifetimeSeconds: 300,
  /** memoryReplayStore `maxEntries`: accepted proofs remembered at once. */
  replayStoreMaxEntries: 100_000,
  /** redisReplayStore `timeoutMs`: the wait for Redis before answering 503. */
  redisReplayStoreTimeoutMs: 500,
  /** bearerAuth `claimCheckError`. */
  claimCheckError: 'insufficient_scope',
  /** bearerAuth `showErrorDetails` (and requireToolScopes'). */
  showErrorDetails: false,
  /** bearerAuth `authContext`. */
  authContext: false,
  /** Protected resource metadata `bearerMethodsSupported`. */
  bearerMethodsSupported: ['header'],
  /** bearerAuth('introspection') `authMethod`. */
  introspectionAuthMethod: 'client_secret_basic',
  /** bearerAuth `clockTolerance`. */
  clockToleranceSeconds: 60,
  /** bearerAuth('jwt') `cache.maxEntries`. */
  tokenCacheMaxEntries: 10_000,
  /** bearerAuth('jwt') `remoteJwkSet.cooldownDuration`. */
  jwksCooldownMs: 30_000,
  /** bearerAuth('jwt') `remoteJwkSet.cacheMaxAge`. */
  jwksCacheMaxAgeMs: 600_000,
  /** bearerAuth('jwt') `remoteJwkSet.timeoutDuration`. */
  jwksTimeoutMs: 5_000,
  /** bearerAuth('jwt') `remoteJwkSet.maxStaleDuration`. */
  jwksMaxStaleMs: 86_400_000,
  /** bearerAuth('introspection') `cache.ttl`. */
  introspectionCacheTtlSeconds: 60,
  /** bearerAuth('introspection') `cache.maxEntries`. */
  introspectionCacheMaxEntries: 10_000,
  /** bearerAuth('introspection') `timeoutDuration`. */
  introspectionTimeoutMs: 5_000,
  /** `fetchServerConfig` `timeoutMs`, and discovery on first use. */
  discoveryTimeoutMs: 5_000,
} as const;
