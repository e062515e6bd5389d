/**
 * Tokens verified by the user's own function. Its answer is user code: its shape is checked and
 * what it left out is filled in; what it throws is translated into this library's terms.
 */
import { MCPAuthAuthServerError, tokenRefusal } from '../core/errors.js';
import type { AuthInfo, VerifyAccessTokenFunction } from './auth-info.js';
import { isJoseError, mapJoseError } from './jose-errors.js';
import type { TokenFormat, Verified } from './token-format.js';

export function createCustomFormat(verify: VerifyAccessTokenFunction, clockTolerance: number): TokenFormat {
  return {
    async verify(token): Promise<Verified> {
      let result: unknown;
      try {
        result = await verify(token);
      } catch (error) {
        fromVerifyFunction(error);
      }
      return { auth: checkShape(token, result, clockTolerance) };
    },
  };
}

/**
 * A jose error is a refusal as in 'jwt' mode, or an outage when jose could not fetch the keys; a
 * failed or timed-out fetch is an outage too. Anything else stays as it is (a bug: 500).
 */
function fromVerifyFunction(error: unknown): never {
  if (isJoseError(error)) throw mapJoseError(error);
  const networkFailure =
    (error instanceof TypeError && error.message === 'fetch failed') ||
    (error instanceof Error && error.name === 'TimeoutError');
  if (networkFailure) {
    throw new MCPAuthAuthServerError('verifier_unavailable', 'The verify function could not reach its server', {
      cause: error,
      retryAfter: 1,
    });
  }
  throw error;
}

function checkShape(token: string, result: unknown, clockTolerance: number): AuthInfo {
  if (typeof result !== 'object' || result === null) {
    throw new TypeError('The verify function must return an AuthInfo object');
  }
  const auth = { ...(result as AuthInfo) };
  if (!Array.isArray(auth.scopes) || !auth.scopes.every((s) => typeof s === 'string')) {
    throw new TypeError('The verify function returned AuthInfo without a string[] `scopes`');
  }
  auth.token = typeof auth.token === 'string' ? auth.token : token;
  auth.clientId = typeof auth.clientId === 'string' ? auth.clientId : '';
  if (auth.expiresAt !== undefined) {
    if (typeof auth.expiresAt !== 'number' || !Number.isFinite(auth.expiresAt)) {
      throw new TypeError('The verify function returned a non-numeric `expiresAt` (seconds since the epoch)');
    }
    if (auth.expiresAt + clockTolerance < Date.now() / 1000) {
      throw tokenRefusal('The token has expired', 'token_expired');
    }
  }
  if (typeof auth.audience === 'string') auth.audience = [auth.audience];
  if (
    auth.audience !== undefined &&
    !(Array.isArray(auth.audience) && auth.audience.every((a) => typeof a === 'string'))
  ) {
    throw new TypeError('The verify function returned an `audience` that is neither a string nor a string[]');
  }
  // `resource` says which resource the token is for; when given it is judged like an audience.
  if (auth.audience === undefined && auth.resource !== undefined) auth.audience = [String(auth.resource)];
  return auth;
}
