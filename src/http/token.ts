/** RFC 6750 §2.1: the access token from the Authorization request header, and nowhere else. */

/** `b64token` of RFC 6750 §2.1. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** The well-formed case in one pass: `Bearer` (any case), spaces, one b64token. */
const WELL_FORMED = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)$/;

export type TokenExtraction =
  | { kind: 'token'; token: string }
  /** No credentials for us: no header, or another scheme (answered without an `error`). */
  | { kind: 'absent' }
  /** Broken or ambiguous credentials: 400 `invalid_request`. */
  | { kind: 'malformed'; description: string };

/**
 * @param authorization every Authorization header value the request carried (Node keeps only
 *   the first in `headers`, so adapters pass `headersDistinct` or the raw headers).
 * @param url the request target, to refuse a token sent in the query string (RFC 6750 §2.3).
 */
export function extractBearerToken(authorization: readonly string[] | undefined, url: string): TokenExtraction {
  if (hasQueryToken(url)) {
    return {
      kind: 'malformed',
      description: 'Access tokens are accepted only in the Authorization header, not in the URL',
    };
  }
  if (!authorization || authorization.length === 0) return { kind: 'absent' };
  if (authorization.length > 1) {
    return { kind: 'malformed', description: 'Send exactly one Authorization header' };
  }
  const well = WELL_FORMED.exec(authorization[0] as string);
  if (well) return { kind: 'token', token: well[1] as string };
  // Everything else, slowly, to say exactly what is wrong.
  const value = (authorization[0] as string).trim();
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    // `Basic x, Bearer y` is two credentials in one header, not merely another scheme.
    if (/(?:^|,)\s*bearer(?:\s|$)/i.test(value)) {
      return { kind: 'malformed', description: 'Send exactly one credential in the Authorization header' };
    }
    return { kind: 'absent' };
  }
  const token = space === -1 ? '' : value.slice(space + 1).replace(/^ +/, '');
  if (token === '') return { kind: 'malformed', description: 'The Bearer credential is empty' };
  if (/[\s,]/.test(token)) {
    return { kind: 'malformed', description: 'Send exactly one token in the Authorization header' };
  }
  if (!B64TOKEN.test(token)) {
    return { kind: 'malformed', description: 'The Bearer token contains characters RFC 6750 does not allow' };
  }
  return { kind: 'token', token };
}

function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?');
  if (q === -1) return false;
  try {
    return new URLSearchParams(url.slice(q + 1)).has('access_token');
  } catch {
    return false;
  }
}
