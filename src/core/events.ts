/**
 * What the library reports: every decision with a stable reason code, and the key refreshes and
 * outages behind them. Give a pino-compatible logger, or a function, to `new MCPAuth({ logger })`
 * / `new MCPAuth({ onEvent })`. Tokens are never reported, only a short fingerprint.
 */
import type { AuthServerErrorCode, TokenVerificationErrorCode } from './errors.js';
import { tokenDigest } from './token-digest.js';

/** Stable reason codes of decisions: a token refusal's code, or the request's fate otherwise. */
export type DecisionReason =
  | 'ok'
  | 'missing_token'
  | 'invalid_request'
  /** A Bearer token on a route that accepts DPoP-bound tokens only. */
  | 'dpop_required'
  | TokenVerificationErrorCode
  | 'insufficient_scope'
  | AuthServerErrorCode
  | 'server_error';

export type AuthEvent =
  | {
      type: 'decision';
      outcome: 'allow' | 'deny';
      reason: DecisionReason;
      status: number;
      resource: string;
      /** First 12 characters of the token's SHA-256 (base64url): correlates, reveals nothing. */
      tokenFingerprint?: string;
      issuer?: string;
      subject?: string;
      clientId?: string;
      /** For a 500 or 503 caused by the authorization server or our configuration: what went wrong. */
      error?: string;
      /** For some refusals, what an operator needs to fix them (e.g. which issuer a token named). */
      detail?: string;
    }
  | { type: 'jwks_refresh'; uri: string; outcome: 'ok' | 'failed'; keys?: number; error?: string }
  | {
      type: 'discovery';
      issuer: string;
      outcome: 'ok' | 'failed';
      error?: string;
      /** Found, but not as configured (the other kind of document): what to change. Logged at warn. */
      warning?: string;
    };

export type AuthEventListener = (event: AuthEvent) => void;

/** The subset of pino's (and most loggers') interface used here. */
export interface Logger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** Fields of a refusal, for `reportRefusal`. */
export interface Refusal {
  reason: DecisionReason;
  status: number;
  resource: string;
  /** The refused token, when there was one: reported as a fingerprint only. */
  token?: string;
  /** The caller, when the token was valid (a refusal after authentication, e.g. a tool's scopes). */
  auth?: { issuer?: string; subject?: string; clientId?: string };
  error?: string;
  detail?: string;
}

/** Reports a refusal to the listener, if there is one. */
export function reportRefusal(listener: AuthEventListener | undefined, denial: Refusal): void {
  if (!listener) return;
  const { token, auth, error, detail, ...fields } = denial;
  listener({
    type: 'decision',
    outcome: 'deny',
    ...fields,
    ...(token === undefined ? {} : { tokenFingerprint: tokenFingerprint(token) }),
    ...(auth ? { issuer: auth.issuer, subject: auth.subject, clientId: auth.clientId } : {}),
    ...(error === undefined ? {} : { error }),
    ...(detail === undefined ? {} : { detail }),
  });
}

export function tokenFingerprint(token: string): string {
  return tokenDigest(token).slice(0, 12);
}

/** One listener from the options; undefined (no cost at all) when neither is given. */
export function eventListener(
  logger: Logger | undefined,
  onEvent: AuthEventListener | undefined,
): AuthEventListener | undefined {
  if (!logger && !onEvent) return undefined;
  // A broken listener must not break authentication, nor keep the other one from hearing.
  return (event) => {
    try {
      onEvent?.(event);
    } catch {
      // ignored on purpose
    }
    try {
      if (logger) logTo(logger, event);
    } catch {
      // ignored on purpose
    }
  };
}

function logTo(logger: Logger, event: AuthEvent): void {
  const message = `mcp-bearer-auth ${event.type}`;
  if (event.type === 'decision') {
    if (event.outcome === 'allow') logger.debug(event, message);
    else if (event.status >= 500) logger.error(event, message);
    else logger.info(event, message);
  } else if (event.outcome === 'failed' || (event.type === 'discovery' && event.warning)) {
    logger.warn(event, message);
  } else {
    logger.info(event, message);
  }
}
