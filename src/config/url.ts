/** URL rules shared by the config schemas and the discovery code. */

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Why `value` is not usable as an https URL (http only on loopback), or undefined when it is.
 * Tokens and keys must never travel over plain http to another machine.
 */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'must be an absolute https URL (http is allowed only for loopback hosts)';
}

/**
 * Inserts `/.well-known/{suffix}` between the host and the path, after removing a terminating
 * `/` from the path (the MCP SDK client does the same).
 */
export function insertWellKnown(identifier: string, suffix: string): string {
  const url = new URL(identifier);
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return `${url.origin}/.well-known/${suffix}${path}${url.search}`;
}

/** The well-known suffix of protected resource metadata. */
export const PROTECTED_RESOURCE_WELL_KNOWN = 'oauth-protected-resource';
