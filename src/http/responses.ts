/**
 * The error responses of a protected resource: status, `WWW-Authenticate: Bearer` challenge and
 * OAuth-style JSON body, for one resource's settings. Challenge values are quoted-strings. MCP
 * clients parse challenges loosely (the first `name=` anywhere, quoted values taken without
 * unescaping), so parameter names are lowercase, `error_description` comes last, and it cannot
 * contain text that looks like another parameter (docs/http-behaviour.md).
 */
import { describeCause } from '../core/errors.js';
import type { ImpliedScopes } from '../core/implied-scopes.js';
import type { DpopNonces } from '../verify/dpop-nonce.js';

export interface ErrorResponse {
  status: number;
  /** A list is one header sent several times (two challenges: Bearer, then DPoP). */
  headers: Readonly<Record<string, string | readonly string[]>>;
  body: Readonly<Record<string, unknown>>;
  /** `body`, serialised once when the response is built. */
  json: string;
}

function errorResponse(
  status: number,
  headers: Record<string, string | readonly string[]>,
  body: Record<string, unknown>,
): ErrorResponse {
  return { status, headers, body, json: JSON.stringify(body) };
}

export interface ResponderSettings {
  /** Absolute URL of the resource's protected resource metadata document. */
  resourceMetadataUrl: string;
  /** The resource's `scopesSupported`: which granted scopes a 403 may list back. */
  scopesSupported: ReadonlySet<string> | undefined;
  /** The resource's scope hierarchy: a 403 lists granted scopes without those they imply. */
  impliedScopes: ImpliedScopes | undefined;
  showErrorDetails: boolean;
  /** DPoP on this route: which schemes a request without credentials is invited to use, and the proof algorithms. */
  dpop: { mode: 'allowed' | 'required'; algorithms: readonly string[]; nonces: DpopNonces | undefined } | undefined;
}

/** The authentication scheme a request used, which its challenge names. */
export type Scheme = 'Bearer' | 'DPoP';

const MAX_BUILT_RESPONSES = 256;

export class ErrorResponder {
  /**
   * Responses already built, by status, error and description: refusals repeat (the same few
   * descriptions, under attack thousands of times a second), and building a challenge is not free.
   * Bounded; unused when bodies carry per-error details.
   */
  private readonly built = new Map<string, ErrorResponse>();

  constructor(private readonly settings: ResponderSettings) {}

  /**
   * 401 for a request without credentials for us: no `error`. One challenge per scheme the route
   * accepts, Bearer first; with DPoP required, a DPoP challenge only (a Bearer one would invite a
   * retry that cannot succeed).
   */
  missingToken(requiredScopes: readonly string[]): ErrorResponse {
    const scope = requiredScopes.join(' ');
    const resourceMetadata = this.settings.resourceMetadataUrl;
    const dpop = this.settings.dpop;
    const bearer = buildChallenge({ resourceMetadata, scope });
    const dpopChallenge = dpop && buildChallenge({ scheme: 'DPoP', resourceMetadata, scope, algs: dpop.algorithms });
    const challenges = !dpopChallenge ? bearer : dpop?.mode === 'required' ? dpopChallenge : [bearer, dpopChallenge];
    return errorResponse(
      401,
      { 'WWW-Authenticate': challenges },
      { error: 'invalid_token', error_description: 'No bearer token in the Authorization header' },
    );
  }

  invalidRequest(description: string, scheme: Scheme = 'Bearer'): ErrorResponse {
    return this.challenge(400, 'invalid_request', description, undefined, undefined, scheme);
  }

  /** 401 for a refused token, or for its DPoP proof (`invalid_dpop_proof`, `use_dpop_nonce`). */
  invalidToken(
    description: string,
    cause?: unknown,
    scheme: Scheme = 'Bearer',
    error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce' = 'invalid_token',
  ): ErrorResponse {
    if (error === 'use_dpop_nonce') return this.nonceChallenge(description);
    return this.challenge(401, error, description, cause, undefined, scheme);
  }

  /** 401 `use_dpop_nonce` with the current nonce: built afresh, since the nonce changes. */
  private nonceChallenge(description: string): ErrorResponse {
    const dpop = this.settings.dpop;
    const challenge = buildChallenge({
      scheme: 'DPoP',
      error: 'use_dpop_nonce',
      resourceMetadata: this.settings.resourceMetadataUrl,
      algs: dpop?.algorithms,
      errorDescription: description,
    });
    const headers: Record<string, string> = { 'WWW-Authenticate': challenge };
    const nonce = dpop?.nonces?.current();
    if (nonce !== undefined) headers['DPoP-Nonce'] = nonce;
    return errorResponse(401, headers, this.body('use_dpop_nonce', description, undefined));
  }

  /**
   * 403 for MCP step-up: `scope` lists the required scopes plus those already granted that this
   * resource supports, since clients replace their scope with it; never `offline_access`.
   */
  insufficientScope(
    required: readonly string[],
    granted: readonly string[],
    description: string,
    scheme: Scheme = 'Bearer',
  ): ErrorResponse {
    return this.challenge(
      403,
      'insufficient_scope',
      description,
      undefined,
      this.challengeScopes(required, granted).join(' '),
      scheme,
    );
  }

  /**
   * The scope set a step-up challenge names: the required scopes, then the granted ones this
   * resource supports (a client that replaces its scope with the challenge's keeps what it had),
   * never `offline_access`. `granted` is req.auth.scopes, expanded by the scope hierarchy: what
   * was granted is listed back, not what it implies.
   */
  readonly challengeScopes = (required: readonly string[], granted: readonly string[]): string[] => {
    const scopes = new Set(required);
    const supported = this.settings.scopesSupported;
    const own = this.settings.impliedScopes?.withoutImplied(granted) ?? granted;
    if (supported) for (const s of own) if (supported.has(s)) scopes.add(s);
    scopes.delete('offline_access');
    return [...scopes];
  };

  unavailable(retryAfterSeconds: number, cause: unknown): ErrorResponse {
    return errorResponse(
      503,
      { 'Retry-After': String(retryAfterSeconds) },
      this.body('temporarily_unavailable', 'The authorization server cannot be reached; retry shortly', cause),
    );
  }

  serverError(description: string, cause: unknown): ErrorResponse {
    return errorResponse(500, {}, this.body('server_error', description, cause));
  }

  private challenge(
    status: 400 | 401 | 403,
    error: ChallengeError,
    description: string,
    cause: unknown,
    scope: string | undefined,
    scheme: Scheme,
  ): ErrorResponse {
    if (this.settings.showErrorDetails && cause !== undefined)
      return this.buildChallenge(status, error, description, cause, scope, scheme);
    const key = `${scheme} ${status} ${error} ${scope ?? ''} ${description}`;
    let response = this.built.get(key);
    if (!response) {
      response = this.buildChallenge(status, error, description, undefined, scope, scheme);
      if (this.built.size >= MAX_BUILT_RESPONSES) this.built.clear();
      this.built.set(key, response);
    }
    return response;
  }

  private buildChallenge(
    status: 400 | 401 | 403,
    error: ChallengeError,
    description: string,
    cause: unknown,
    scope: string | undefined,
    scheme: Scheme,
  ): ErrorResponse {
    return errorResponse(
      status,
      {
        'WWW-Authenticate': buildChallenge({
          scheme,
          error,
          scope,
          resourceMetadata: this.settings.resourceMetadataUrl,
          algs: scheme === 'DPoP' ? this.settings.dpop?.algorithms : undefined,
          errorDescription: description,
        }),
      },
      this.body(error, description, cause),
    );
  }

  private body(error: string, description: string, cause: unknown): Record<string, unknown> {
    const body: Record<string, unknown> = { error, error_description: description };
    if (this.settings.showErrorDetails && cause !== undefined) body.cause = describeCause(cause);
    return body;
  }
}

type ChallengeError =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

export interface ChallengeParams {
  /** Default `Bearer`. */
  scheme?: Scheme;
  realm?: string;
  error?: ChallengeError;
  scope?: string;
  resourceMetadata?: string;
  /** DPoP: the proof algorithms accepted. */
  algs?: readonly string[];
  errorDescription?: string;
}

/** A quoted-string: `"` and `\` escaped; controls and non-ASCII (not allowed in a header) replaced. */
export function quote(value: string): string {
  return `"${value.replace(/[^\x20-\x7E]/g, ' ').replace(/["\\]/g, '\\$&')}"`;
}

/**
 * `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E : no `"` or `\`,
 * which also suits clients that read quoted values without unescaping. And no `name=` shapes a
 * loose parser could pick up as a parameter.
 */
export function sanitizeDescription(description: string): string {
  return description
    .replace(/[^\x20-\x7E]/g, ' ')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/=/g, ' = ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Parameter order follows docs/http-behaviour.md: `resource_metadata` first when there is no
 * `error`; otherwise `error`, `scope`, `resource_metadata`, and `error_description` last.
 */
export function buildChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') parts.push(`${name}=${quote(value)}`);
  };
  add('realm', params.realm);
  if (params.error === undefined) {
    add('resource_metadata', params.resourceMetadata);
    add('scope', params.scope);
  } else {
    add('error', params.error);
    add('scope', params.scope);
    add('resource_metadata', params.resourceMetadata);
  }
  add('algs', params.algs?.join(' '));
  if (params.errorDescription !== undefined) add('error_description', sanitizeDescription(params.errorDescription));
  const scheme = params.scheme ?? 'Bearer';
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}
