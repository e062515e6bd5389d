/**
 * DPoP proofs: the JWT a client signs with its own key for each request, proving that it holds the
 * key its access token is bound to. Every check is made on every request; the replay check comes
 * last, so that only a holder of a valid bound token and its key can ever write to the replay
 * store (docs/dpop.md).
 */
import { createHash } from 'node:crypto';
import { base64url, calculateJwkThumbprint, EmbeddedJWK, type JWTPayload, jwtVerify } from 'jose';
import { tokenRefusal } from '../core/errors.js';
import type { AuthRequest } from '../core/request.js';
import type { DpopNonces } from './dpop-nonce.js';
import { isJoseError } from './jose-errors.js';
import type { ProofShortcut } from './speed-ups.js';

export interface DpopProofPolicy {
  /** The JWS algorithms a proof may be signed with (asymmetric only). */
  algorithms: readonly string[];
  /** The same, as a set. */
  allowed: ReadonlySet<string>;
  /** Seconds a proof's `iat` may be from now, either way. */
  proofMaxAgeSeconds: number;
  /** The resource's origin (`https://mcp.example.com`): `htu` is this joined with the request's path. */
  origin: string;
  /** Resource-server nonces, when on. */
  nonces: DpopNonces | undefined;
}

export interface VerifiedProof {
  /** The JWK thumbprint of the proof's key. */
  jkt: string;
  jti: string;
  iat: number;
  /** The nonce the proof carried, when nonces are on. */
  nonce: string | undefined;
}

const invalidProof = (message: string) => tokenRefusal(message, 'invalid_dpop_proof');

/**
 * Checks the request's one DPoP proof against the token it accompanies and the request itself.
 * Throws a refusal (`invalid_dpop_proof`, or `use_dpop_nonce` when a nonce is missing or stale).
 */
export function verifyDpopProof(
  request: AuthRequest,
  token: string,
  policy: DpopProofPolicy,
  shortcut?: ProofShortcut,
): VerifiedProof | Promise<VerifiedProof> {
  if (request.dpop.length !== 1) {
    throw invalidProof(
      request.dpop.length === 0 ? 'A DPoP token needs a DPoP proof header' : 'Send exactly one DPoP header',
    );
  }
  const proof = request.dpop[0] as string;
  // A key seen before: checked on this thread (a speed-up, see speed-ups.ts); otherwise by jose.
  // Synchronous then, so that a request with nothing to wait for makes no promise.
  const known = shortcut?.verify(proof, policy.allowed);
  if (known) return checkClaims(request, token, policy, known.payload, known.jkt);
  return verifyWithJose(proof, policy, shortcut).then(({ payload, jkt }) =>
    checkClaims(request, token, policy, payload, jkt),
  );
}

/** The proof's claims against this request and its token; the key thumbprint with them. */
function checkClaims(
  request: AuthRequest,
  token: string,
  policy: DpopProofPolicy,
  payload: JWTPayload,
  jkt: string,
): VerifiedProof {
  const { jti, htm, htu, iat, ath, nonce } = payload as JWTPayload & Record<string, unknown>;
  if (typeof jti !== 'string' || jti === '') throw invalidProof('The DPoP proof has no jti');
  if (htm !== request.method) throw invalidProof('The DPoP proof is for another method (htm)');
  if (typeof htu !== 'string' || !sameTarget(htu, policy.origin, request.path)) {
    throw invalidProof('The DPoP proof is for another URL (htu)');
  }
  const now = Date.now() / 1000;
  if (typeof iat !== 'number' || Math.abs(now - iat) > policy.proofMaxAgeSeconds) {
    throw invalidProof('The DPoP proof is too old or from the future (iat)');
  }
  if (ath !== accessTokenHash(token)) throw invalidProof('The DPoP proof is for another access token (ath)');
  if (policy.nonces) policy.nonces.check(nonce);
  return { jkt, jti, iat, nonce: typeof nonce === 'string' ? nonce : undefined };
}

/** The proof's JWS by jose, with the key its header carries; the key is then remembered by the shortcut. */
async function verifyWithJose(
  proof: string,
  policy: DpopProofPolicy,
  shortcut: ProofShortcut | undefined,
): Promise<{ payload: JWTPayload; jkt: string }> {
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...policy.algorithms],
      requiredClaims: ['jti', 'htm', 'htu', 'iat'],
    });
    const jwk = protectedHeader.jwk as Parameters<typeof calculateJwkThumbprint>[0];
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    shortcut?.remember(jwk, protectedHeader.alg as string, jkt);
    return { payload, jkt };
  } catch (error) {
    throw invalidProof(proofFault(error));
  }
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII. */
export function accessTokenHash(token: string): string {
  return base64url.encode(createHash('sha256').update(token, 'ascii').digest());
}

/**
 * `htu` names this request's URL: the resource's origin and the request's path, compared after
 * the URL parser's normalisation (scheme and host case, default port, dot segments) on both
 * sides. An `htu` with a query or fragment is malformed; the request's own query is ignored.
 */
function sameTarget(htu: string, origin: string, path: string): boolean {
  let claimed: URL;
  let expected: URL;
  try {
    claimed = new URL(htu);
    expected = new URL(path, origin);
  } catch {
    return false;
  }
  if (claimed.search !== '' || claimed.hash !== '' || htu.includes('?') || htu.includes('#')) return false;
  return claimed.origin === expected.origin && claimed.pathname === expected.pathname;
}

/** What was wrong with the proof's JWS, in a fixed description (nothing from the proof is echoed). */
function proofFault(error: unknown): string {
  if (!isJoseError(error)) return 'The DPoP proof is not a valid JWT';
  switch (error.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'The DPoP proof signature is invalid';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'The DPoP proof is signed with an algorithm that is not accepted';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as unknown as { claim?: string }).claim;
      return claim === 'typ'
        ? 'The DPoP proof must have typ dpop+jwt'
        : `The DPoP proof's ${claim} claim is missing or invalid`;
    }
    case 'ERR_JWS_INVALID':
      return 'The DPoP proof must carry a public signing key (jwk) in its header';
    default:
      return 'The DPoP proof is not a valid JWT';
  }
}
