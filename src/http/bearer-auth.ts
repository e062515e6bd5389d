/**
 * The bearer-auth request flow, free of any framework: from the Authorization header(s) and the
 * request URL to either the caller's AuthInfo or the exact response to send (RFC 6750 §3).
 */
import { describeCause, MCPAuthAuthServerError, MCPAuthTokenVerificationError } from '../errors.js';
import { type AccessTokenVerifier, InsufficientScopeError } from '../verify/access-token.js';
import type { AuthInfo } from '../verify/auth-info.js';
import { isJoseError, mapJoseError } from '../verify/jwt.js';
import { buildChallenge } from './challenge.js';
import { extractBearerToken } from './token.js';

export interface BearerErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export type BearerAuthOutcome = { ok: true; auth: AuthInfo } | { ok: false; response: BearerErrorResponse };

export interface BearerAuthPolicy {
  verifier: AccessTokenVerifier;
  /** Absolute URL of the resource's RFC 9728 metadata document. */
  resourceMetadataUrl: string;
  requiredScopes: readonly string[];
  /** The resource's `scopesSupported`: which granted scopes a 403 may list back. */
  scopesSupported: ReadonlySet<string> | undefined;
  showErrorDetails: boolean;
}

export class BearerAuthHandler {
  /** The 401 for absent credentials is the same every time: built once. */
  private readonly missingResponse: BearerErrorResponse;

  constructor(private readonly policy: BearerAuthPolicy) {
    this.missingResponse = {
      status: 401,
      headers: {
        'WWW-Authenticate': buildChallenge({
          resourceMetadata: policy.resourceMetadataUrl,
          scope: policy.requiredScopes.join(' '),
        }),
      },
      body: { error: 'invalid_token', error_description: 'No bearer token in the Authorization header' },
    };
  }

  /** Never rejects: every failure becomes a response. */
  async authenticate(authorization: readonly string[] | undefined, url: string): Promise<BearerAuthOutcome> {
    const extracted = extractBearerToken(authorization, url);
    if (extracted.kind === 'absent') return { ok: false, response: this.missingResponse };
    if (extracted.kind === 'malformed') {
      return { ok: false, response: this.challengeResponse(400, 'invalid_request', extracted.description) };
    }
    try {
      return { ok: true, auth: await this.policy.verifier.verify(extracted.token) };
    } catch (error) {
      return { ok: false, response: this.errorResponse(error) };
    }
  }

  private errorResponse(thrown: unknown): BearerErrorResponse {
    // A custom verifier that let a jose error escape refused the token: same 401 as 'jwt' mode.
    const error = isJoseError(thrown) ? mapJoseError(thrown) : thrown;
    if (error instanceof InsufficientScopeError) {
      return this.challengeResponse(403, 'insufficient_scope', error.message, error, this.stepUpScope(error.granted));
    }
    if (error instanceof MCPAuthTokenVerificationError) {
      return this.challengeResponse(401, 'invalid_token', error.message, error);
    }
    if (error instanceof MCPAuthAuthServerError && error.transient) {
      return {
        status: 503,
        headers: { 'Retry-After': String(error.retryAfter ?? 1) },
        body: this.body('temporarily_unavailable', 'The authorization server cannot be reached; retry shortly', error),
      };
    }
    return {
      status: 500,
      headers: {},
      body: this.body('server_error', 'The token could not be verified because of a server error', error),
    };
  }

  /** RFC 6750 §3.1 + MCP step-up: required scopes plus those already granted that this resource knows. */
  private stepUpScope(granted: readonly string[]): string {
    const scopes = new Set(this.policy.requiredScopes);
    const supported = this.policy.scopesSupported;
    if (supported) for (const s of granted) if (supported.has(s)) scopes.add(s);
    scopes.delete('offline_access');
    return [...scopes].join(' ');
  }

  private challengeResponse(
    status: 400 | 401 | 403,
    error: 'invalid_request' | 'invalid_token' | 'insufficient_scope',
    description: string,
    cause?: unknown,
    scope?: string,
  ): BearerErrorResponse {
    return {
      status,
      headers: {
        'WWW-Authenticate': buildChallenge({
          error,
          scope,
          resourceMetadata: this.policy.resourceMetadataUrl,
          errorDescription: description,
        }),
      },
      body: this.body(error, description, cause),
    };
  }

  private body(error: string, description: string, cause: unknown): Record<string, unknown> {
    const body: Record<string, unknown> = { error, error_description: description };
    if (this.policy.showErrorDetails && cause !== undefined) body.cause = describeCause(cause);
    return body;
  }
}
