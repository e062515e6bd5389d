/**
 * Bearer authentication of one request, free of any framework: the access token from the
 * Authorization header (and nowhere else), verified, and the outcome: the caller's AuthInfo, or
 * the exact error response to send.
 */
import { InsufficientScopeError, MCPAuthAuthServerError, MCPAuthTokenVerificationError } from '../core/errors.js';
import { type AuthEventListener, type DecisionReason, reportRefusal, tokenFingerprint } from '../core/events.js';
import type { AuthRequest, PresentedToken } from '../core/request.js';
import type { AccessTokenVerifier } from '../verify/access-token.js';
import type { AuthInfo } from '../verify/auth-info.js';
import type { DpopNonces } from '../verify/dpop-nonce.js';
import type { ErrorResponder, ErrorResponse } from './responses.js';

export type BearerAuthOutcome =
  | {
      ok: true;
      auth: AuthInfo;
      /** To send with the response (a fresh `DPoP-Nonce`). */
      headers?: Record<string, string>;
    }
  | { ok: false; response: ErrorResponse };

/** Which schemes a route accepts: DPoP 'disabled' is Bearer only. */
export type DpopMode = 'allowed' | 'required' | 'disabled';

/** A token as the Authorization header may carry it: `b64token`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

type TokenExtraction =
  | { kind: 'token'; token: string; scheme: 'Bearer' | 'DPoP' }
  /** No credentials for us: no header, or another scheme (answered without an `error`). */
  | { kind: 'absent' }
  /** Broken or ambiguous credentials: 400 `invalid_request`. */
  | { kind: 'malformed'; description: string };

/**
 * The access token a request presents, from its one Authorization header, with the scheme it was
 * presented with (`Bearer`; `DPoP` unless the route disables it); never from the URL.
 */
function extractToken(request: AuthRequest, dpop: boolean): TokenExtraction {
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
    if (B64TOKEN.test(token)) return { kind: 'token', token, scheme: 'Bearer' };
  }
  // Everything else, slowly, to say exactly what is wrong.
  const value = field.trim();
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  const lower = scheme.toLowerCase();
  const presented = lower === 'bearer' ? 'Bearer' : dpop && lower === 'dpop' ? 'DPoP' : undefined;
  if (presented === undefined) {
    // `Basic x, Bearer y` is two credentials in one header, not merely another scheme.
    if ((dpop ? /(?:^|,)\s*(?:bearer|dpop)(?:\s|$)/i : /(?:^|,)\s*bearer(?:\s|$)/i).test(value)) {
      return { kind: 'malformed', description: 'Send exactly one credential in the Authorization header' };
    }
    return { kind: 'absent' };
  }
  const token = space === -1 ? '' : value.slice(space + 1).replace(/^ +/, '');
  if (token === '') return { kind: 'malformed', description: `The ${presented} credential is empty` };
  if (/[\s,]/.test(token)) {
    return { kind: 'malformed', description: 'Send exactly one token in the Authorization header' };
  }
  if (!B64TOKEN.test(token)) {
    return { kind: 'malformed', description: `The ${presented} token contains characters RFC 6750 does not allow` };
  }
  return { kind: 'token', token, scheme: presented };
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
    private readonly dpop: { mode: DpopMode; nonces: DpopNonces | undefined } = { mode: 'disabled', nonces: undefined },
  ) {
    this.missingResponse = responder.missingToken(requiredScopes);
  }

  /**
   * The outcome for `request`: synchronous when nothing has to be waited for (no credentials, a
   * malformed header, a verdict at hand), a promise otherwise. Never throws or rejects: every
   * failure becomes a response.
   */
  authenticate(request: AuthRequest): BearerAuthOutcome | Promise<BearerAuthOutcome> {
    const { mode } = this.dpop;
    const extracted = extractToken(request, mode !== 'disabled');
    if (extracted.kind === 'absent') return this.refuse(this.missingResponse, 'missing_token');
    if (extracted.kind === 'malformed') {
      return this.refuse(this.responder.invalidRequest(extracted.description), 'invalid_request');
    }
    const presented: PresentedToken = extracted;
    if (mode === 'required' && presented.scheme === 'Bearer') {
      const response = this.responder.invalidToken('This resource accepts DPoP-bound tokens only', undefined, 'DPoP');
      return this.refuse(response, 'dpop_required', presented.token);
    }
    let verified: AuthInfo | Promise<AuthInfo>;
    try {
      verified = this.verifier.verify(presented, request);
    } catch (error) {
      return this.refusalFor(error, presented);
    }
    if (!(verified instanceof Promise)) return this.allow(verified);
    return verified.then(
      (auth) => this.allow(auth),
      (error: unknown) => this.refusalFor(error, presented),
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
    // With nonces on, a DPoP client learns the current nonce from every response, before it goes stale.
    const nonce = auth.tokenType === 'DPoP' ? this.dpop.nonces?.current() : undefined;
    return nonce === undefined ? { ok: true, auth } : { ok: true, auth, headers: { 'DPoP-Nonce': nonce } };
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

  /** The response for what verification threw, with a challenge of the scheme the request used. */
  private refusalFor(error: unknown, presented: PresentedToken): BearerAuthOutcome {
    const { token, scheme } = presented;
    if (error instanceof InsufficientScopeError) {
      return this.refuse(
        this.responder.insufficientScope(error.required, error.granted, error.message, scheme),
        'insufficient_scope',
        token,
      );
    }
    if (error instanceof MCPAuthTokenVerificationError) {
      const code =
        error.code === 'invalid_dpop_proof' || error.code === 'use_dpop_nonce' ? error.code : 'invalid_token';
      const response = this.responder.invalidToken(error.message, error, scheme, code);
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
