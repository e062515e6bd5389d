/**
 * One HTTP request as authentication sees it: built once by a framework adapter and handed down
 * unchanged, through the HTTP layer to verification. It carries everything a credential can be
 * checked against: the credentials as sent, the headers that accompany them (a DPoP proof), and
 * what a proof of possession signs (the method and the URL).
 */
export interface AuthRequest {
  /**
   * Every Authorization field value, in the order received: each holds a scheme and its
   * credentials. All of them, since a request with two is refused rather than half-read.
   */
  readonly authorization: readonly string[];
  /** Every DPoP field value (a proof of possession of the token's key), in the order received. */
  readonly dpop: readonly string[];
  /** The method as received, e.g. `POST`. */
  readonly method: string;
  /** The path of the request target, without the query. */
  readonly path: string;
  /** The query of the request target, without the `?`; '' when there is none. */
  readonly query: string;
  /** The protected resource the request is for: its identifier, as configured. */
  readonly resource: string;
}

/** An empty header list, shared: most requests carry no DPoP header. */
const NO_FIELDS: readonly string[] = Object.freeze([]);

/**
 * The request from what every framework has: header lists, the method, and the request target in
 * origin form (`/path?query`), which is split at its first `?`.
 */
export function createAuthRequest(fields: {
  authorization: readonly string[] | undefined;
  dpop: readonly string[] | undefined;
  method: string;
  target: string;
  resource: string;
}): AuthRequest {
  const { target } = fields;
  const q = target.indexOf('?');
  return {
    authorization: fields.authorization ?? NO_FIELDS,
    dpop: fields.dpop ?? NO_FIELDS,
    method: fields.method,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    resource: fields.resource,
  };
}

/** The access token a request presents, and the scheme it was presented with. */
export interface PresentedToken {
  /** `Bearer`, or `DPoP` (bound to a key, with a proof in the `DPoP` header). */
  scheme: 'Bearer' | 'DPoP';
  token: string;
}
