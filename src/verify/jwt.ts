/**
 * JWT access tokens, verified with `jose` against their issuer's keys. The issuer and algorithm
 * are judged from the unverified token first, so that a token from an unknown issuer, or with
 * `alg: none`, never causes a network request and never meets a key.
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
import { deepFreeze } from '../core/deep-freeze.js';
import { tokenRefusal, unknownIssuer } from '../core/errors.js';
import type { TrustedIssuer } from './issuer-keys.js';
import { mapJoseError } from './jose-errors.js';
import type { KeyGetter, KeySet } from './keys.js';
import { type SpeedUps, speedUps } from './speed-ups.js';
import type { TokenFormat, Verified } from './token-format.js';

/** 9999-12-31T23:59:59Z: later dates are not dates, they are attacks on arithmetic. */
const MAX_NUMERIC_DATE = 253402300799;

/** The claims the JWT access token profile requires besides iss, exp and aud. */
const PROFILE_CLAIMS = ['sub', 'client_id', 'iat', 'jti'];

export interface JwtFormatConfig {
  issuers: ReadonlyMap<string, TrustedIssuer>;
  /** Seconds. */
  clockTolerance: number;
  /** The JWT access token profile: `typ` at+jwt and sub, client_id, iat, jti present. */
  strict?: boolean;
  /** Passed through to jose's `jwtVerify`; options that could loosen it are refused by the option schema. */
  jwtVerify?: JWTVerifyOptions;
}

/** A trusted issuer as the format keeps it: its key set once resolved, and its jose options. */
interface IssuerState {
  keySet: () => Promise<KeySet>;
  resolved: KeySet | undefined;
  allowed: ReadonlySet<string>;
  options: JWTVerifyOptions;
}

/** `using`: the speed-ups to build with (tests choose theirs). */
export function createJwtFormat(config: JwtFormatConfig, using: SpeedUps = speedUps): TokenFormat {
  const requiredClaims = [
    ...new Set(['exp', ...(config.strict ? PROFILE_CLAIMS : []), ...(config.jwtVerify?.requiredClaims ?? [])]),
  ];
  // jose compares `typ` case-insensitively and with or without "application/".
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
  const toleranceMs = config.clockTolerance * 1000;
  const shortcut = using.synchronousSignatures?.();
  const batch = shortcut && using.signatureBatching?.();

  /** Verified, frozen (req.auth.claims behaves the same whether or not it is reused), with its reuse window. */
  function verified(payload: JWTPayload, keySet: KeySet, version: number): Verified {
    deepFreeze(checkDates(payload));
    const { exp, nbf } = payload;
    return {
      claims: payload,
      reuse:
        typeof exp === 'number'
          ? {
              from: typeof nbf === 'number' ? nbf * 1000 - toleranceMs : 0,
              until: exp * 1000 + toleranceMs,
              isCurrent: (now) => keySet.version === version && !keySet.isStale(now),
            }
          : undefined,
    };
  }

  /** Reads the unverified token: its issuer must be trusted and its algorithm allowed for that issuer. */
  function triage(token: string): IssuerState {
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw tokenRefusal('The access token is not a JWT');
    }
    const issuer = typeof iss === 'string' ? issuers.get(iss) : undefined;
    if (!issuer) throw unknownIssuer(iss, issuers.keys());
    // Before any key is looked at: `none`, a symmetric alg for an asymmetric key and the reverse end here.
    if (typeof alg !== 'string' || !issuer.allowed.has(alg)) {
      throw tokenRefusal('The token is signed with an algorithm that is not allowed', 'algorithm_not_allowed');
    }
    return issuer;
  }

  /** On this thread, when the issuer's keys are at hand and jose has chosen the key the token names before. */
  function verifyHere(token: string): Verified | undefined {
    if (!shortcut || countDots(token) !== 2) return undefined;
    const issuer = onlyIssuer ?? triage(token);
    const keySet = issuer.resolved;
    const keys = keySet?.currentIfFresh(Date.now());
    if (!keySet || !keys) return undefined;
    let payload: JWTPayload | undefined;
    try {
      payload = shortcut.verify(token, keys, issuer.allowed, issuer.options);
    } catch (error) {
      throw mapJoseError(error, issuers.keys());
    }
    return payload && verified(payload, keySet, keySet.version);
  }

  async function verifyWithJose(token: string): Promise<Verified> {
    const dots = countDots(token);
    if (dots === 4) throw tokenRefusal('Encrypted (JWE) access tokens are not accepted');
    if (dots !== 2) throw tokenRefusal('The access token is not a JWT');
    // With one trusted issuer whose keys are at hand, jose itself refuses a wrong `iss` or `alg`
    // (its `issuer` and `algorithms` options) and the token is decoded once. Otherwise, or for
    // a key we do not know (below), the unverified token is read first: an unknown issuer must
    // never cause a fetch, and a wrong algorithm must never reach a key.
    const trusted = onlyIssuer?.resolved?.currentIfFresh(Date.now()) ? onlyIssuer : undefined;
    const issuer = trusted ?? triage(token);

    // After the first request the key set is at hand: no await for it.
    issuer.resolved ??= await issuer.keySet();
    const keySet = issuer.resolved;
    const options = issuer.options;
    let result: VerifiedWith;
    let getKey = keySet.currentIfFresh(Date.now()) ?? (await keySet.current());
    // The keys this result is verified with: a later key change makes a reused verdict stale.
    let version = keySet.version;
    try {
      result = await verifyWithKeys(token, getKey, options);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw mapJoseError(error, issuers.keys());
      if (trusted) triage(token);
      // A key we have not seen: the authorization server may have rotated. One refresh per cooldown.
      const outcome = await keySet.refreshForUnknownKey();
      if (outcome instanceof Error) throw outcome;
      if (outcome === 'cooldown') throw mapJoseError(error, issuers.keys());
      try {
        getKey = await keySet.current();
        version = keySet.version;
        result = await verifyWithKeys(token, getKey, options);
      } catch (retryError) {
        throw mapJoseError(retryError, issuers.keys());
      }
    }
    // The key jose chose alone for this alg and kid: the next token naming them can be checked here.
    if (result.key !== undefined) shortcut?.remember(getKey, result.protectedHeader, result.key);
    return verified(result.payload, keySet, version);
  }

  const verifyNow = (token: string): Verified | Promise<Verified> => verifyHere(token) ?? verifyWithJose(token);
  return { verify: batch ? (token) => batch.defer(() => verifyNow(token)) : verifyNow };
}

/** jose accepts any number; a date claim beyond year 9999 is refused. */
function checkDates(payload: JWTPayload): JWTPayload {
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && !(Number.isFinite(value) && value <= MAX_NUMERIC_DATE)) {
      throw tokenRefusal(`The token's ${claim} claim is not a valid date`, 'invalid_claims');
    }
  }
  return payload;
}

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
