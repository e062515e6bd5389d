/**
 * Key material given in the configuration, and which JWS algorithms each kind of key may verify:
 * a token's `alg` is matched against its issuer's key kind before anything is verified, so an
 * HS256 token never meets an RSA public key and an RS256 token never meets a shared secret.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';

export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
/** What a DPoP proof may be signed with: the asymmetric algorithms (the DPoP specification forbids MACs and `none`). */
export const DPOP_ALGORITHMS = ASYMMETRIC_ALGORITHMS;
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

export const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type JwsAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof SYMMETRIC_ALGORITHMS)[number];

/** The JWS algorithms a public key's type allows. */
export function algorithmsForKey(key: KeyObject): JwsAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1') return ['ES256'];
      if (curve === 'secp384r1') return ['ES384'];
      if (curve === 'secp521r1') return ['ES512'];
      return [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    default:
      return [];
  }
}

/** Why a string is not a usable PEM public key, or undefined when it is. */
export function publicKeyProblem(pem: string): string | undefined {
  // createPublicKey would happily derive a public key from a private one: refuse the private key.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    return 'must be a public key: a private key does not belong in a resource server';
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)';
  }
  if (key.type !== 'public') return 'must be a public key';
  if (algorithmsForKey(key).length === 0) return `has a key type no JWS algorithm uses (${key.asymmetricKeyType})`;
  return undefined;
}

/** Why a JWK Set is unusable, or undefined. */
export function jwksProblem(jwks: { keys: Record<string, unknown>[] }): string | undefined {
  try {
    createLocalJWKSet(jwks as JSONWebKeySet);
  } catch (error) {
    return `is not a usable JWK Set: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (jwks.keys.some((k) => k.kty === 'oct' || k.d !== undefined)) {
    return 'must hold public keys only (use `secret` for a shared secret)';
  }
  return undefined;
}
