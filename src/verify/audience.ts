/**
 * Whether an `aud` value names this resource: simple string comparison after only the case of an
 * http(s) URL's scheme and authority is folded and one trailing slash is dropped (the rule and
 * its sources: docs/bearer-auth.md). No URL parsing: dot segments, percent-encoding, default
 * ports, userinfo, fragments or stray whitespace never make another string match.
 */

/** `http://` or `https://` and the authority after it, up to the path, query or fragment. */
const HTTP_URL_PREFIX = /^https?:\/\/[^/?#]*/i;

/** The comparison key of an audience value (configured or from a token). */
export function audienceKey(value: string): string {
  const prefix = HTTP_URL_PREFIX.exec(value)?.[0];
  // ASCII only: String#toLowerCase would map e.g. the Kelvin sign (U+212A) to `k`.
  const key = prefix ? prefix.replace(/[A-Z]+/g, (s) => s.toLowerCase()) + value.slice(prefix.length) : value;
  return key.endsWith('/') ? key.slice(0, -1) : key;
}
