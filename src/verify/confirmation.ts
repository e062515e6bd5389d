/**
 * Sender-constrained access tokens: bound to a key by a confirmation claim (`cnf`, e.g. DPoP's
 * `jkt` or mutual TLS's `x5t#S256`), or reported by introspection as a DPoP token (`token_type:
 * DPoP`). Such a token is meant to be useless without the client's key, so until the proof is
 * checked here it is refused in every mode, whatever the confirmation method
 * (docs/decisions.md, "Sender-constrained tokens").
 */

/** True when the verified claims (JWT, introspection response, or a custom verifier's) bind the token to a key. */
export function isSenderConstrained(claims: Readonly<Record<string, unknown>> | undefined): boolean {
  // A custom verifier's `claims` is user code: anything but an object reports nothing.
  if (typeof claims !== 'object' || claims === null) return false;
  const tokenType = claims.token_type;
  return claims.cnf !== undefined || (typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop');
}
