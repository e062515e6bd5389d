/** Well-known URLs of discovery documents and protected resource metadata (docs/standards.md). */
import type { AuthServerType } from '../config/types.js';
import { insertWellKnown } from '../config/url.js';

/** Candidate discovery document URLs for an issuer, most likely first. */
export function discoveryUrls(issuer: string, type: AuthServerType): string[] {
  if (type === 'oauth') return [insertWellKnown(issuer, 'oauth-authorization-server')];
  const appended = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const inserted = insertWellKnown(issuer, 'openid-configuration');
  return appended === inserted ? [appended] : [appended, inserted];
}

/**
 * The issuer a well-known URL was built from, if it has one of the standard shapes; used for the
 * issuer check when the caller gives a URL rather than an issuer.
 */
export function issuerFromWellKnownUrl(wellKnownUrl: string): string | undefined {
  const url = new URL(wellKnownUrl);
  for (const suffix of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    if (
      url.pathname.startsWith(suffix) &&
      (url.pathname.length === suffix.length || url.pathname[suffix.length] === '/')
    ) {
      return url.origin + url.pathname.slice(suffix.length);
    }
    if (url.pathname.endsWith(suffix) && suffix.endsWith('openid-configuration')) {
      return url.origin + url.pathname.slice(0, -suffix.length);
    }
  }
  return undefined;
}
