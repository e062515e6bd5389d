/**
 * Opaque access tokens, verified by asking the authorization server (token introspection) as a
 * confidential client. Active results are cached for a bounded time that never outlives the
 * token; inactive ones are not cached, so no one can grow the cache with junk.
 */
import type { IntrospectionAuthMethod } from '../config/options.js';
import { BoundedCache } from '../core/bounded-cache.js';
import { deepFreeze } from '../core/deep-freeze.js';
import { FetchJsonError, MCPAuthAuthServerError, MCPAuthConfigError, tokenRefusal } from '../core/errors.js';
import { fetchJson } from '../core/fetch-json.js';
import { tokenDigest } from '../core/token-digest.js';
import type { AuthorizationServer } from '../discovery/authorization-server.js';
import type { TokenFormat, Verified } from './token-format.js';

export interface IntrospectionConfig {
  /** The introspection endpoint (resolved from metadata on first use when not configured). */
  endpoint: () => Promise<string>;
  /** The issuer whose server answers, when known: it vouches for responses that name none. */
  issuer: string | undefined;
  clientId: string;
  clientSecret: string;
  authMethod: IntrospectionAuthMethod;
  /** Seconds an active result is reused (never past the token's `exp`); 0 disables the cache. */
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  timeoutMs: number;
  /** Seconds of leeway for `exp` and `nbf`. */
  clockTolerance: number;
}

/**
 * Which server introspects a route's tokens, and where: `endpoint` when configured, else the
 * `introspection_endpoint` of the one authorization server (or of `issuer`), read from its
 * metadata on first use. Throws a config error naming the bearerAuth option when neither can work.
 */
export function introspectionEndpoint(
  resource: string,
  servers: ReadonlyMap<string, AuthorizationServer>,
  options: { issuer?: string; endpoint?: string },
): { endpoint: () => Promise<string>; issuer: string | undefined } {
  let server: AuthorizationServer | undefined;
  if (options.issuer !== undefined) {
    server = servers.get(options.issuer);
    if (!server) {
      throw new MCPAuthConfigError(
        'invalid_config',
        `bearerAuth options.issuer: ${options.issuer} is not an authorization server of ${resource}`,
      );
    }
  } else if (servers.size === 1) {
    server = servers.values().next().value;
  } else if (options.endpoint === undefined) {
    throw new MCPAuthConfigError(
      'invalid_config',
      'bearerAuth options.issuer: required when the resource has several authorization servers (or give options.endpoint)',
    );
  }
  const configured = options.endpoint;
  if (configured !== undefined) return { endpoint: async () => configured, issuer: server?.issuer };
  const from = server as AuthorizationServer;
  if (from.configuredMetadata && !from.configuredMetadata.introspectionEndpoint) {
    throw new MCPAuthConfigError(
      'invalid_config',
      `bearerAuth options.endpoint: required, since the configured metadata of ${from.issuer} has no introspectionEndpoint`,
    );
  }
  const endpoint = async () => {
    const metadata = await from.getMetadata();
    if (!metadata.introspectionEndpoint) {
      throw new MCPAuthAuthServerError(
        'missing_introspection_endpoint',
        `The metadata of ${from.issuer} has no introspection_endpoint`,
      );
    }
    return metadata.introspectionEndpoint;
  };
  return { endpoint, issuer: from.issuer };
}

export function createIntrospectionFormat(config: IntrospectionConfig): TokenFormat {
  const cache = new BoundedCache<Record<string, unknown>>(config.cacheMaxEntries);
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

  /** An introspection response, judged: active, and within its exp and nbf. */
  function verdict(response: Record<string, unknown>): Verified {
    if (response.active !== true) throw tokenRefusal('The token is not active', 'invalid_token');
    checkTimes(response, config.clockTolerance);
    return { claims: response, issuer: config.issuer };
  }

  async function ask(token: string, key: string): Promise<Verified> {
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
    const response = deepFreeze(await pending);
    if (response.active === true) cacheActive(cache, key, response, config.cacheTtlSeconds);
    return verdict(response);
  }

  return {
    // A result in the cache is answered at once; otherwise one request per token at a time.
    verify(token) {
      const key = tokenDigest(token);
      const response = cache.get(key);
      return response ? verdict(response) : ask(token, key);
    },
  };
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
  cache: BoundedCache<Record<string, unknown>>,
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

/** Basic credentials: id and secret are form-urlencoded, then joined and base64-encoded. */
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
