/**
 * DPoP proofs checked on this thread with node:crypto's one-shot `verify`, for a client key that
 * jose has accepted in an earlier proof. A client keeps its key for its session, so after its
 * first proof the key object and its thumbprint are at hand: no WebCrypto key import, signature
 * job or digest on the thread pool per request. What stays with jose: parsing (header, base64url,
 * the payload's JSON and its date claims), and every first proof of a key, whose `jwk` jose
 * imports and checks (public, usable for the `alg`) before it is remembered here. Anything out of
 * the ordinary (an unknown key, another `alg` for it, `crit`, `b64`, a `typ` spelt otherwise)
 * returns undefined, and jose decides the whole proof.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { base64url, decodeProtectedHeader, type JWTPayload, UnsecuredJWT } from 'jose';
import { tokenRefusal } from '../core/errors.js';
import { checkCompactSignature, SIGNATURE_PARAMETERS, type VerifyKey, verifyKeyFor } from './jws-parameters.js';

/** More client keys than one process sees at once in a session's lifetime; a bound all the same. */
const MAX_KEYS = 10_000;

/** `{"alg":"none"}`: the header under which jose reads a payload whose signature was checked here. */
const UNSECURED_HEADER = base64url.encode('{"alg":"none"}');

interface KnownKey {
  alg: string;
  key: VerifyKey;
  jkt: string;
}

export class SyncProofVerifier {
  /** By the `jwk` header member as sent (its JSON): the same key, the same text. */
  private readonly known = new Map<string, KnownKey>();

  /** After jose has verified a proof signed with `jwk` under `alg`: its later proofs are checked here. */
  remember(jwk: object, alg: string, jkt: string): void {
    const parameters = SIGNATURE_PARAMETERS.get(alg);
    if (!parameters) return;
    let key: VerifyKey;
    try {
      key = verifyKeyFor(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), parameters);
    } catch {
      return; // jose's to judge every time
    }
    if (this.known.size >= MAX_KEYS) this.known.delete(this.known.keys().next().value as string);
    this.known.set(JSON.stringify(jwk), { alg, key, jkt });
  }

  /**
   * The proof's payload and key thumbprint; throws the refusal for a bad signature; undefined
   * when the proof is for jose to judge (see the file comment).
   */
  verify(proof: string, allowed: ReadonlySet<string>): { payload: JWTPayload; jkt: string } | undefined {
    const firstDot = proof.indexOf('.');
    const lastDot = proof.lastIndexOf('.');
    if (firstDot === -1 || firstDot === lastDot || proof.indexOf('.', firstDot + 1) !== lastDot) return undefined;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      return undefined;
    }
    if (header.typ !== 'dpop+jwt' || 'crit' in header || 'b64' in header) return undefined;
    const { alg, jwk } = header;
    if (typeof alg !== 'string' || !allowed.has(alg) || typeof jwk !== 'object' || jwk === null) return undefined;
    const known = this.known.get(JSON.stringify(jwk));
    const parameters = SIGNATURE_PARAMETERS.get(alg);
    if (!known || known.alg !== alg || !parameters) return undefined;
    const valid = checkCompactSignature(proof, lastDot, known.key, parameters);
    if (valid === undefined) return undefined;
    if (!valid) throw tokenRefusal('The DPoP proof signature is invalid', 'invalid_dpop_proof');
    let payload: JWTPayload;
    try {
      payload = UnsecuredJWT.decode(`${UNSECURED_HEADER}.${proof.slice(firstDot + 1, lastDot)}.`).payload;
    } catch {
      throw tokenRefusal('The DPoP proof is not a valid JWT', 'invalid_dpop_proof');
    }
    return { payload, jkt: known.jkt };
  }
}
