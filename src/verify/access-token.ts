/**
 * What every accepted token must satisfy, whichever way it was verified: a trusted issuer, an
 * audience of this resource, not expired, and the route's scopes. Framework-free.
 */
import { audienceKey } from '../config/url.js';
import { MCPAuthBearerAuthError, MCPAuthTokenVerificationError } from '../errors.js';
import { type AuthInfo, authInfoFromClaims, type VerifyAccessTokenFunction } from './auth-info.js';
import type { JwtVerifier } from './jwt.js';

export interface AccessTokenPolicy {
  /** The protected resource's identifier, as configured. */
  resource: string;
  /** Issuers of the resource's authorization servers. */
  issuers: ReadonlySet<string>;
  /** Accepted audiences (compared with `audienceKey`). */
  audiences: readonly string[];
  requiredScopes: readonly string[];
  /** Seconds of leeway for `expiresAt` returned by a custom verifier. */
  clockTolerance: number;
}

/** Thrown for a valid token that lacks scopes; carries what the 403 challenge needs. */
export class InsufficientScopeError extends MCPAuthBearerAuthError {
  constructor(
    readonly required: readonly string[],
    readonly granted: readonly string[],
    readonly missing: readonly string[] = required.filter((s) => !granted.includes(s)),
  ) {
    super('insufficient_scope', `The token lacks the required scope(s): ${missing.join(' ')}`);
  }
}

export type TokenSource = { kind: 'jwt'; verify: JwtVerifier } | { kind: 'custom'; verify: VerifyAccessTokenFunction };

export class AccessTokenVerifier {
  private readonly audienceKeys: ReadonlySet<string>;
  private readonly resourceUrl: URL;

  constructor(
    private readonly source: TokenSource,
    private readonly policy: AccessTokenPolicy,
  ) {
    this.audienceKeys = new Set(policy.audiences.map(audienceKey));
    this.resourceUrl = new URL(policy.resource);
  }

  /** Resolves to the caller's AuthInfo, or rejects with the error the response is built from. */
  async verify(token: string): Promise<AuthInfo> {
    const auth =
      this.source.kind === 'jwt'
        ? authInfoFromClaims(token, await this.source.verify(token), new URL(this.resourceUrl))
        : this.normalizeCustom(token, await this.source.verify(token));
    this.checkIssuer(auth);
    this.checkAudience(auth);
    this.checkScopes(auth);
    return auth;
  }

  /** A custom verifier's result is user code: check its shape and fill what it left out. */
  private normalizeCustom(token: string, result: unknown): AuthInfo {
    if (typeof result !== 'object' || result === null) {
      throw new TypeError('The verify function must return an AuthInfo object');
    }
    const auth = { ...(result as AuthInfo) };
    if (!Array.isArray(auth.scopes) || !auth.scopes.every((s) => typeof s === 'string')) {
      throw new TypeError('The verify function returned AuthInfo without a string[] `scopes`');
    }
    auth.token = typeof auth.token === 'string' ? auth.token : token;
    auth.clientId = typeof auth.clientId === 'string' ? auth.clientId : '';
    if (auth.expiresAt !== undefined) {
      if (typeof auth.expiresAt !== 'number' || !Number.isFinite(auth.expiresAt)) {
        throw new TypeError('The verify function returned a non-numeric `expiresAt` (seconds since the epoch)');
      }
      if (auth.expiresAt + this.policy.clockTolerance < Date.now() / 1000) {
        throw new MCPAuthTokenVerificationError('The token has expired', { code: 'token_expired' });
      }
    }
    if (typeof auth.audience === 'string') auth.audience = [auth.audience];
    if (
      auth.audience !== undefined &&
      !(Array.isArray(auth.audience) && auth.audience.every((a) => typeof a === 'string'))
    ) {
      throw new TypeError('The verify function returned an `audience` that is neither a string nor a string[]');
    }
    // `resource` says which resource the token is for; when given it is judged like an audience.
    if (auth.audience === undefined && auth.resource !== undefined) auth.audience = [String(auth.resource)];
    auth.resource = new URL(this.resourceUrl);
    return auth;
  }

  private checkIssuer(auth: AuthInfo): void {
    // Custom verifiers may omit the issuer (e.g. static development tokens); a stated one must be trusted.
    if (auth.issuer !== undefined && !this.policy.issuers.has(auth.issuer)) {
      throw new MCPAuthTokenVerificationError('The token was not issued by a trusted authorization server', {
        code: 'unknown_issuer',
      });
    }
  }

  private checkAudience(auth: AuthInfo): void {
    if (this.source.kind === 'custom' && auth.audience === undefined) return;
    const audience = auth.audience ?? [];
    if (!audience.some((a) => this.audienceKeys.has(audienceKey(a)))) {
      throw new MCPAuthTokenVerificationError('The token is not meant for this resource (audience mismatch)', {
        code: 'audience_mismatch',
      });
    }
  }

  private checkScopes(auth: AuthInfo): void {
    const required = this.policy.requiredScopes;
    if (required.length === 0) return;
    const missing = required.filter((s) => !auth.scopes.includes(s));
    if (missing.length > 0) throw new InsufficientScopeError(required, auth.scopes, missing);
  }
}
