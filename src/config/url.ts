/** URL rules shared by the config schemas and the discovery code. */

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
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
 * Audience comparison key: a URL-shaped audience compares with the case of scheme and host
 * folded and one trailing slash ignored; anything else (Entra GUIDs, `api://…`) compares as
 * written, minus one trailing slash.
 */
export function audienceKey(value: string): string {
  if (/^https?:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
      return `${url.protocol}//${url.host}${path}${url.search}`;
    } catch {
      // not a URL after all: compare as a plain string
    }
  }
  return value.endsWith('/') ? value.slice(0, -1) : value;
}
