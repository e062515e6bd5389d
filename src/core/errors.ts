/**
 * Errors thrown by mcp-bearer-auth. Each carries a stable `code` that callers can switch on;
 * messages are for humans and may change.
 */
export class MCPAuthError extends Error {
  override name = 'MCPAuthError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The configuration (constructor or `bearerAuth` options) is wrong. The message names the field. */
export class MCPAuthConfigError extends MCPAuthError {
  override name = 'MCPAuthConfigError';
}

export type AuthServerErrorCode =
  | 'metadata_unavailable'
  /** The issuer's server answered, but has no discovery document of either kind (a 4xx): a wrong issuer URL. */
  | 'metadata_not_found'
  | 'invalid_server_metadata'
  | 'jwks_unavailable'
  | 'missing_jwks_uri'
  | 'introspection_unavailable'
  | 'introspection_failed'
  | 'missing_introspection_endpoint'
  /** A custom verify function could not reach what it verifies against (network failure, timeout). */
  | 'verifier_unavailable'
  /** The DPoP replay store did not answer (in time): no proof can be accepted until it does. */
  | 'replay_store_unavailable';

/** The authorization server (discovery document or JWKS) could not be used. */
export class MCPAuthAuthServerError extends MCPAuthError {
  override name = 'MCPAuthAuthServerError';
  declare readonly code: AuthServerErrorCode;
  /** Seconds after which a retry may succeed (the 503's `Retry-After`), when known. */
  readonly retryAfter: number | undefined;

  constructor(code: AuthServerErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(code, message, options);
    this.retryAfter = options?.retryAfter;
  }

  /** Outages are worth retrying (503); a server that answers with the wrong document is not. */
  get transient(): boolean {
    return (
      this.code === 'metadata_unavailable' ||
      this.code === 'jwks_unavailable' ||
      this.code === 'introspection_unavailable' ||
      this.code === 'verifier_unavailable' ||
      this.code === 'replay_store_unavailable'
    );
  }
}

export type TokenVerificationErrorCode =
  | 'invalid_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'invalid_signature'
  | 'unknown_issuer'
  | 'audience_mismatch'
  | 'algorithm_not_allowed'
  | 'no_matching_key'
  | 'invalid_claims'
  /** Bound to a key (`cnf`, or introspection's `token_type: DPoP`) but presented without a proof. */
  | 'sender_constrained_token'
  /** The DPoP proof is missing, malformed, for another request or key, or replayed. */
  | 'invalid_dpop_proof'
  /** The DPoP proof lacks the resource server's current nonce. */
  | 'use_dpop_nonce';

/**
 * The token is not acceptable (answered with 401 `invalid_token`). Throw it from a custom verify
 * function to refuse a token; its message becomes the `error_description`.
 */
export class MCPAuthTokenVerificationError extends MCPAuthError {
  override name = 'MCPAuthTokenVerificationError';
  /** What the operator needs to fix it (for logs and `showErrorDetails` only, never the challenge). */
  readonly detail: string | undefined;

  constructor(
    message = 'The access token is invalid',
    options?: { cause?: unknown; code?: TokenVerificationErrorCode; detail?: string },
  ) {
    super(options?.code ?? 'invalid_token', message, options);
    this.detail = options?.detail;
  }
}

/**
 * A refusal of a client's token: expected, frequent under attack, and never debugged through a
 * stack trace, so none is captured (capturing one costs more than the rest of a refusal).
 */
export function tokenRefusal(
  message: string,
  code: TokenVerificationErrorCode = 'invalid_token',
  cause?: unknown,
  detail?: string,
): MCPAuthTokenVerificationError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new MCPAuthTokenVerificationError(message, { code, cause, detail });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * A token from an issuer this resource does not trust. The detail names both sides, because the
 * usual cause is a configured issuer that differs from the tokens' `iss` by a trailing slash or a
 * path; the token's value is quoted as JSON and cut short, since it comes from the client.
 */
export function unknownIssuer(
  iss: unknown,
  trusted: Iterable<string> | undefined,
  cause?: unknown,
): MCPAuthTokenVerificationError {
  const named = iss === undefined ? 'no iss' : `iss ${JSON.stringify(iss)?.slice(0, 200)}`;
  const trusts = trusted ? `; this resource trusts ${[...trusted].map((i) => JSON.stringify(i)).join(', ')}` : '';
  return tokenRefusal(
    'The token was not issued by a trusted authorization server',
    'unknown_issuer',
    cause,
    `the token names ${named}${trusts}`,
  );
}

/**
 * A valid token that lacks scopes (or fails a claim check): carries what the 403 needs. Thrown
 * within verification and turned into the response there; it never reaches the application.
 */
export class InsufficientScopeError extends MCPAuthError {
  override name = 'InsufficientScopeError';
  declare readonly code: 'insufficient_scope';

  constructor(
    readonly required: readonly string[],
    readonly granted: readonly string[],
    readonly missing: readonly string[] = required.filter((s) => !granted.includes(s)),
    description = `The token lacks the required scope(s): ${missing.join(' ')}`,
  ) {
    super('insufficient_scope', description);
  }
}

/** A fetch of an authorization server's document failed: why, and its status when it answered. Internal. */
export class FetchJsonError extends Error {
  override name = 'FetchJsonError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown; notJson?: boolean; oauthError?: string },
  ) {
    super(message, options);
    this.notJson = options?.notJson ?? false;
    this.oauthError = options?.oauthError;
  }
  /** The server answered 2xx with a body that is not JSON. */
  readonly notJson: boolean;
  /** A refused form POST: the `error` code of its OAuth error body, when it had one. */
  readonly oauthError: string | undefined;
}

/** For `showErrorDetails`: name, code and message (one level deep), never a stack or key material. */
export function describeCause(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  const inner = error.cause instanceof Error ? error.cause : undefined;
  const detail = error instanceof MCPAuthTokenVerificationError ? error.detail : undefined;
  return {
    name: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: error.message,
    ...(detail === undefined ? {} : { detail }),
    ...(inner ? { cause: { name: inner.name, message: inner.message } } : {}),
  };
}
