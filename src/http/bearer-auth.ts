/**
 * The bearer-auth request flow, free of any framework: from the Authorization header(s) and the
 * request URL to either the caller's AuthInfo or the exact response to send (RFC 6750 §3).
 */
import { MCPAuthAuthServerError, MCPAuthTokenVerificationError } from '../errors.js';
import { type AccessTokenVerifier, InsufficientScopeError } from '../verify/access-token.js';
import type { AuthInfo } from '../verify/auth-info.js';
import { isJoseError, mapJoseError } from '../verify/jwt.js';
import type { ErrorResponder, ErrorResponse } from './responses.js';
import { extractBearerToken } from './token.js';

export type BearerAuthOutcome = { ok: true; auth: AuthInfo } | { ok: false; response: ErrorResponse };

export class BearerAuthHandler {
  /** The 401 for absent credentials is the same every time: built once. */
  private readonly missingResponse: ErrorResponse;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly responder: ErrorResponder,
    requiredScopes: readonly string[],
  ) {
    this.missingResponse = responder.missingToken(requiredScopes);
  }

  /**
   * Never throws or rejects: every failure becomes a response. Answers synchronously when it can
   * (no credentials, a malformed header, a token verified before), so the hot path makes no promise.
   */
  authenticate(
    authorization: readonly string[] | undefined,
    url: string,
  ): BearerAuthOutcome | Promise<BearerAuthOutcome> {
    // Hot path: one `Bearer <token>` header, no query string, a token verified before. Its syntax
    // was checked when it was first verified, so the full extraction below can be skipped.
    const value = authorization?.length === 1 ? authorization[0] : undefined;
    if (value?.startsWith('Bearer ') && !url.includes('?')) {
      try {
        const auth = this.verifier.verifyCached(value.slice(7));
        if (auth) return { ok: true, auth };
      } catch (error) {
        return { ok: false, response: this.errorResponse(error) };
      }
    }
    const extracted = extractBearerToken(authorization, url);
    if (extracted.kind === 'absent') return { ok: false, response: this.missingResponse };
    if (extracted.kind === 'malformed') {
      return { ok: false, response: this.responder.invalidRequest(extracted.description) };
    }
    try {
      const auth = this.verifier.verifyCached(extracted.token);
      if (auth) return { ok: true, auth };
    } catch (error) {
      return { ok: false, response: this.errorResponse(error) };
    }
    return this.verifier.verify(extracted.token, true).then(
      (auth): BearerAuthOutcome => ({ ok: true, auth }),
      (error: unknown): BearerAuthOutcome => ({ ok: false, response: this.errorResponse(error) }),
    );
  }

  private errorResponse(thrown: unknown): ErrorResponse {
    // A custom verifier that let a jose error escape refused the token: same 401 as 'jwt' mode.
    const error = isJoseError(thrown) ? mapJoseError(thrown) : thrown;
    if (error instanceof InsufficientScopeError) {
      return this.responder.insufficientScope(error.required, error.granted, error.message);
    }
    if (error instanceof MCPAuthTokenVerificationError) return this.responder.invalidToken(error.message, error);
    if (error instanceof MCPAuthAuthServerError && error.transient)
      return this.responder.unavailable(error.retryAfter ?? 1, error);
    return this.responder.serverError('The token could not be verified because of a server error', error);
  }
}
