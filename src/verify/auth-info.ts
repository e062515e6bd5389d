/**
 * `req.auth`: what a verified token says about the caller. Structurally the MCP SDKs' own
 * `AuthInfo` (v1's `@modelcontextprotocol/sdk`, v2's `@modelcontextprotocol/server`, whose
 * transports hand `req.auth` to tools as `extra.authInfo` / `ctx.http.authInfo`), plus the
 * verified token's issuer, subject, audience and claims. Declared here, so that the package's
 * types need neither SDK (docs/auth-info.md).
 */
export interface AuthInfo {
  /** The access token as presented. */
  token: string;
  /** The OAuth client the token was issued to (`client_id`, else `azp`, else ''). */
  clientId: string;
  /** Granted scopes, plus every scope they imply under the resource's `impliedScopes`. */
  scopes: string[];
  /** Seconds since the epoch (`exp`). */
  expiresAt?: number;
  /** The protected resource this route protects. */
  resource?: URL;
  /** The resource's protected resource metadata URL (read by SDK v2's scope challenges). */
  resourceMetadataUrl?: string;
  /** Additional data (the SDKs' field; unused by this package). */
  extra?: Record<string, unknown>;
  /** `iss` of the verified token. */
  issuer?: string;
  /** `sub` of the verified token. */
  subject?: string;
  /** `aud` of the verified token, always as an array. */
  audience?: string[];
  /** The whole verified payload (or introspection response). */
  claims?: Record<string, unknown>;
  /** How the token was presented: `Bearer`, or `DPoP` (bound to a key, with a proof of possession). */
  tokenType?: 'Bearer' | 'DPoP';
  /** For a DPoP token: the JWK SHA-256 thumbprint of the key it is bound to, which signed this request's proof. */
  jkt?: string;
}

/** A custom verifier: resolve to AuthInfo, or throw `MCPAuthTokenVerificationError` to refuse. */
export type VerifyAccessTokenFunction = (token: string) => AuthInfo | Promise<AuthInfo>;

const DEFAULT_SCOPE_CLAIMS = ['scope', 'scp', 'scopes'];

/**
 * Scopes from the first present of `scope` (space-delimited), `scp`, `scopes` (string or array),
 * with no merging; or from `scopeClaim` alone when one is set (e.g. Auth0's `permissions`).
 */
function scopesFromClaims(claims: Record<string, unknown>, scopeClaim?: string): string[] {
  for (const name of scopeClaim === undefined ? DEFAULT_SCOPE_CLAIMS : [scopeClaim]) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
    return [];
  }
  return [];
}

/** The protected resource a route serves, as every AuthInfo it accepts names it. */
export interface ResourceRef {
  resource: URL;
  resourceMetadataUrl: string;
}

/**
 * AuthInfo from verified claims, for `route`. One object literal with every field, in one order:
 * requests copy it, and an object that grows after creation is slower to copy.
 */
export function authInfoFromClaims(
  token: string,
  claims: Record<string, unknown>,
  route: ResourceRef,
  scopeClaim?: string,
): AuthInfo {
  const aud = claims.aud;
  const clientId =
    typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : '';
  return {
    token,
    clientId,
    scopes: scopesFromClaims(claims, scopeClaim),
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    resource: route.resource,
    resourceMetadataUrl: route.resourceMetadataUrl,
    issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    audience:
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [],
    claims,
    tokenType: 'Bearer',
  };
}
