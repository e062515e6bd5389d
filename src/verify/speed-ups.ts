/**
 * The speed-ups of the verification path. Each is a module of its own with its own tests, and is
 * switched on here and nowhere else: removing one is deleting its line below (with its import and
 * its file); every behaviour stays, only slower. What each one buys is measured in
 * docs/performance.md. The shapes they fill are declared here, so that the code using them does
 * not depend on their modules.
 */
import type { JWTPayload, JWTVerifyOptions } from 'jose';
import { SyncProofVerifier } from './dpop-proof-sync.js';
import { SyncJwsVerifier } from './jws-sync.js';
import { SignatureBatch } from './signature-batch.js';
import type { Reuse } from './token-format.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Verdicts given again to a token seen before, without verifying it again. */
export interface VerdictCache<V> {
  get(token: string, now: number): V | undefined;
  offer(token: string, value: V, reuse: Reuse, now: number): void;
}

/** Signatures checked on this thread, with keys jose has chosen before. */
export interface SignatureShortcut {
  remember(keys: object, header: { alg?: unknown; kid?: unknown }, key: unknown): void;
  /** The verified payload; throws a refusal; undefined when jose must decide. */
  verify(token: string, keys: object, allowed: ReadonlySet<string>, options: JWTVerifyOptions): JWTPayload | undefined;
}

/** DPoP proofs by a client key seen before, checked on this thread. */
export interface ProofShortcut {
  remember(jwk: object, alg: string, jkt: string): void;
  /** The payload and key thumbprint; throws a refusal; undefined when jose must decide. */
  verify(proof: string, allowed: ReadonlySet<string>): { payload: JWTPayload; jkt: string } | undefined;
}

/** Checks deferred and run together. */
export interface CheckBatch {
  defer<T>(check: () => T | Promise<T>): Promise<T>;
}

export interface SpeedUps {
  verifiedTokenCache?: <V>(maxEntries: number) => VerdictCache<V>;
  synchronousSignatures?: () => SignatureShortcut;
  signatureBatching?: () => CheckBatch;
  synchronousProofs?: () => ProofShortcut;
}

export const speedUps: SpeedUps = {
  verifiedTokenCache: (maxEntries) => new VerifiedTokenCache(maxEntries),
  synchronousSignatures: () => new SyncJwsVerifier(),
  signatureBatching: () => new SignatureBatch(),
  synchronousProofs: () => new SyncProofVerifier(),
};
