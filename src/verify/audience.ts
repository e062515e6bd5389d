/**
 * Whether an `aud` value names this resource (RFC 8707): simple string comparison (RFC 3986
 * §6.2.1) after only the case of an http(s) URL's scheme and authority is folded (RFC 3986
 * §6.2.2.1) and one trailing slash is dropped. No URL parsing: dot segments, percent-encoding,
 * default ports, userinfo, fragments or stray whitespace never make another string match.
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
