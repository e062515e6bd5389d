/**
 * The current request's AuthInfo, for code deep in a tool handler that has no `req` at hand.
 * Opt-in (`bearerAuth(…, { authContext: true })`): on Node 20, an AsyncLocalStorage in use
 * makes every promise in the process a little slower, and most servers read `req.auth` or the
 * MCP SDK's `extra.authInfo` instead.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MCPAuthError } from '../core/errors.js';
import type { AuthInfo } from '../verify/auth-info.js';

const storage = new AsyncLocalStorage<AuthInfo>();
let enabled = false;

/** Called when a middleware with `authContext: true` is created. */
export function enableAuthContext(): void {
  enabled = true;
}

/**
 * The AuthInfo of the request being handled (undefined outside one). Throws when no
 * `bearerAuth` was created with `authContext: true`, since it could then never answer.
 */
export function getAuthInfo(): AuthInfo | undefined {
  if (!enabled) {
    throw new MCPAuthError(
      'auth_context_disabled',
      'getAuthInfo() needs bearerAuth(…, { authContext: true }) on the routes that use it',
    );
  }
  return storage.getStore();
}

/** Runs `fn` with `auth` as the current AuthInfo (adapters call this; tests may too). */
export function runWithAuthInfo<T>(auth: AuthInfo, fn: () => T): T {
  enabled = true;
  return storage.run(auth, fn);
}
