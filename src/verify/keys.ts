/**
 * A key set: the keys an issuer's tokens are verified with, and what to do when they are missing
 * or old. Configured keys never change; remote ones (jwks.ts) are fetched and refreshed.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { ASYMMETRIC_ALGORITHMS, algorithmsForKey, type JwsAlgorithm, SYMMETRIC_ALGORITHMS } from '../config/keys.js';
import type { MCPAuthAuthServerError } from '../core/errors.js';

/** Resolves the key for a token (jose's "get key" function shape). */
export type KeyGetter = ReturnType<typeof createLocalJWKSet> | (() => KeyObject | Uint8Array);

export interface KeySet {
  /** Keys to verify with now (may fetch). */
  current(): Promise<KeyGetter>;
  /** The keys, without waiting, when `current()` would not fetch; else undefined. */
  currentIfFresh(now: number): KeyGetter | undefined;
  /**
   * A token names a key we do not have: 'refreshed' when new keys were fetched, 'cooldown' when
   * no refresh is possible or allowed now, or the 503 error when the refresh failed.
   */
  refreshForUnknownKey(): Promise<'refreshed' | 'cooldown' | MCPAuthAuthServerError>;
  /** Changes whenever the keys change: results verified with older keys are not reused. */
  readonly version: number;
  /** True when `current()` would refresh first (a cached result must then take the slow path). */
  isStale(now: number): boolean;
}

/** Keys given in the configuration: nothing to fetch, nothing to refresh. */
export class ConfiguredKeySet implements KeySet {
  constructor(
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

  readonly version = 0;

  isStale(): boolean {
    return false;
  }

  /** The keys an authorization server's config entry gives (`jwks`, `publicKey` or `secret`), if any. */
  static fromEntry(entry: { jwks?: { keys: Record<string, unknown>[] }; publicKey?: string; secret?: string }) {
    if (entry.jwks) return ConfiguredKeySet.fromJwks(entry.jwks);
    if (entry.publicKey) return ConfiguredKeySet.fromPublicKey(entry.publicKey);
    if (entry.secret) return ConfiguredKeySet.fromSecret(entry.secret);
    return undefined;
  }

  static fromJwks(jwks: { keys: Record<string, unknown>[] }): ConfiguredKeySet {
    // jose picks the key by kid, kty and the JWK's own alg; symmetric JWKs are refused by jose.
    return new ConfiguredKeySet(createLocalJWKSet(jwks as JSONWebKeySet), ASYMMETRIC_ALGORITHMS);
  }

  /** A PEM key verifies whatever token names it: `kid` is ignored, the key type sets the algorithms. */
  static fromPublicKey(pem: string): ConfiguredKeySet {
    const key = createPublicKey(pem);
    return new ConfiguredKeySet(() => key, algorithmsForKey(key));
  }

  static fromSecret(secret: string): ConfiguredKeySet {
    const bytes = new TextEncoder().encode(secret);
    return new ConfiguredKeySet(() => bytes, SYMMETRIC_ALGORITHMS);
  }
}
