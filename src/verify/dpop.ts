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

export interface DpopPolicy extends DpopProofPolicy {
  /** 'required': tokens presented as Bearer are refused; 'allowed': both schemes. */
  mode: 'allowed' | 'required';
  replayStore: ReplayStore;
}

/** The checked proof of a request presenting a token bound to `jkt`, replay aside. Throws the refusal. */
export async function checkProof(
  token: string,
  jkt: string,
  request: AuthRequest,
  policy: DpopPolicy,
): Promise<VerifiedProof> {
  const proof = await verifyDpopProof(request, token, policy);
  if (proof.jkt !== jkt) {
    throw tokenRefusal('The DPoP proof is signed by another key than the token is bound to', 'invalid_dpop_proof');
  }
  return proof;
}

/**
 * The replay check, once everything else about the request has been accepted: marks the proof
 * used, or refuses it as a replay. A store that cannot answer is an outage (503).
 */
export async function rememberProof(proof: VerifiedProof, policy: DpopPolicy): Promise<void> {
  // Kept while the proof could still be presented (its iat plus the allowed age), and a second more.
  const ttlMs = (proof.iat + policy.proofMaxAgeSeconds) * 1000 - Date.now() + 1000;
  let fresh: boolean;
  try {
    fresh = await policy.replayStore.markUsed(replayKey(proof.jkt, proof.jti), Math.max(ttlMs, 1000));
  } catch (cause) {
    // A store that cannot answer must not let a replay through, nor blame the client: 503.
    if (cause instanceof MCPAuthAuthServerError) throw cause;
    throw new MCPAuthAuthServerError('replay_store_unavailable', 'The DPoP replay store could not answer', {
      cause,
      retryAfter: 1,
    });
  }
  if (fresh !== true) throw tokenRefusal('The DPoP proof has been used before', 'invalid_dpop_proof');
}

/** Bounded whatever the `jti`: the key and the jti, hashed together. */
function replayKey(jkt: string, jti: string): string {
  return createHash('sha256').update(`${jkt} ${jti}`).digest('base64url');
}
