/**
 * `req.auth`: the MCP SDK's `AuthInfo`, which its transports hand to tools as
 * `extra.authInfo`. We add the verified token's issuer, subject, audience and claims to that same
 * interface (declaration merging), so that a project importing both packages sees one type.
 */
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

declare module '@modelcontextprotocol/sdk/server/auth/types.js' {
  interface AuthInfo {
    /** `iss` of the verified token. */
    issuer?: string;
    /** `sub` of the verified token. */
    subject?: string;
    /** `aud` of the verified token, always as an array. */
    audience?: string[];
    /** The whole verified payload. */
    claims?: Record<string, unknown>;
  }
}

export type AuthInfo = SdkAuthInfo;

/** A custom verifier: resolve to AuthInfo, or throw `MCPAuthTokenVerificationError` to refuse. */
export type VerifyAccessTokenFunction = (token: string) => AuthInfo | Promise<AuthInfo>;

const DEFAULT_SCOPE_CLAIMS = ['scope', 'scp', 'scopes'];

/**
 * Scopes from the first present of `scope` (space-delimited), `scp`, `scopes` (string or array),
 * with no merging; or from `scopeClaim` alone when one is set (e.g. Auth0's `permissions`).
 */
export function scopesFromClaims(claims: Record<string, unknown>, scopeClaim?: string): string[] {
  for (const name of scopeClaim === undefined ? DEFAULT_SCOPE_CLAIMS : [scopeClaim]) {
    const value = claims[name];
    if (value === undefined) continue;
    if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
    return [];
  }
  return [];
}

export function authInfoFromClaims(
  token: string,
  claims: Record<string, unknown>,
  resource: URL,
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
    resource,
    issuer: typeof claims.iss === 'string' ? claims.iss : undefined,
    subject: typeof claims.sub === 'string' ? claims.sub : undefined,
    audience:
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [],
    claims,
  };
}
