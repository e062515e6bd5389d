/**
 * What every accepted token must satisfy, whichever way it was verified: a trusted issuer, an
 * audience of this resource, not expired, the route's scopes and claim policies. Framework-free.
 */
import {
  InsufficientScopeError,
  MCPAuthAuthServerError,
  MCPAuthTokenVerificationError,
  tokenRefusal,
  unknownIssuer,
} from '../core/errors.js';
import { audienceKey } from './audience.js';
import { type AuthInfo, authInfoFromClaims, type ResourceRef, type VerifyAccessTokenFunction } from './auth-info.js';
import { isSenderConstrained } from './confirmation.js';
import type { ImpliedScopes } from './implied-scopes.js';
import { type ClaimsVerifier, isJoseError, mapJoseError } from './jwt.js';
import { ResourceURL } from './resource-url.js';

/** A claim policy: true passes; false or a string (the reason) refuses. */
export type ClaimCheck = (claims: Record<string, unknown>) => boolean | string | Promise<boolean | string>;

export interface AccessTokenPolicy {
  /** The protected resource's identifier, as configured. */
  resource: string;
  /** Its protected resource metadata URL, for `req.auth.resourceMetadataUrl`. */
  resourceMetadataUrl: string;
  /** Its scope hierarchy: granted scopes are expanded with what they imply. */
  impliedScopes: ImpliedScopes | undefined;
  /** Issuers of the resource's authorization servers. */
  issuers: ReadonlySet<string>;
  /** Accepted audiences (compared with `audienceKey`). */
  audiences: readonly string[];
  /** All of these. */
  requiredScopes: readonly string[];
  /** At least one of these (when not empty). */
  anyScopes: readonly string[];
  /** Where scopes are read from (default: scope, then scp, then scopes). */
  scopeClaim?: string;
  claimCheck?: ClaimCheck;
  /** How a failed claim check is answered: 403 insufficient_scope (default) or 401 invalid_token. */
  claimCheckError: 'insufficient_scope' | 'invalid_token';
  /** Seconds since `iat` after which a token is refused. */
  maxTokenAge?: number;
  /** Seconds of leeway for times. */
  clockTolerance: number;
}

export type TokenSource =
  | { kind: 'jwt'; verifier: ClaimsVerifier }
  | { kind: 'introspection'; verifier: ClaimsVerifier; issuer: string | undefined }
  | { kind: 'custom'; verify: VerifyAccessTokenFunction };

interface Judged {
  /** Everything but `token`, which each request gets afresh. */
  auth: AuthInfo;
  /** Issuer, audience or a key binding refused: 401. */
  tokenError?: unknown;
  /** Scopes missing: 403 (after the token-age check). */
  scopeError?: unknown;
}

/**
 * What a custom verify function threw, in this library's terms: a jose error is a refusal as in
 * 'jwt' mode, or an outage when jose could not fetch the keys; a failed or timed-out fetch is an
 * outage too. Anything else stays as it is (a bug: 500).
 */
function fromVerifyFunction(error: unknown): never {
  if (isJoseError(error)) throw mapJoseError(error);
  const networkFailure =
    (error instanceof TypeError && error.message === 'fetch failed') ||
    (error instanceof Error && error.name === 'TimeoutError');
  if (networkFailure) {
    throw new MCPAuthAuthServerError('verifier_unavailable', 'The verify function could not reach its server', {
      cause: error,
      retryAfter: 1,
    });
  }
  throw error;
}

export class AccessTokenVerifier {
  private readonly audienceKeys: ReadonlySet<string>;
  /** As configured: most tokens carry the audience exactly so, and skip normalizing. */
  private readonly audiencesAsWritten: ReadonlySet<string>;
  /** Shared by every request this verifier accepts (its URL is read-only: resource-url.ts). */
  private readonly route: ResourceRef;
  /** The source's verifier when requests may skip the promise (no custom function, no claimCheck). */
  private readonly promiseFree: ClaimsVerifier | undefined;
  /** True when `verifySync` may answer: a signature is then checked on this thread. */
  readonly verifiesSynchronously: boolean;

  constructor(
    private readonly source: TokenSource,
    private readonly policy: AccessTokenPolicy,
  ) {
    this.audienceKeys = new Set(policy.audiences.map(audienceKey));
    this.audiencesAsWritten = new Set(policy.audiences);
    this.route = { resource: new ResourceURL(policy.resource), resourceMetadataUrl: policy.resourceMetadataUrl };
    this.promiseFree = source.kind !== 'custom' && !policy.claimCheck ? source.verifier : undefined;
    this.verifiesSynchronously = this.promiseFree?.verifySync !== undefined;
  }

  /**
   * Resolves to the caller's AuthInfo, or rejects with the error the response is built from.
   * `knownMiss`: `verifyCached` and `verifySync` have just answered undefined for this token.
   */
  async verify(token: string, knownMiss = false): Promise<AuthInfo> {
    if (this.source.kind === 'custom') {
      let result: AuthInfo;
      try {
        result = await this.source.verify(token);
      } catch (error) {
        fromVerifyFunction(error);
      }
      const auth = this.normalizeCustom(token, result);
      this.checkIssuer(auth);
      this.checkAudience(auth);
      this.checkConfirmation(auth);
      this.checkTokenAge(auth);
      this.checkScopes(auth);
      if (this.policy.claimCheck) await this.checkClaims(auth, this.policy.claimCheck);
      return auth;
    }
    // Not memoised: most claims verified here are never seen again (a hit comes through verifyCached).
    const auth = this.accept(
      token,
      await this.source.verifier.verify(token, knownMiss && !this.policy.claimCheck),
      false,
    );
    if (this.policy.claimCheck) await this.checkClaims(auth, this.policy.claimCheck);
    return auth;
  }

  /**
   * The hot path, without a promise: a token the source has verified before and cached.
   * Undefined when that is not the case (or a claimCheck must run): use `verify`. Throws the
   * same errors `verify` rejects with.
   */
  verifyCached(token: string): AuthInfo | undefined {
    const claims = this.promiseFree?.cached(token);
    return claims ? this.accept(token, claims, true) : undefined;
  }

  /**
   * A token not in the cache, verified without a promise when the source can (a JWT whose key is
   * at hand). Undefined otherwise: use `verify`. Throws the same errors `verify` rejects with.
   */
  verifySync(token: string): AuthInfo | undefined {
    const claims = this.promiseFree?.verifySync?.(token);
    return claims ? this.accept(token, claims, false) : undefined;
  }

  /** Verified claims -> this request's AuthInfo, or the error for them. */
  private accept(token: string, claims: Record<string, unknown>, memoise: boolean): AuthInfo {
    const judged = this.judge(token, claims, memoise);
    if (judged.tokenError) throw judged.tokenError;
    const auth: AuthInfo = { ...judged.auth, token };
    this.checkTokenAge(auth);
    if (judged.scopeError) throw judged.scopeError;
    return auth;
  }

  /**
   * What this route makes of a set of verified claims, once per claims object: the token caches
   * hand back the same frozen object for a token seen again, so a hit costs one WeakMap lookup.
   * Issuer, audience and scopes do not change with time; token age and claimCheck are judged on
   * every request.
   */
  private judge(token: string, claims: Record<string, unknown>, memoise: boolean): Judged {
    const known = memoise ? this.judged.get(claims) : undefined;
    if (known) return known;
    const auth = authInfoFromClaims(token, claims, this.route, this.policy.scopeClaim);
    if (this.policy.impliedScopes) auth.scopes = this.policy.impliedScopes.expand(auth.scopes);
    // An introspection response without `iss` speaks for the server that answered it.
    if (this.source.kind === 'introspection') auth.issuer ??= this.source.issuer;
    Object.freeze(auth.scopes);
    Object.freeze(auth.audience);
    const judged: Judged = { auth };
    try {
      this.checkIssuer(auth);
      this.checkAudience(auth);
      this.checkConfirmation(auth);
    } catch (error) {
      judged.tokenError = error;
    }
    try {
      this.checkScopes(auth);
    } catch (error) {
      judged.scopeError = error;
    }
    if (memoise) this.judged.set(claims, judged);
    return judged;
  }

  private readonly judged = new WeakMap<object, Judged>();

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
        throw tokenRefusal('The token has expired', 'token_expired');
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
    auth.resource = this.route.resource;
    auth.resourceMetadataUrl = this.route.resourceMetadataUrl;
    if (this.policy.impliedScopes) auth.scopes = this.policy.impliedScopes.expand(auth.scopes);
    return auth;
  }

  private checkIssuer(auth: AuthInfo): void {
    // Custom verifiers may omit the issuer (e.g. static development tokens); a stated one must be trusted.
    if (auth.issuer !== undefined && !this.policy.issuers.has(auth.issuer)) {
      throw unknownIssuer(auth.issuer, this.policy.issuers);
    }
  }

  private checkAudience(auth: AuthInfo): void {
    if (this.source.kind === 'custom' && auth.audience === undefined) return;
    const audience = auth.audience ?? [];
    if (!audience.some((a) => this.audiencesAsWritten.has(a) || this.audienceKeys.has(audienceKey(a)))) {
      throw tokenRefusal('The token is not meant for this resource (audience mismatch)', 'audience_mismatch');
    }
  }

  /** A token bound to a key is not a bearer token: without its proof, it is refused. */
  private checkConfirmation(auth: AuthInfo): void {
    if (isSenderConstrained(auth.claims)) {
      throw tokenRefusal('This token is bound to a key: present it with its proof', 'sender_constrained_token');
    }
  }

  private checkTokenAge(auth: AuthInfo): void {
    const max = this.policy.maxTokenAge;
    if (max === undefined) return;
    const iat = auth.claims?.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) {
      throw new MCPAuthTokenVerificationError('The token has no iat, so its age cannot be checked', {
        code: 'invalid_claims',
      });
    }
    const age = Date.now() / 1000 - iat;
    if (age - this.policy.clockTolerance > max) {
      throw tokenRefusal('The token is too old (maxTokenAge)', 'token_expired');
    }
    if (-age > this.policy.clockTolerance) {
      throw tokenRefusal('The token was issued in the future', 'invalid_claims');
    }
  }

  private checkScopes(auth: AuthInfo): void {
    const { requiredScopes, anyScopes } = this.policy;
    const missing = requiredScopes.filter((s) => !auth.scopes.includes(s));
    if (missing.length > 0) throw new InsufficientScopeError(requiredScopes, auth.scopes, missing);
    if (anyScopes.length > 0 && !anyScopes.some((s) => auth.scopes.includes(s))) {
      throw new InsufficientScopeError(
        [...requiredScopes, ...anyScopes],
        auth.scopes,
        anyScopes,
        `The token needs at least one of the scopes: ${anyScopes.join(' ')}`,
      );
    }
  }

  /** User code: a throw is a server error (500), a refusal is 403 or 401 as configured. */
  private async checkClaims(auth: AuthInfo, check: ClaimCheck): Promise<void> {
    const verdict = await check(auth.claims ?? {});
    if (verdict === true) return;
    const description =
      typeof verdict === 'string' && verdict !== ''
        ? verdict
        : 'The token does not satisfy the claim policy of this resource';
    if (this.policy.claimCheckError === 'invalid_token') {
      throw tokenRefusal(description, 'invalid_claims');
    }
    throw new InsufficientScopeError(this.policy.requiredScopes, auth.scopes, [], description);
  }
}
