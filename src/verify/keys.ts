/**
 * Where an issuer's verification keys come from, and which JWS algorithms each kind of key may
 * verify. A token's `alg` is matched against the issuer's key kind before anything is verified:
 * an HS256 token never meets an RSA public key, an RS256 token never meets a shared secret.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { MCPAuthAuthServerError } from '../core/errors.js';

/** Resolves the key for a token (jose's "get key" function shape). */
export type KeyGetter = ReturnType<typeof createLocalJWKSet> | (() => KeyObject | Uint8Array);

export interface KeySet {
  /** Where the keys come from, for messages: a JWKS URL, or "configured jwks" etc. */
  readonly source: string;
  /** Keys to verify with now (may fetch). */
  current(): Promise<KeyGetter>;
  /** The keys, without waiting, when `current()` would not fetch; else undefined. */
  currentIfFresh(now: number): KeyGetter | undefined;
  /** A token names a key we do not have; 'cooldown' means no refresh is possible or allowed now. */
  refreshForUnknownKey(): Promise<'refreshed' | 'cooldown' | 'failed'>;
  /** The 503 error for when keys cannot be had. */
  unavailable(message: string): MCPAuthAuthServerError;
  /** Changes whenever the keys change: results verified with older keys are not reused. */
  readonly version: number;
  /** True when `current()` would refresh first (a cached result must then take the slow path). */
  isStale(now: number): boolean;
}

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
export const SYMMETRIC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type JwsAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number] | (typeof SYMMETRIC_ALGORITHMS)[number];

/** Keys given in the configuration: nothing to fetch, nothing to refresh. */
export class ConfiguredKeySet implements KeySet {
  constructor(
    readonly source: string,
    private readonly getKey: KeyGetter,
    /** The algorithms these keys can verify. */
    readonly algorithms: readonly JwsAlgorithm[],
  ) {}

  /** A shared secret: the only keys symmetric (HS*) algorithms may use. */
  get symmetric(): boolean {
    return this.algorithms.some((a) => a.startsWith('HS'));
  }

  async current(): Promise<KeyGetter> {
    return this.getKey;
  }

  currentIfFresh(): KeyGetter {
    return this.getKey;
  }

  async refreshForUnknownKey(): Promise<'cooldown'> {
    return 'cooldown';
  }

  unavailable(): never {
    throw new Error('configured keys are always available');
  }

  readonly version = 0;

  isStale(): boolean {
    return false;
  }

  static fromJwks(jwks: { keys: Record<string, unknown>[] }): ConfiguredKeySet {
    // jose picks the key by kid, kty and the JWK's own alg; symmetric JWKs are refused by jose.
    return new ConfiguredKeySet('the configured jwks', createLocalJWKSet(jwks as JSONWebKeySet), ASYMMETRIC_ALGORITHMS);
  }

  /** A PEM key verifies whatever token names it: `kid` is ignored, the key type sets the algorithms. */
  static fromPublicKey(pem: string): ConfiguredKeySet {
    const key = createPublicKey(pem);
    return new ConfiguredKeySet('the configured publicKey', () => key, algorithmsForKey(key));
  }

  static fromSecret(secret: string): ConfiguredKeySet {
    const bytes = new TextEncoder().encode(secret);
    return new ConfiguredKeySet('the configured secret', () => bytes, SYMMETRIC_ALGORITHMS);
  }
}

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
