/**
 * JWS signatures checked on this thread with node:crypto's one-shot
 * `verify`, for the common case of a token signed by a key jose has already chosen once.
 *
 * Why: jose verifies through WebCrypto, whose every call on Node 20 is a job handed to the libuv
 * pool and back: 15–25 µs of hand-off per token, more than an RS256 check itself (docs/performance.md).
 * What stays with jose: parsing (header, base64url), the choice of key for an `alg`/`kid` (it is
 * remembered from a successful jose verification, never made here), and every claim check (the
 * verified payload is judged by jose's own claims validation). Anything out of the ordinary —
 * `crit`, `b64`, a key not yet chosen, several candidate keys, HS* secrets — returns undefined,
 * and the caller lets jose decide the whole token.
 */
import { KeyObject } from 'node:crypto';
import { base64url, decodeProtectedHeader, type JWTPayload, type JWTVerifyOptions, UnsecuredJWT } from 'jose';
import { tokenRefusal } from '../core/errors.js';
import { checkCompactSignature, SIGNATURE_PARAMETERS, type VerifyKey, verifyKeyFor } from './jws-parameters.js';

/** More (alg, kid) pairs than any JWK Set has; a bound all the same. */
const MAX_KEYS_PER_SET = 64;

/** `{"alg":"none"}`: the header under which jose's claims validation reads a verified payload. */
const UNSECURED_HEADER = base64url.encode('{"alg":"none"}');

type Header = ReturnType<typeof decodeProtectedHeader>;

export class SyncJwsVerifier {
  /** Per key getter (a new JWK Set starts empty): `${alg} ${kid}` -> the key jose chose for it. */
  private readonly chosen = new WeakMap<object, Map<string, VerifyKey>>();
  /**
   * Protected headers of tokens accepted here, by their encoded form: an issuer signs every token
   * with one of a handful of headers, so most tokens skip decoding theirs. Only accepted tokens
   * add one, so the first few (the bound) are the issuer's own.
   */
  private readonly headers = new Map<string, Readonly<Header>>();

  /**
   * After jose has verified a token with a key it chose alone (not one of several candidates):
   * later tokens naming the same `alg` and `kid` can be checked here.
   */
  remember(keys: object, header: { alg?: unknown; kid?: unknown }, key: unknown): void {
    const slot = slotOf(header);
    const parameters = slot === undefined ? undefined : SIGNATURE_PARAMETERS.get(header.alg as string);
    if (slot === undefined || !parameters) return;
    let keyObject: KeyObject;
    try {
      keyObject = key instanceof KeyObject ? key : KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
    } catch {
      return; // not a key node:crypto can use here (e.g. a secret's bytes): jose keeps the job
    }
    if (keyObject.type !== 'public') return;
    let set = this.chosen.get(keys);
    if (!set) {
      set = new Map();
      this.chosen.set(keys, set);
    }
    if (set.size >= MAX_KEYS_PER_SET && !set.has(slot)) return;
    set.set(slot, verifyKeyFor(keyObject, parameters));
  }

  /**
   * The verified, claim-checked payload; throws the refusal for a bad signature and jose's error
   * for a claim; undefined when this token is for jose to judge (see the file comment).
   * @param options the same options jose's `jwtVerify` is given for this issuer.
   */
  verify(token: string, keys: object, allowed: ReadonlySet<string>, options: JWTVerifyOptions): JWTPayload | undefined {
    const set = this.chosen.get(keys);
    if (!set) return undefined;
    const firstDot = token.indexOf('.');
    const lastDot = token.lastIndexOf('.');
    // Exactly three parts (a JWE has five: jose refuses it).
    if (firstDot === -1 || firstDot === lastDot || token.indexOf('.', firstDot + 1) !== lastDot) return undefined;
    const encodedHeader = token.slice(0, firstDot);
    let header = this.headers.get(encodedHeader);
    if (header === undefined) {
      try {
        header = decodeProtectedHeader(token);
      } catch {
        return undefined;
      }
    }
    // Extensions and unencoded payloads are jose's to refuse.
    if ('crit' in header || 'b64' in header) return undefined;
    const { alg } = header;
    const slot = slotOf(header);
    if (slot === undefined || typeof alg !== 'string' || !allowed.has(alg)) return undefined;
    const key = set.get(slot);
    const parameters = SIGNATURE_PARAMETERS.get(alg);
    if (key === undefined || parameters === undefined) return undefined;
    const valid = checkCompactSignature(token, lastDot, key, parameters);
    if (valid === undefined) return undefined;
    if (!valid) throw tokenRefusal('The token signature is invalid', 'invalid_signature');

    // The payload just verified, read by jose's claims validation (issuer, audience, exp, nbf,
    // typ, required claims), under a header that carries the signed `typ` and nothing else.
    const claimsHeader =
      options.typ === undefined ? UNSECURED_HEADER : base64url.encode(JSON.stringify({ alg: 'none', typ: header.typ }));
    const { payload } = UnsecuredJWT.decode(`${claimsHeader}.${token.slice(firstDot + 1, lastDot)}.`, options);
    if (this.headers.size < MAX_KEYS_PER_SET && !this.headers.has(encodedHeader)) {
      this.headers.set(encodedHeader, Object.freeze(header));
    }
    return payload;
  }
}

/** Where a header's key lives in the map: jose chooses a JWK by `alg` and `kid` alone. */
function slotOf(header: { alg?: unknown; kid?: unknown }): string | undefined {
  if (typeof header.alg !== 'string') return undefined;
  if (header.kid !== undefined && typeof header.kid !== 'string') return undefined;
  return header.kid === undefined ? header.alg : `${header.alg} ${header.kid}`;
}
