/**
 * The bearer-auth request flow, free of any framework: from the Authorization header(s) and the
 * request URL to either the caller's AuthInfo or the exact response to send (RFC 6750 §3).
 */
import { InsufficientScopeError, MCPAuthAuthServerError, MCPAuthTokenVerificationError } from '../core/errors.js';
import { type AuthEventListener, type DecisionReason, reportDenial, tokenFingerprint } from '../core/events.js';
import type { AccessTokenVerifier } from '../verify/access-token.js';
import type { AuthInfo } from '../verify/auth-info.js';
import type { ErrorResponder, ErrorResponse } from './responses.js';
import { extractBearerToken } from './token.js';

/** Signature checks per batch: bounds how long the first request of a large burst waits. */
const MAX_SIGNATURE_BATCH = 64;

export type BearerAuthOutcome = { ok: true; auth: AuthInfo } | { ok: false; response: ErrorResponse };

export class BearerAuthHandler {
  /** The 401 for absent credentials is the same every time: built once. */
  private readonly missingResponse: ErrorResponse;

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly responder: ErrorResponder,
    requiredScopes: readonly string[],
    private readonly resource: string,
    private readonly listener: AuthEventListener | undefined,
  ) {
    this.missingResponse = responder.missingToken(requiredScopes);
  }

  /**
   * Never throws or rejects: every failure becomes a response. Answers synchronously when no
   * signature needs checking (no credentials, a malformed header, a token verified before), so
   * the hot path makes no promise.
   */
  authenticate(
    authorization: readonly string[] | undefined,
    url: string,
  ): BearerAuthOutcome | Promise<BearerAuthOutcome> {
    // Hot path: one `Bearer <token>` header, no query string, a token verified before. Its syntax
    // was checked when it was first verified, so the full extraction below can be skipped.
    const value = authorization?.length === 1 ? authorization[0] : undefined;
    let missed: string | undefined;
    if (value?.startsWith('Bearer ') && !url.includes('?')) {
      const token = value.slice(7);
      try {
        const auth = this.verifier.verifyCached(token);
        if (auth) return this.allow(auth);
        missed = token;
      } catch (error) {
        return this.deny(error, token);
      }
    }
    const extracted = extractBearerToken(authorization, url);
    if (extracted.kind === 'absent') return this.refuse(this.missingResponse, 'missing_token');
    if (extracted.kind === 'malformed') {
      return this.refuse(this.responder.invalidRequest(extracted.description), 'invalid_request');
    }
    const { token } = extracted;
    if (token !== missed) {
      try {
        const auth = this.verifier.verifyCached(token);
        if (auth) return this.allow(auth);
      } catch (error) {
        return this.deny(error, token);
      }
    }
    if (!this.verifier.verifiesSynchronously) return this.verifyAsync(token);
    // A signature to check: deferred to the end of this turn of the event loop and checked
    // with the others that arrived in it, one after another (see flushSignatureChecks).
    return new Promise((resolve) => {
      if (this.signatureChecks.push({ token, resolve }) === 1) setImmediate(this.flushSignatureChecks);
    });
  }

  /** Tokens whose signatures wait for the next flush. */
  private signatureChecks: {
    token: string;
    resolve: (outcome: BearerAuthOutcome | Promise<BearerAuthOutcome>) => void;
  }[] = [];

  /**
   * Checks every waiting signature back to back; the requests then continue together, as their
   * promises settle after this loop. Checked instead inside each request's own I/O callback, a
   * new token cost 15–20% more server CPU in the benchmark (RS256 and ES256 alike), with the
   * request's handler and response written between one signature check and the next
   * (docs/performance.md). The wait is the rest of the current event-loop turn, and at most
   * MAX_SIGNATURE_BATCH checks (64 ES256 checks: about 5 ms).
   */
  private readonly flushSignatureChecks = (): void => {
    // A bounded batch: those beyond it go in the next turn, after these requests have continued.
    const batch = this.signatureChecks.splice(0, MAX_SIGNATURE_BATCH);
    if (this.signatureChecks.length > 0) setImmediate(this.flushSignatureChecks);
    for (const { token, resolve } of batch) {
      let outcome: BearerAuthOutcome | Promise<BearerAuthOutcome>;
      try {
        outcome = this.checkSignature(token);
      } catch (unexpected) {
        // Not expected (refusals become outcomes, listeners are wrapped); were it to happen, that
        // request alone fails (500, through the framework's error path) and the rest are answered.
        outcome = Promise.reject(unexpected);
      }
      resolve(outcome);
    }
  };

  private checkSignature(token: string): BearerAuthOutcome | Promise<BearerAuthOutcome> {
    let auth: AuthInfo | undefined;
    try {
      auth = this.verifier.verifySync(token);
    } catch (error) {
      return this.deny(error, token);
    }
    return auth ? this.allow(auth) : this.verifyAsync(token);
  }

  private verifyAsync(token: string): Promise<BearerAuthOutcome> {
    return this.verifier.verify(token, true).then(
      (auth) => this.allow(auth),
      (error: unknown) => this.deny(error, token),
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
      reportDenial(this.listener, { reason, status: response.status, resource: this.resource, token, error, detail });
    }
    return { ok: false, response };
  }

  private deny(error: unknown, token: string): BearerAuthOutcome {
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
