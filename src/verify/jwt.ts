/**
 * JWT access tokens (RFC 9068, RFC 7519) verified with `jose` against the issuer's JWK Set.
 * The issuer and algorithm are judged from the unverified token first, so that a token from an
 * unknown issuer, or with `alg: none`, never causes a network request.
 */
import {
  type CryptoKey,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import {
  MCPAuthAuthServerError,
  type MCPAuthTokenVerificationError,
  type TokenVerificationErrorCode,
  tokenRefusal,
  unknownIssuer,
} from '../core/errors.js';
import { SyncJwsVerifier } from './jws-sync.js';
import type { KeyGetter, KeySet } from './keys.js';
import { deepFreeze, TokenCache } from './token-cache.js';

/** 9999-12-31T23:59:59Z: later dates are not dates, they are attacks on arithmetic. */
const MAX_NUMERIC_DATE = 253402300799;

/** RFC 9068 §2.2: the claims a JWT access token must carry (besides iss, exp, aud). */
const RFC9068_CLAIMS = ['sub', 'client_id', 'iat', 'jti'];

export interface TrustedIssuer {
  /** Its key set (configured, or fetched through discovery and the JWKS). */
  keySet: () => Promise<KeySet>;
  /** The algorithms its keys may verify, already intersected with the route's allowlist. */
  algorithms: readonly string[];
}

export interface JwtVerifierConfig {
  issuers: ReadonlyMap<string, TrustedIssuer>;
  /** Verified tokens kept (0: none). */
  cacheMaxEntries: number;
  /** Seconds. */
  clockTolerance: number;
  /** RFC 9068 profile: `typ` at+jwt and sub, client_id, iat, jti present. */
  strict?: boolean;
  /** Passed through to jose's `jwtVerify`; options that could loosen it are refused by the option schema. */
  jwtVerify?: JWTVerifyOptions;
}

/**
 * Verifies tokens to claims. `cached` answers synchronously for a token verified before (and
 * still fine by the clock and the keys), so the hot path needs no promise at all; `verifySync`
 * verifies a token not in the cache without a promise when it can (undefined: use `verify`).
 */
export interface ClaimsVerifier {
  /** `knownMiss`: `cached` and `verifySync` have both just answered undefined for this token. */
  verify(token: string, knownMiss?: boolean): Promise<Record<string, unknown>>;
  cached(token: string): Record<string, unknown> | undefined;
  verifySync?(token: string): Record<string, unknown> | undefined;
}

export function createJwtVerifier(config: JwtVerifierConfig): Required<ClaimsVerifier> {
  const requiredClaims = [
    ...new Set(['exp', ...(config.strict ? RFC9068_CLAIMS : []), ...(config.jwtVerify?.requiredClaims ?? [])]),
  ];
  // jose compares `typ` case-insensitively and with or without "application/" (RFC 9068 §4).
  const strictTyp: JWTVerifyOptions = config.strict ? { typ: 'at+jwt' } : {};
  // One options object per issuer, built once.
  const issuers = new Map<string, IssuerState>(
    [...config.issuers].map(([iss, trusted]) => [
      iss,
      {
        keySet: trusted.keySet,
        resolved: undefined,
        allowed: new Set(trusted.algorithms),
        options: {
          ...config.jwtVerify,
          ...strictTyp,
          algorithms: [...trusted.algorithms],
          clockTolerance: config.clockTolerance,
          requiredClaims,
          issuer: iss,
        } satisfies JWTVerifyOptions,
      },
    ]),
  );

  const onlyIssuer = issuers.size === 1 ? [...issuers.values()][0] : undefined;
  const cache = new TokenCache<CachedToken>(config.cacheMaxEntries);
  const doorkeeper = new Doorkeeper(config.cacheMaxEntries);
  const toleranceMs = config.clockTolerance * 1000;
  const jws = new SyncJwsVerifier();

  /** Keyed by the signature (shorter to hash than the token); the whole token must match too. */
  const cacheKey = (token: string) => token.slice(token.lastIndexOf('.') + 1);

  /** A token verified before, still within exp/nbf, with keys that have not changed since. */
  function cached(token: string): JWTPayload | undefined {
    const now = Date.now();
    const hit = cache.get(cacheKey(token), now);
    const fresh =
      hit &&
      hit.token === token &&
      hit.notBefore <= now &&
      hit.keySet.version === hit.version &&
      !hit.keySet.isStale(now);
    return fresh ? hit.payload : undefined;
  }

  /**
   * A token not in the cache, verified on this thread when its issuer's keys are at hand and
   * jose has already chosen the key it names (jws-sync.ts); undefined otherwise.
   */
  function verifySync(token: string): JWTPayload | undefined {
    if (countDots(token) !== 2) return undefined;
    const issuer = onlyIssuer ?? triage(token);
    const jwks = issuer.resolved;
    const now = Date.now();
    const keys = jwks?.currentIfFresh(now);
    if (!jwks || !keys) return undefined;
    let payload: JWTPayload | undefined;
    try {
      payload = jws.verify(token, keys, issuer.allowed, issuer.options);
    } catch (error) {
      throw mapJoseError(error, issuers.keys());
    }
    return payload && admit(token, { payload: checkDates(payload), keySet: jwks, version: jwks.version }, now);
  }

  async function verify(token: string, knownMiss = false): Promise<JWTPayload> {
    if (!knownMiss) {
      const answered = cached(token) ?? verifySync(token);
      if (answered) return answered;
    }
    const now = Date.now();
    return admit(token, await verifyJwtSignature(token), now);
  }

  /** Verified: frozen, and cached from its second verification. */
  function admit(token: string, verified: Verified, now: number): JWTPayload {
    const key = cacheKey(token);
    // Frozen whether cached or not, so that req.auth.claims behaves the same on every request.
    deepFreeze(verified.payload);
    const { exp, nbf } = verified.payload;
    // Cached from its second verification within a window: a token used once never displaces others.
    if (token.length <= MAX_CACHED_TOKEN_LENGTH && typeof exp === 'number' && doorkeeper.admit(key)) {
      cache.set(
        key,
        {
          token,
          payload: verified.payload,
          notBefore: typeof nbf === 'number' ? nbf * 1000 - toleranceMs : 0,
          keySet: verified.keySet,
          version: verified.version,
        },
        exp * 1000 + toleranceMs,
        now,
      );
    }
    return verified.payload;
  }

  return { verify, cached, verifySync };

  /** Reads the unverified token: its issuer must be trusted and its algorithm allowed for that issuer. */
  function triage(token: string): IssuerState {
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw invalid('The access token is not a JWT');
    }
    const issuer = typeof iss === 'string' ? issuers.get(iss) : undefined;
    if (!issuer) throw unknownIssuer(iss, issuers.keys());
    // Before any key is looked at: `none`, a symmetric alg for an asymmetric key and the reverse end here.
    if (typeof alg !== 'string' || !issuer.allowed.has(alg)) {
      throw invalid('The token is signed with an algorithm that is not allowed', 'algorithm_not_allowed');
    }
    return issuer;
  }

  async function verifyJwtSignature(token: string): Promise<Verified> {
    const dots = countDots(token);
    if (dots === 4) throw invalid('Encrypted (JWE) access tokens are not accepted');
    if (dots !== 2) throw invalid('The access token is not a JWT');
    // With one trusted issuer whose keys are at hand, jose itself refuses a wrong `iss` or `alg`
    // (its `issuer` and `algorithms` options) and the token is decoded once. Otherwise, or for
    // a key we do not know (below), the unverified token is read first: an unknown issuer must
    // never cause a fetch, and a wrong algorithm must never reach a key.
    const trusted = onlyIssuer?.resolved?.currentIfFresh(Date.now()) ? onlyIssuer : undefined;
    const issuer = trusted ?? triage(token);

    // After the first request the key set and its keys are at hand: no await, no promise.
    issuer.resolved ??= await issuer.keySet();
    const jwks = issuer.resolved;
    const options = issuer.options;
    let result: VerifiedWith;
    let getKey = jwks.currentIfFresh(Date.now()) ?? (await jwks.current());
    // The keys this result is verified with: a later key change makes a cached copy stale.
    let version = jwks.version;
    try {
      result = await verifyWithKeys(token, getKey, options);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw mapJoseError(error, issuers.keys());
      if (trusted) triage(token);
      // A key we have not seen: the authorization server may have rotated. One refresh per cooldown.
      const outcome = await jwks.refreshForUnknownKey();
      if (outcome === 'failed') {
        throw jwks.unavailable(`Signing keys could not be refreshed from ${jwks.source}`);
      }
      if (outcome === 'cooldown') throw mapJoseError(error, issuers.keys());
      try {
        getKey = await jwks.current();
        version = jwks.version;
        result = await verifyWithKeys(token, getKey, options);
      } catch (retryError) {
        throw mapJoseError(retryError, issuers.keys());
      }
    }
    // The key jose chose alone for this alg and kid: the next token naming them is checked in jws-sync.
    if (result.key !== undefined) jws.remember(getKey, result.protectedHeader, result.key);
    return { payload: checkDates(result.payload), keySet: jwks, version };
  }
}

/** jose accepts any number; a date claim beyond year 9999 is refused. */
function checkDates(payload: JWTPayload): JWTPayload {
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && !(Number.isFinite(value) && value <= MAX_NUMERIC_DATE)) {
      throw invalid(`The token's ${claim} claim is not a valid date`, 'invalid_claims');
    }
  }
  return payload;
}

interface Verified {
  payload: JWTPayload;
  /** The keys it was verified with, and their version then. */
  keySet: KeySet;
  version: number;
}

/** A trusted issuer as the verifier keeps it: its key set once resolved, and its jose options. */
interface IssuerState {
  keySet: () => Promise<KeySet>;
  resolved: KeySet | undefined;
  allowed: ReadonlySet<string>;
  options: JWTVerifyOptions;
}

interface CachedToken {
  token: string;
  payload: JWTPayload;
  /** ms since the epoch (nbf less the tolerance). */
  notBefore: number;
  keySet: KeySet;
  version: number;
}

/**
 * The cache's doorkeeper (as in TinyLFU): admits a key the second time it is seen within a
 * window as long as the cache. Tokens used once (many distinct users, or a flood) are then
 * verified and forgotten, instead of each taking a cache entry that dies old and costs the
 * garbage collector more than it ever saves.
 */
class Doorkeeper {
  /** 2^20 bits: for a window of 10 000, a false "seen before" about 1% of the time. */
  private readonly bits = new Uint32Array(1 << 15);
  private seen = 0;

  constructor(private readonly window: number) {}

  admit(key: string): boolean {
    if (this.window <= 0) return false;
    // The key is a signature: base64url of random-looking bytes, so its first characters hash well.
    let h = 0;
    for (let i = 0; i < 8 && i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
    h &= 0xfffff;
    const word = h >>> 5;
    const mask = 1 << (h & 31);
    const before = ((this.bits[word] as number) & mask) !== 0;
    this.bits[word] = (this.bits[word] as number) | mask;
    if (++this.seen >= this.window) {
      this.bits.fill(0);
      this.seen = 0;
    }
    return before;
  }
}

/** Larger tokens are verified every time rather than held in memory. */
const MAX_CACHED_TOKEN_LENGTH = 8192;

interface VerifiedWith {
  payload: JWTPayload;
  protectedHeader: JWTHeaderParameters;
  /** The key jose chose, when it was the only candidate. */
  key?: unknown;
}

/** Several keys can match a token without `kid`: try each (a JWK Set holds a handful). */
async function verifyWithKeys(token: string, getKey: KeyGetter, options: JWTVerifyOptions): Promise<VerifiedWith> {
  try {
    const { payload, protectedHeader, key } = await jwtVerify(token, getKey, options);
    return { payload, protectedHeader, key };
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    let last: unknown = new errors.JWSSignatureVerificationFailed();
    for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, key, options);
        return { payload, protectedHeader };
      } catch (keyError) {
        last = keyError;
        if (!(keyError instanceof errors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw last;
  }
}

function countDots(token: string): number {
  let n = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) n++;
  return n;
}

function invalid(message: string, code: TokenVerificationErrorCode = 'invalid_token'): MCPAuthTokenVerificationError {
  return tokenRefusal(message, code);
}

/** jose errors, by code: a custom verifier may use another copy of jose. */
export function isJoseError(error: unknown): error is Error & { code: string } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^ERR_(JOSE|JWT|JWS|JWE|JWK)/.test(code);
}

/**
 * jose's errors become 401s with fixed descriptions (nothing from the token is echoed back),
 * except those of its remote JWK Set, which only a custom verify function meets: keys that could
 * not be fetched are an outage (503), not a bad token.
 */
export function mapJoseError(error: unknown, trusted?: Iterable<string>): unknown {
  if (!isJoseError(error)) return error;
  const wrap = (message: string, code: TokenVerificationErrorCode) => tokenRefusal(message, code, error);
  switch (error.code) {
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    // jose's remote JWK Set throws its generic error for a non-200 answer or a body that is not JSON.
    case 'ERR_JOSE_GENERIC':
      return new MCPAuthAuthServerError('jwks_unavailable', `The signing keys could not be fetched: ${error.message}`, {
        cause: error,
        retryAfter: 1,
      });
    case 'ERR_JWT_EXPIRED':
      return wrap('The token has expired', 'token_expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const { claim, reason } = error as unknown as { claim?: string; reason?: string };
      if (claim === 'nbf' && reason === 'check_failed')
        return wrap('The token is not yet valid', 'token_not_yet_valid');
      // jose checks `iss` itself when one issuer is trusted: its error carries the payload.
      if (claim === 'iss') {
        return unknownIssuer((error as unknown as { payload?: { iss?: unknown } }).payload?.iss, trusted, error);
      }
      if (claim === 'typ') return wrap('The token is not a JWT access token (typ must be at+jwt)', 'invalid_claims');
      return wrap(`The token's ${String(claim)} claim is missing or invalid`, 'invalid_claims');
    }
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return wrap('The token signature is invalid', 'invalid_signature');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return wrap('The token is signed with an algorithm that is not allowed', 'algorithm_not_allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return wrap('No signing key of the authorization server matches the token', 'no_matching_key');
    default:
      return wrap('The access token is malformed', 'invalid_token');
  }
}
