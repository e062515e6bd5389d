/**
 * The current request's AuthInfo, for code deep in a tool handler that has no `req` at hand.
 * `bearerAuth` runs the rest of the request inside this context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AuthInfo } from './verify/auth-info.js';

const storage = new AsyncLocalStorage<AuthInfo>();

/** The AuthInfo of the request being handled, or undefined outside a request that passed `bearerAuth`. */
export function getAuthInfo(): AuthInfo | undefined {
  return storage.getStore();
}

/** Runs `fn` with `auth` as the current AuthInfo (adapters call this; tests may too). */
export function runWithAuthInfo<T>(auth: AuthInfo, fn: () => T): T {
  return storage.run(auth, fn);
}
