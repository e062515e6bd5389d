/**
 * Sender-constrained access tokens: bound to a key by a confirmation claim (`cnf`: DPoP's `jkt`,
 * mutual TLS's `x5t#S256`, …), or reported by introspection as a DPoP token (`token_type: DPoP`).
 * Such a token is meant to be useless without the client's key: it is accepted only with a proof
 * of possession of that key, and the only proof checked here is DPoP's (docs/dpop.md).
 */

export type KeyBinding =
  /** A bearer token: whoever holds it may use it. */
  | { kind: 'none' }
  /** Bound to the key whose JWK thumbprint this is: a DPoP proof signed by it is needed. */
  | { kind: 'jkt'; jkt: string }
  /** Bound some way this library cannot check (another `cnf` method, a malformed one): never accepted. */
  | { kind: 'unsupported' };

const NONE: KeyBinding = { kind: 'none' };
const UNSUPPORTED: KeyBinding = { kind: 'unsupported' };

/** The binding the verified claims (JWT, introspection response, or a custom verifier's) state. */
export function keyBinding(claims: Readonly<Record<string, unknown>> | undefined): KeyBinding {
  // A custom verifier's `claims` is user code: anything but an object reports nothing.
  if (typeof claims !== 'object' || claims === null) return NONE;
  const { cnf, token_type: tokenType } = claims;
  const dpopType = typeof tokenType === 'string' && tokenType.toLowerCase() === 'dpop';
  if (cnf === undefined) return dpopType ? UNSUPPORTED : NONE;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  // Only `jkt` alone can be checked: any other member is a binding nobody here verifies.
  const members = typeof cnf === 'object' && cnf !== null ? Object.keys(cnf) : [];
  if (typeof jkt === 'string' && jkt !== '' && members.length === 1) return { kind: 'jkt', jkt };
  return UNSUPPORTED;
}
