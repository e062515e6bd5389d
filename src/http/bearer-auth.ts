/**
 * Bearer authentication of one request, free of any framework: the access token from the
 * Authorization header (and nowhere else), verified, and the outcome: the caller's AuthInfo, or
 * the exact error response to send.
 */
import { InsufficientScopeError, MCPAuthAuthServerError, MCPAuthTokenVerificationError } from '../core/errors.js';
import { type AuthEventListener, type DecisionReason, reportRefusal, tokenFingerprint } from '../core/events.js';
import type { AuthRequest } from '../core/request.js';
import type { AccessTokenVerifier } from '../verify/access-token.js';
import type { AuthInfo } from '../verify/auth-info.js';
import type { ErrorResponder, ErrorResponse } from './responses.js';

export type BearerAuthOutcome = { ok: true; auth: AuthInfo } | { ok: false; response: ErrorResponse };

/** A token as the Authorization header may carry it: `b64token`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

type TokenExtraction =
  | { kind: 'token'; token: string }
  /** No credentials for us: no header, or another scheme (answered without an `error`). */
  | { kind: 'absent' }
  /** Broken or ambiguous credentials: 400 `invalid_request`. */
  | { kind: 'malformed'; description: string };

/** The access token a request presents, from its one Authorization header; never from the URL. */
function extractBearerToken(request: AuthRequest): TokenExtraction {
  if (request.query !== '' && hasQueryToken(request.query)) {
    return {
      kind: 'malformed',
      description: 'Access tokens are accepted only in the Authorization header, not in the URL',
    };
  }
  const fields = request.authorization;
  if (fields.length === 0) return { kind: 'absent' };
  if (fields.length > 1) return { kind: 'malformed', description: 'Send exactly one Authorization header' };
  const field = fields[0] as string;
  // The usual form, `Bearer <token>`, in one test.
  if (field.startsWith('Bearer ') && field.charCodeAt(7) !== 32) {
    const token = field.slice(7);
    if (B64TOKEN.test(token)) return { kind: 'token', token };
  }
  // Everything else, slowly, to say exactly what is wrong.
  const value = field.trim();
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    // `Basic x, Bearer y` is two credentials in one header, not merely another scheme.
    if (/(?:^|,)\s*bearer(?:\s|$)/i.test(value)) {
      return { kind: 'malformed', description: 'Send exactly one credential in the Authorization header' };
    }
    return { kind: 'absent' };
  }
  const token = space === -1 ? '' : value.slice(space + 1).replace(/^ +/, '');
  if (token === '') return { kind: 'malformed', description: 'The Bearer credential is empty' };
  if (/[\s,]/.test(token)) {
    return { kind: 'malformed', description: 'Send exactly one token in the Authorization header' };
  }
  if (!B64TOKEN.test(token)) {
    return { kind: 'malformed', description: 'The Bearer token contains characters RFC 6750 does not allow' };
  }
  return { kind: 'token', token };
}

function hasQueryToken(query: string): boolean {
  try {
    return new URLSearchParams(query).has('access_token');
  } catch {
    return false;
  }
}

export class BearerAuthHandler {
  /** The 401 for absent credentials is the same every time: built once. */
  private readonly missingResponse: ErrorResponse;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly responder: ErrorResponder,
    requiredScopes: readonly string[],
    /** The protected resource's identifier: what the adapter puts in each request, and events name. */
    readonly resource: string,
    private readonly listener: AuthEventListener | undefined,
  ) {
    this.missingResponse = responder.missingToken(requiredScopes);
  }

  /**
   * The outcome for `request`: synchronous when nothing has to be waited for (no credentials, a
   * malformed header, a verdict at hand), a promise otherwise. Never throws or rejects: every
   * failure becomes a response.
   */
  authenticate(request: AuthRequest): BearerAuthOutcome | Promise<BearerAuthOutcome> {
    const extracted = extractBearerToken(request);
    if (extracted.kind === 'absent') return this.refuse(this.missingResponse, 'missing_token');
    if (extracted.kind === 'malformed') {
      return this.refuse(this.responder.invalidRequest(extracted.description), 'invalid_request');
    }
    const { token } = extracted;
    let verified: AuthInfo | Promise<AuthInfo>;
    try {
      verified = this.verifier.verify(token, request);
    } catch (error) {
      return this.refusalFor(error, token);
    }
    if (!(verified instanceof Promise)) return this.allow(verified);
    return verified.then(
      (auth) => this.allow(auth),
      (error: unknown) => this.refusalFor(error, token),
    );
  }

  private allow(auth: AuthInfo): BearerAuthOutcome {
    if (this.listener) {
      this.listener({
        type: 'decision',
        outcome: 'allow',
        reason: 'ok',
        status: 200,
        resource: this.resource,
        tokenFingerprint: tokenFingerprint(auth.token),
        issuer: auth.issuer,
        subject: auth.subject,
        clientId: auth.clientId,
      });
    }
    return { ok: true, auth };
  }

  private refuse(
    response: ErrorResponse,
    reason: DecisionReason,
    token?: string,
    error?: string,
    detail?: string,
  ): BearerAuthOutcome {
    if (this.listener) {
      reportRefusal(this.listener, { reason, status: response.status, resource: this.resource, token, error, detail });
    }
    return { ok: false, response };
  }

  /** The response for what verification threw. */
  private refusalFor(error: unknown, token: string): BearerAuthOutcome {
    if (error instanceof InsufficientScopeError) {
      return this.refuse(
        this.responder.insufficientScope(error.required, error.granted, error.message),
        'insufficient_scope',
        token,
      );
    }
    if (error instanceof MCPAuthTokenVerificationError) {
      const response = this.responder.invalidToken(error.message, error);
      return this.refuse(response, error.code as DecisionReason, token, undefined, error.detail);
    }
    if (error instanceof MCPAuthAuthServerError) {
      // Our own message (never the token): an operator must see why without showErrorDetails.
      const response = error.transient
        ? this.responder.unavailable(error.retryAfter ?? 1, error)
        : this.responder.serverError('The token could not be verified because of a server error', error);
      return this.refuse(response, error.code, token, error.message);
    }
    const response = this.responder.serverError('The token could not be verified because of a server error', error);
    return this.refuse(response, 'server_error', token);
  }
}
