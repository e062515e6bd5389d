/**
 * What node:crypto's one-shot `verify` needs for each JWS algorithm: the digest, ECDSA
 * signatures as r || s rather than DER, and RSASSA-PSS with a salt as long as the digest.
 */
import { constants, type KeyObject, verify as oneShotVerify } from 'node:crypto';
import { base64url } from 'jose';

export interface SignatureParameters {
  /** The digest node:crypto is given (null: EdDSA hashes internally). */
  digest: string | null;
  /** JWS carries ECDSA signatures as r || s, not DER. */
  ieeeP1363?: true;
  /** RSASSA-PSS salt length in bytes: the digest's length. */
  pssSaltLength?: number;
}

/** A Map, so that no header `alg` can find anything on a prototype. */
export const SIGNATURE_PARAMETERS: ReadonlyMap<string, SignatureParameters> = new Map<string, SignatureParameters>([
  ['RS256', { digest: 'sha256' }],
  ['RS384', { digest: 'sha384' }],
  ['RS512', { digest: 'sha512' }],
  ['PS256', { digest: 'sha256', pssSaltLength: 32 }],
  ['PS384', { digest: 'sha384', pssSaltLength: 48 }],
  ['PS512', { digest: 'sha512', pssSaltLength: 64 }],
  ['ES256', { digest: 'sha256', ieeeP1363: true }],
  ['ES384', { digest: 'sha384', ieeeP1363: true }],
  ['ES512', { digest: 'sha512', ieeeP1363: true }],
  ['EdDSA', { digest: null }],
  ['Ed25519', { digest: null }],
]);

export type VerifyKey = Parameters<typeof oneShotVerify>[2];

export function verifyKeyFor(key: KeyObject, parameters: SignatureParameters): VerifyKey {
  if (parameters.ieeeP1363) return { key, dsaEncoding: 'ieee-p1363' };
  if (parameters.pssSaltLength !== undefined) {
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: parameters.pssSaltLength };
  }
  return key;
}

/**
 * The signature of a compact JWS checked with `key`: true or false, or undefined when the JWS is
 * for jose to judge (a signing input that is not ASCII, a signature that is not base64url).
 * `lastDot` is the index of the dot before the signature.
 */
export function checkCompactSignature(
  jws: string,
  lastDot: number,
  key: VerifyKey,
  parameters: SignatureParameters,
): boolean | undefined {
  const signingInput = jws.slice(0, lastDot);
  // The signing input is ASCII by construction in a compact JWS; anything else is jose's to refuse.
  if (Buffer.byteLength(signingInput) !== signingInput.length) return undefined;
  let signature: Uint8Array;
  try {
    signature = base64url.decode(jws.slice(lastDot + 1));
  } catch {
    return undefined;
  }
  try {
    return oneShotVerify(parameters.digest, Buffer.from(signingInput, 'latin1'), key, signature);
  } catch {
    return false; // as jose: a signature the key cannot even read is a failed verification
  }
}
