/**
 * Opaque access tokens, verified by asking the authorization server (RFC 7662 token
 * introspection) as a confidential client. Active results are cached for a bounded time that
 * never outlives the token; inactive ones are not cached, so no one can grow the cache with junk.
 */

import { MCPAuthAuthServerError, tokenRefusal } from '../core/errors.js';
import { FetchJsonError, fetchJson } from '../core/fetch-json.js';
import { tokenDigest } from '../core/token-digest.js';
import type { ClaimsVerifier } from './jwt.js';
import { deepFreeze, TokenCache } from './token-cache.js';

export type IntrospectionAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface IntrospectionConfig {
  /** The introspection endpoint (resolved from metadata on first use when not configured). */
  endpoint: () => Promise<string>;
  clientId: string;
  clientSecret: string;
  authMethod: IntrospectionAuthMethod;
  /** Seconds an active result is reused (never past the token's `exp`); 0 disables the cache. */
  cacheTtl: number;
  cacheMaxEntries: number;
  timeoutMs: number;
  /** Seconds of leeway for `exp` and `nbf`. */
  clockTolerance: number;
}

export function createIntrospector(config: IntrospectionConfig): ClaimsVerifier {
  const cache = new TokenCache<Record<string, unknown>>(config.cacheMaxEntries);
  const inFlight = new Map<string, Promise<Record<string, unknown>>>();
  const credentials = clientCredentials(config);

  async function introspect(token: string): Promise<Record<string, unknown>> {
    const endpoint = await config.endpoint();
    const form = new URLSearchParams({ token, token_type_hint: 'access_token', ...credentials.form });
    let response: unknown;
    try {
      response = await fetchJson(endpoint, { timeoutMs: config.timeoutMs, form, headers: credentials.headers });
    } catch (cause) {
      throw introspectionFailure(endpoint, cause);
    }
    if (
      typeof response !== 'object' ||
      response === null ||
      typeof (response as { active?: unknown }).active !== 'boolean'
    ) {
      throw new MCPAuthAuthServerError('introspection_failed', `${endpoint} did not return an RFC 7662 response`);
    }
    return response as Record<string, unknown>;
  }

  /** An active result still in the cache (and still within its exp/nbf). */
  function cached(token: string): Record<string, unknown> | undefined {
    const response = cache.get(tokenDigest(token));
    if (response) checkTimes(response, config.clockTolerance);
    return response;
  }

  async function verify(token: string): Promise<Record<string, unknown>> {
    const key = tokenDigest(token);
    let response = cache.get(key);
    if (!response) {
      let pending = inFlight.get(key);
      if (!pending) {
        pending = introspect(token);
        inFlight.set(key, pending);
        // Settled either way: the rejection is handled by the callers below.
        pending.then(
          () => inFlight.delete(key),
          () => inFlight.delete(key),
        );
      }
      response = deepFreeze(await pending);
      if (response.active === true) cacheActive(cache, key, response, config.cacheTtl);
    }
    if (response.active !== true) throw tokenRefusal('The token is not active', 'invalid_token');
    checkTimes(response, config.clockTolerance);
    return response;
  }

  return { verify, cached };
}

/** OAuth error codes that mean this resource server's own client was refused. */
const CLIENT_REFUSED = new Set(['invalid_client', 'unauthorized_client']);

/**
 * What a failed introspection request means. The token is the one thing that changes from one
 * request to the next, so a 400 (oidc-provider's `unsupported_token_type` for any JWT-shaped
 * token) or a 413 is about the token: 401. Our client refused (401, 403, or 400
 * `invalid_client`) or any other 4xx (a wrong endpoint) is our misconfiguration: 500, and never
 * the client's fault. No answer, 5xx or 429: an outage, 503.
 */
function introspectionFailure(endpoint: string, cause: unknown): Error {
  const status = cause instanceof FetchJsonError ? cause.status : undefined;
  const detail = cause instanceof Error ? cause.message : String(cause);
  const clientRefused =
    status === 401 ||
    status === 403 ||
    (status === 400 && CLIENT_REFUSED.has((cause as FetchJsonError).oauthError ?? ''));
  if (clientRefused) {
    return new MCPAuthAuthServerError(
      'introspection_failed',
      `Token introspection refused this resource server: ${detail}; check its client credentials (clientId, clientSecret, authMethod)`,
      { cause },
    );
  }
  if (status === 400 || status === 413) {
    return tokenRefusal(
      'The authorization server does not accept this token for introspection',
      'invalid_token',
      cause,
    );
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
    return new MCPAuthAuthServerError('introspection_failed', `Token introspection at ${endpoint} failed: ${detail}`, {
      cause,
    });
  }
  return new MCPAuthAuthServerError(
    'introspection_unavailable',
    `Token introspection at ${endpoint} failed: ${detail}`,
    {
      cause,
      retryAfter: 1,
    },
  );
}

function cacheActive(
  cache: TokenCache<Record<string, unknown>>,
  key: string,
  response: Record<string, unknown>,
  ttl: number,
) {
  const now = Date.now();
  const exp = typeof response.exp === 'number' ? response.exp * 1000 : Number.POSITIVE_INFINITY;
  cache.set(key, response, Math.min(now + ttl * 1000, exp), now);
}

/** `active: true` with an `exp` in the past is still expired; `nbf` in the future is not yet valid. */
function checkTimes(response: Record<string, unknown>, tolerance: number): void {
  const now = Date.now() / 1000;
  const { exp, nbf } = response;
  if (exp !== undefined && !(typeof exp === 'number' && Number.isFinite(exp))) {
    throw tokenRefusal('The introspection response has an invalid exp', 'invalid_claims');
  }
  if (typeof exp === 'number' && exp + tolerance <= now) {
    throw tokenRefusal('The token has expired', 'token_expired');
  }
  if (typeof nbf === 'number' && nbf - tolerance > now) {
    throw tokenRefusal('The token is not yet valid', 'token_not_yet_valid');
  }
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function clientCredentials(config: IntrospectionConfig): {
  headers: Record<string, string>;
  form: Record<string, string>;
} {
  if (config.authMethod === 'client_secret_post') {
    return { headers: {}, form: { client_id: config.clientId, client_secret: config.clientSecret } };
  }
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  const basic = Buffer.from(`${encode(config.clientId)}:${encode(config.clientSecret)}`).toString('base64');
  return { headers: { authorization: `Basic ${basic}` }, form: {} };
}
