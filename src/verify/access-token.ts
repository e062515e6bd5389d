/**
 * What every accepted token must satisfy, whichever format it came in: a trusted issuer, an
 * audience of this resource, no key binding it cannot prove, not too old, the route's scopes and
 * claim policy. One entry, `verify`, framework-free.
 */
import type { ClaimCheck } from '../config/options.js';
import { InsufficientScopeError, MCPAuthTokenVerificationError, tokenRefusal, unknownIssuer } from '../core/errors.js';
import type { ImpliedScopes } from '../core/implied-scopes.js';
import type { AuthRequest, PresentedToken } from '../core/request.js';
import { audienceKey } from './audience.js';
import { type AuthInfo, authInfoFromClaims, type ResourceRef } from './auth-info.js';
import { type KeyBinding, keyBinding } from './confirmation.js';
import { checkProof, type DpopPolicy, rememberProof } from './dpop.js';
import type { VerifiedProof } from './dpop-proof.js';
import { ResourceURL } from './resource-url.js';
import { type CheckBatch, type ProofShortcut, type SpeedUps, speedUps, type VerdictCache } from './speed-ups.js';
import type { TokenFormat, Verified } from './token-format.js';

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
  /** Verdicts kept for tokens seen again (0: none). */
  cacheMaxEntries: number;
  /** DPoP: how bound tokens are proven; undefined when the route does not accept DPoP. */
  dpop: DpopPolicy | undefined;
}

/** This route's judgement of one set of verified claims: what does not change with time or request. */
interface Verdict {
  /** Everything but `token`, which each request gets afresh. */
  auth: AuthInfo;
  /** Issuer or audience refused: 401. */
  tokenError?: unknown;
  /** Bound to a key (`cnf`, or introspection's `token_type: DPoP`): only its proof makes it acceptable. */
  binding: KeyBinding;
  /** Scopes missing: 403 (after the token-age check). */
  scopeError?: unknown;
}

export class AccessTokenVerifier {
  private readonly audienceKeys: ReadonlySet<string>;
  /** As configured: most tokens carry the audience exactly so, and skip normalizing. */
  private readonly audiencesAsWritten: ReadonlySet<string>;
  /** Shared by every request this verifier accepts (its URL is read-only: resource-url.ts). */
  private readonly route: ResourceRef;
  private readonly verdicts: VerdictCache<Verdict> | undefined;
  private readonly proofShortcut: ProofShortcut | undefined;
  /** DPoP proofs are signature checks too: batched the same way, when batching is on. */
  private readonly proofBatch: CheckBatch | undefined;

  /** `using`: the speed-ups to build with (tests choose theirs). */
  constructor(
    private readonly format: TokenFormat,
    private readonly policy: AccessTokenPolicy,
    using: SpeedUps = speedUps,
  ) {
    this.audienceKeys = new Set(policy.audiences.map(audienceKey));
    this.audiencesAsWritten = new Set(policy.audiences);
    this.route = { resource: new ResourceURL(policy.resource), resourceMetadataUrl: policy.resourceMetadataUrl };
    this.verdicts = policy.cacheMaxEntries > 0 ? using.verifiedTokenCache?.(policy.cacheMaxEntries) : undefined;
    this.proofShortcut = policy.dpop ? using.synchronousProofs?.() : undefined;
    this.proofBatch = this.proofShortcut ? using.signatureBatching?.() : undefined;
  }

  /**
   * The caller's AuthInfo for `token`, presented with `request`; synchronously when nothing has
   * to be waited for. Throws, or rejects with, the error the refusal is built from.
   */
  verify(presented: PresentedToken, request: AuthRequest): AuthInfo | Promise<AuthInfo> {
    const { token } = presented;
    const now = Date.now();
    const known = this.verdicts?.get(token, now);
    if (known) return this.conclude(known, presented, request);
    const verified = this.format.verify(token);
    if (verified instanceof Promise) {
      return verified.then((v) => this.conclude(this.judge(token, v, now), presented, request));
    }
    return this.conclude(this.judge(token, verified, now), presented, request);
  }

  /**
   * What this request gets: the verdict, then what is judged on every request, reused verdict or
   * not: the token's binding against the request (its DPoP proof), the token's age, the claim policy.
   */
  private conclude(verdict: Verdict, presented: PresentedToken, request: AuthRequest): AuthInfo | Promise<AuthInfo> {
    if (verdict.tokenError) throw verdict.tokenError;
    const { binding } = verdict;
    if (presented.scheme === 'DPoP' || binding.kind !== 'none') return this.concludeBound(verdict, presented, request);
    // A copy per request: a verdict may be given again, and handlers may write to req.auth.
    return this.finish({ ...verdict.auth }, verdict);
  }

  /** The token's age, its scopes, the claim policy: the checks after the token itself is accepted. */
  private finish(auth: AuthInfo, verdict: Verdict): AuthInfo | Promise<AuthInfo> {
    this.checkTokenAge(auth);
    if (verdict.scopeError) throw verdict.scopeError;
    const check = this.policy.claimCheck;
    return check ? this.checkClaims(auth, check).then(() => auth) : auth;
  }

  /**
   * A token bound to a key, or presented as one: acceptable only as DPoP, with a proof of
   * possession of the key it is bound to. Never a downgrade to Bearer (docs/dpop.md).
   */
  private concludeBound(
    verdict: Verdict,
    presented: PresentedToken,
    request: AuthRequest,
  ): AuthInfo | Promise<AuthInfo> {
    const { binding } = verdict;
    const dpop = this.policy.dpop;
    // Bound, but presented as Bearer, or bound in a way no proof this route accepts can show.
    if (presented.scheme === 'Bearer' || binding.kind === 'unsupported' || (binding.kind === 'jkt' && !dpop)) {
      throw tokenRefusal('This token is bound to a key: present it with its proof', 'sender_constrained_token');
    }
    if (binding.kind !== 'jkt' || !dpop) {
      throw tokenRefusal('This token is not bound to a key: present it as a Bearer token', 'invalid_token');
    }
    const prove = (): AuthInfo | Promise<AuthInfo> => {
      const proof = checkProof(presented.token, binding.jkt, request, dpop, this.proofShortcut);
      return proof instanceof Promise
        ? proof.then((p) => this.acceptProven(verdict, p, dpop))
        : this.acceptProven(verdict, proof, dpop);
    };
    return this.proofBatch ? this.proofBatch.defer(prove) : prove();
  }

  /** The rest of the checks, then, last, the proof's replay check: used up only by an accepted request. */
  private acceptProven(verdict: Verdict, proof: VerifiedProof, dpop: DpopPolicy): AuthInfo | Promise<AuthInfo> {
    const accepted = this.finish({ ...verdict.auth, tokenType: 'DPoP', jkt: proof.jkt }, verdict);
    if (accepted instanceof Promise) {
      return accepted.then(async (auth) => {
        await rememberProof(proof, dpop);
        return auth;
      });
    }
    const remembered = rememberProof(proof, dpop);
    return remembered instanceof Promise ? remembered.then(() => accepted) : accepted;
  }

  /** This route's verdict on verified claims, offered for reuse when the format allows it. */
  private judge(token: string, verified: Verified, now: number): Verdict {
    const auth = verified.auth
      ? {
          ...verified.auth,
          resource: this.route.resource,
          resourceMetadataUrl: this.route.resourceMetadataUrl,
          tokenType: 'Bearer' as const,
        }
      : authInfoFromClaims(token, verified.claims ?? {}, this.route, this.policy.scopeClaim);
    if (this.policy.impliedScopes) auth.scopes = this.policy.impliedScopes.expand(auth.scopes);
    if (verified.issuer !== undefined) auth.issuer ??= verified.issuer;
    if (!verified.auth) {
      // Claims are shared by every request given this verdict: frozen with them.
      Object.freeze(auth.scopes);
      Object.freeze(auth.audience);
    }
    const verdict: Verdict = { auth, binding: keyBinding(auth.claims) };
    try {
      this.checkIssuer(auth);
      // A custom verifier that names no audience vouches for it; every other token must name this resource.
      if (!(verified.auth && auth.audience === undefined)) this.checkAudience(auth);
    } catch (error) {
      verdict.tokenError = error;
    }
    try {
      this.checkScopes(auth);
    } catch (error) {
      verdict.scopeError = error;
    }
    if (verified.reuse) this.verdicts?.offer(token, verdict, verified.reuse, now);
    return verdict;
  }

  private checkIssuer(auth: AuthInfo): void {
    // Custom verifiers may omit the issuer (e.g. static development tokens); a stated one must be trusted.
    if (auth.issuer !== undefined && !this.policy.issuers.has(auth.issuer)) {
      throw unknownIssuer(auth.issuer, this.policy.issuers);
    }
  }

  private checkAudience(auth: AuthInfo): void {
    const audience = auth.audience ?? [];
    if (!audience.some((a) => this.audiencesAsWritten.has(a) || this.audienceKeys.has(audienceKey(a)))) {
      throw tokenRefusal('The token is not meant for this resource (audience mismatch)', 'audience_mismatch');
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
