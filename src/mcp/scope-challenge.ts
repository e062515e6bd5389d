/**
 * Scope challenges for the MCP TypeScript SDK v2 (`registerTool(name, { scopeChallenge }, …)`):
 * the SDK calls the handler with the request and the caller's AuthInfo, and answers 403
 * `insufficient_scope` with the scopes it returns. Declared structurally, so that this package's
 * types need no SDK: the function is assignable to the SDK's `ScopeChallengeHandler`.
 */

/** What the SDK puts in a 403 `insufficient_scope` challenge. */
export interface ScopeChallenge {
  /** The complete scope set the client should ask for. */
  scopes: [string, ...string[]];
  errorDescription?: string;
}

/** The SDK v2 scope-challenge handler shape. */
export type ScopeChallengeHandler = (context: {
  request: unknown;
  authInfo?: { scopes: readonly string[] };
}) => ScopeChallenge | undefined;

/**
 * A handler that asks for `required` when the caller lacks any of it. `challengeScopes` turns the
 * required and granted scopes into the challenge's scope set (the resource's rule for every 403).
 */
export function createScopeChallenge(
  required: readonly string[],
  challengeScopes: (required: readonly string[], granted: readonly string[]) => string[],
): ScopeChallengeHandler {
  return ({ authInfo }) => {
    // No AuthInfo: the request did not pass bearerAuth; the authentication gate answers it.
    if (authInfo === undefined) return undefined;
    const missing = required.filter((s) => !authInfo.scopes.includes(s));
    if (missing.length === 0) return undefined;
    const [first, ...rest] = challengeScopes(required, authInfo.scopes);
    return {
      scopes: [first as string, ...rest],
      errorDescription: `The operation needs the scope(s): ${missing.join(' ')}`,
    };
  };
}
