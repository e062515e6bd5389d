/**
 * What a token format (JWT, introspection, a custom verify function) hands to the access-token
 * policy: verified claims, and how long a verdict on them may be reused for the same token.
 */
import type { AuthInfo } from './auth-info.js';

export interface Verified {
  /** The verified claims (a JWT's payload, an introspection response), frozen. */
  readonly claims?: Readonly<Record<string, unknown>>;
  /** What a custom verify function returned, checked for shape (instead of claims). */
  readonly auth?: AuthInfo;
  /** The issuer that vouches for claims that name none (the server that answered an introspection). */
  readonly issuer?: string;
  /** When a verdict on these claims may be given again for the same token without verifying it; absent: never. */
  readonly reuse?: Reuse;
}

export interface Reuse {
  /** ms since the epoch, from when (`nbf` less the clock tolerance). */
  readonly from: number;
  /** ms since the epoch, until when (`exp` plus the clock tolerance, or sooner). */
  readonly until: number;
  /** False once what verified it has changed (the issuer's keys were refreshed or went stale). */
  readonly isCurrent?: (now: number) => boolean;
}

/** One entry per format: synchronous when it can answer without waiting; throws or rejects with the refusal. */
export interface TokenFormat {
  verify(token: string): Verified | Promise<Verified>;
}
