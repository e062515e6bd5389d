/**
 * Proof of possession for DPoP-bound tokens, on every request: the proof (dpop-proof.ts) and the
 * token's binding to the proof's key; then, once the whole request has been accepted, the replay
 * check, so that only a holder of a valid bound token and its key, making an acceptable request,
 * ever writes to the replay store.
 */
import { createHash } from 'node:crypto';
import type { ReplayStore } from '../config/types.js';
import { MCPAuthAuthServerError, tokenRefusal } from '../core/errors.js';
import type { AuthRequest } from '../core/request.js';
import { type DpopProofPolicy, type VerifiedProof, verifyDpopProof } from './dpop-proof.js';
import type { ProofShortcut } from './speed-ups.js';

export interface DpopPolicy extends DpopProofPolicy {
  /** 'required': tokens presented as Bearer are refused; 'allowed': both schemes. */
  mode: 'allowed' | 'required';
  replayStore: ReplayStore;
}

/**
 * The checked proof of a request presenting a token bound to `jkt`, replay aside: synchronous
 * when nothing has to be waited for. Throws (or rejects with) the refusal.
 */
export function checkProof(
  token: string,
  jkt: string,
  request: AuthRequest,
  policy: DpopPolicy,
  shortcut: ProofShortcut | undefined,
): VerifiedProof | Promise<VerifiedProof> {
  const proof = verifyDpopProof(request, token, policy, shortcut);
  return proof instanceof Promise ? proof.then((p) => sameKey(p, jkt)) : sameKey(proof, jkt);
}

function sameKey(proof: VerifiedProof, jkt: string): VerifiedProof {
  if (proof.jkt !== jkt) {
    throw tokenRefusal('The DPoP proof is signed by another key than the token is bound to', 'invalid_dpop_proof');
  }
  return proof;
}

/**
 * The replay check, once everything else about the request has been accepted: marks the proof
 * used, or refuses it as a replay; synchronous with a store that answers at once (the in-memory
 * one). A store that cannot answer is an outage (503).
 */
export function rememberProof(proof: VerifiedProof, policy: DpopPolicy): void | Promise<void> {
  // Kept while the proof could still be presented (its iat plus the allowed age), and a second more.
  const ttlMs = (proof.iat + policy.proofMaxAgeSeconds) * 1000 - Date.now() + 1000;
  let answer: boolean | Promise<boolean>;
  try {
    answer = policy.replayStore.markUsed(replayKey(proof.jkt, proof.jti), Math.max(ttlMs, 1000));
  } catch (cause) {
    throw storeFailure(cause);
  }
  if (!(answer instanceof Promise)) return replayVerdict(answer);
  return answer.then(replayVerdict, (cause: unknown) => {
    throw storeFailure(cause);
  });
}

function replayVerdict(fresh: unknown): void {
  if (fresh !== true) throw tokenRefusal('The DPoP proof has been used before', 'invalid_dpop_proof');
}

/** A store that cannot answer must not let a replay through, nor blame the client: 503. */
function storeFailure(cause: unknown): MCPAuthAuthServerError {
  if (cause instanceof MCPAuthAuthServerError) return cause;
  return new MCPAuthAuthServerError('replay_store_unavailable', 'The DPoP replay store could not answer', {
    cause,
    retryAfter: 1,
  });
}

/** Bounded whatever the `jti`: the key and the jti, hashed together. */
function replayKey(jkt: string, jti: string): string {
  return createHash('sha256').update(`${jkt} ${jti}`).digest('base64url');
}
