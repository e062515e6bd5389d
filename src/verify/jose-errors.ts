/**
 * jose's errors in this library's terms: a refusal of the token (401, with a fixed description
 * that echoes nothing from the token), or an outage when jose could not fetch keys (503).
 */
import {
  MCPAuthAuthServerError,
  type TokenVerificationErrorCode,
  tokenRefusal,
  unknownIssuer,
} from '../core/errors.js';

/** jose errors, by code: a custom verifier may use another copy of jose. */
export function isJoseError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^ERR_(JOSE|JWT|JWS|JWE|JWK)/.test(code);
}

/**
 * jose's errors become 401s with fixed descriptions (nothing from the token is echoed back),
 * except those of its remote JWK Set, which only a custom verify function meets: keys that could
 * not be fetched are an outage (503), not a bad token.
 */
export function mapJoseError(error: unknown, trusted?: Iterable<string>): unknown {
  if (!isJoseError(error)) return error;
  const wrap = (message: string, code: TokenVerificationErrorCode) => tokenRefusal(message, code, error);
  switch (error.code) {
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    // jose's remote JWK Set throws its generic error for a non-200 answer or a body that is not JSON.
    case 'ERR_JOSE_GENERIC':
      return new MCPAuthAuthServerError('jwks_unavailable', `The signing keys could not be fetched: ${error.message}`, {
        cause: error,
        retryAfter: 1,
      });
    case 'ERR_JWT_EXPIRED':
      return wrap('The token has expired', 'token_expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as unknown as { claim?: string; reason?: string };
      if (claim === 'nbf' && reason === 'check_failed')
        return wrap('The token is not yet valid', 'token_not_yet_valid');
      // jose checks `iss` itself when one issuer is trusted: its error carries the payload.
      if (claim === 'iss') {
        return unknownIssuer((error as unknown as { payload?: { iss?: unknown } }).payload?.iss, trusted, error);
      }
      if (claim === 'typ') return wrap('The token is not a JWT access token (typ must be at+jwt)', 'invalid_claims');
      return wrap(`The token's ${String(claim)} claim is missing or invalid`, 'invalid_claims');
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return wrap('The token signature is invalid', 'invalid_signature');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return wrap('The token is signed with an algorithm that is not allowed', 'algorithm_not_allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return wrap('No signing key of the authorization server matches the token', 'no_matching_key');
    default:
      return wrap('The access token is malformed', 'invalid_token');
  }
}
