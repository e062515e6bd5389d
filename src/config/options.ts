/** Options of `bearerAuth` and `requireToolScopes`: types and their zod schemas. */
import type { JWTVerifyOptions } from 'jose';
import { z } from 'zod';
import { ASYMMETRIC_ALGORITHMS, type JwsAlgorithm, SYMMETRIC_ALGORITHMS } from './keys.js';
import { httpsUrl, objectError, scopeToken } from './schema.js';

/** A claim policy: true passes; false or a string (the reason) refuses. */
export type ClaimCheck = (claims: Record<string, unknown>) => boolean | string | Promise<boolean | string>;

/** How this resource server authenticates to the introspection endpoint. */
export type IntrospectionAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** JWKS caching, with jose's `createRemoteJWKSet` option names (all in milliseconds). */
export interface RemoteJwkSetOptions {
  /** ms between refreshes triggered by an unknown `kid`; default 30 000. */
  cooldownDuration?: number;
  /** ms after which the keys are refreshed before use; default 600 000. */
  cacheMaxAge?: number;
  /** ms a fetch may take; default 5 000. */
  timeoutDuration?: number;
  /** Extra request headers for the JWKS fetch. */
  headers?: Record<string, string>;
  /**
   * ms the last good keys keep verifying after `cacheMaxAge` while refreshes fail; after that,
   * 503 until a refresh succeeds. Default 86 400 000 (a day).
   */
  maxStaleDuration?: number;
}

export interface BearerAuthOptions {
  /** Which configured resource this route protects; required when several are configured. */
  resource?: string;
  /** Accepted `aud` value(s); default: the resource identifier. */
  audience?: string | readonly string[];
  /** Scopes the token must all carry; otherwise 403 `insufficient_scope`. */
  requiredScopes?: readonly string[];
  /** The token must carry at least one of these; otherwise 403 `insufficient_scope`. */
  anyScopes?: readonly string[];
  /** Read scopes from this claim only (string or array), e.g. `permissions`. Default: `scope`, then `scp`, then `scopes`. */
  scopeClaim?: string;
  /** A policy on the verified claims: `true` passes; `false` or a string (the reason) refuses. */
  claimCheck?: ClaimCheck;
  /** How a failed `claimCheck` is answered: 403 `insufficient_scope` (default) or 401 `invalid_token`. */
  claimCheckError?: 'insufficient_scope' | 'invalid_token';
  /** Refuse tokens issued more than this many seconds ago (tokens without `iat` are refused). */
  maxTokenAge?: number;
  /** Adds a `cause` to JSON error bodies (never a stack or key material). Default false. */
  showErrorDetails?: boolean;
  /** Seconds of leeway for `exp`, `nbf`, `iat` (and a custom verifier's `expiresAt`). Default 60. */
  clockTolerance?: number;
  /** Make `getAuthInfo()` answer inside this route's requests (AsyncLocalStorage). Default false. */
  authContext?: boolean;
  /**
   * DPoP-bound tokens (`Authorization: DPoP` with a proof): `'allowed'` (default) accepts them
   * beside Bearer tokens, `'required'` only them, `'disabled'` never. A token bound to a key is
   * never accepted as Bearer.
   */
  dpop?: 'allowed' | 'required' | 'disabled';
}

export interface BearerAuthJwtOptions extends BearerAuthOptions {
  /** Allowed JWS algorithms; default: the asymmetric ones, plus HS256/384/512 for issuers with a `secret`. */
  algorithms?: readonly JwsAlgorithm[];
  /** The JWT access token profile: `typ` must be at+jwt (so an ID token cannot pass), and sub, client_id, iat, jti present. */
  strict?: boolean;
  /** Passed to jose's `jwtVerify` to tighten it (e.g. `requiredClaims`); options that could loosen it are refused. */
  jwtVerify?: JWTVerifyOptions;
  /** JWKS caching, with jose's option names (plus `maxStaleDuration`). */
  remoteJwkSet?: RemoteJwkSetOptions;
  /**
   * Verified-token cache: a token seen again skips the signature check (exp, nbf, scopes and
   * every policy are still checked each time). Default `{ maxEntries: 10000 }`; `false` turns it off.
   */
  cache?: { maxEntries?: number } | false;
}

export interface BearerAuthIntrospectionOptions extends BearerAuthOptions {
  /** This resource server's client at the authorization server (a confidential client). */
  clientId: string;
  clientSecret: string;
  /** Default `client_secret_basic`. */
  authMethod?: IntrospectionAuthMethod;
  /** Default: the authorization server's `introspection_endpoint` from its metadata. */
  endpoint?: string;
  /** Which authorization server introspects, when the resource has several. */
  issuer?: string;
  /**
   * Active results reused for the same token, so that each request does not cost a call:
   * `ttl` seconds (default 60, never past the token's `exp`; a revoked token keeps working this
   * long), at most `maxEntries` of them (default 10 000). `false` asks on every request.
   */
  cache?: { ttl?: number; maxEntries?: number } | false;
  /** Milliseconds an introspection request may take. Default 5 000. */
  timeoutDuration?: number;
}

export interface ToolScopesOptions {
  /** Which configured resource; required when several are configured. */
  resource?: string;
  showErrorDetails?: boolean;
}

export interface ScopeChallengeOptions {
  /** Which configured resource; required when several are configured. */
  resource?: string;
}

const nonNegative = z.number({ error: 'must be a number' }).finite('must be finite').min(0, 'must not be negative');
const scopeList = z.array(scopeToken, { error: 'must be an array of scope tokens' });
const maxEntries = z.number({ error: 'must be a number' }).int('must be an integer').min(0, 'must not be negative');

const commonOptions = {
  resource: z.string({ error: 'must be a string' }).optional(),
  audience: z
    .union(
      [
        z.string().min(1, 'must not be empty'),
        z.array(z.string().min(1, 'must not be empty')).min(1, 'must not be empty'),
      ],
      { error: 'must be a string or a non-empty array of strings' },
    )
    .optional(),
  requiredScopes: scopeList.optional(),
  anyScopes: scopeList.optional(),
  scopeClaim: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
  claimCheck: z.custom<ClaimCheck>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
  claimCheckError: z
    .enum(['insufficient_scope', 'invalid_token'], { error: "must be 'insufficient_scope' or 'invalid_token'" })
    .optional(),
  maxTokenAge: z.number({ error: 'must be a number' }).positive('must be positive').finite('must be finite').optional(),
  showErrorDetails: z.boolean({ error: 'must be a boolean' }).optional(),
  clockTolerance: nonNegative.optional(),
  authContext: z.boolean({ error: 'must be a boolean' }).optional(),
  dpop: z
    .enum(['allowed', 'required', 'disabled'], { error: "must be 'allowed', 'required' or 'disabled'" })
    .optional(),
};

export const customOptionsSchema = z.strictObject(commonOptions, { error: objectError });

export const jwtOptionsSchema = z.strictObject(
  {
    ...commonOptions,
    algorithms: z
      .array(
        z.enum([...ASYMMETRIC_ALGORITHMS, ...SYMMETRIC_ALGORITHMS], {
          error: `must be JWS algorithms (${[...ASYMMETRIC_ALGORITHMS, ...SYMMETRIC_ALGORITHMS].join(', ')}); 'none' is never accepted`,
        }),
      )
      .min(1, 'must not be empty')
      .optional(),
    strict: z.boolean({ error: 'must be a boolean' }).optional(),
    jwtVerify: z
      .custom<JWTVerifyOptions>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
        error: 'must be an object',
      })
      .superRefine((value, ctx) => {
        // These have their own options (or are fixed): a second place to set them could only loosen them.
        for (const key of ['algorithms', 'clockTolerance', 'issuer', 'maxTokenAge']) {
          if (key in value) {
            const instead = key === 'issuer' ? "the resource's authorizationServers" : `bearerAuth options.${key}`;
            ctx.addIssue({ code: 'custom', path: [key], message: `set ${instead} instead` });
          }
        }
        // These would loosen checks outright: a fixed clock defeats exp, `crit` accepts extensions we do not implement.
        for (const key of ['currentDate', 'crit']) {
          if (key in value)
            ctx.addIssue({ code: 'custom', path: [key], message: 'is not accepted: it would loosen verification' });
        }
      })
      .optional(),
    cache: z
      .union([z.literal(false), z.strictObject({ maxEntries: maxEntries.optional() }, { error: objectError })], {
        error: 'must be false or { maxEntries }',
      })
      .optional(),
    remoteJwkSet: z
      .strictObject(
        {
          cooldownDuration: nonNegative.optional(),
          cacheMaxAge: nonNegative.optional(),
          timeoutDuration: z.number({ error: 'must be a number' }).positive('must be positive').optional(),
          headers: z.record(z.string(), z.string()).optional(),
          maxStaleDuration: nonNegative.optional(),
        },
        { error: objectError },
      )
      .optional(),
  },
  { error: objectError },
);

export const introspectionOptionsSchema = z.strictObject(
  {
    ...commonOptions,
    clientId: z
      .string({ error: 'is required (a confidential client of the authorization server)' })
      .min(1, 'must not be empty'),
    clientSecret: z.string({ error: 'is required' }).min(1, 'must not be empty'),
    authMethod: z
      .enum(['client_secret_basic', 'client_secret_post'], {
        error: "must be 'client_secret_basic' or 'client_secret_post'",
      })
      .optional(),
    endpoint: httpsUrl.optional(),
    issuer: z.string({ error: 'must be a string' }).optional(),
    cache: z
      .union(
        [
          z.literal(false),
          z.strictObject({ ttl: nonNegative.optional(), maxEntries: maxEntries.optional() }, { error: objectError }),
        ],
        { error: 'must be false or { ttl, maxEntries }' },
      )
      .optional(),
    timeoutDuration: z.number({ error: 'must be a number' }).positive('must be positive').optional(),
  },
  { error: objectError },
);

export const toolScopesSchema = z.record(z.string(), scopeList.min(1, 'must not be empty'), {
  error: 'must be an object mapping tool names to scope arrays',
});

export const scopeChallengeSchema = scopeList.min(1, 'must not be empty');

export const scopeChallengeOptionsSchema = z.strictObject({ resource: commonOptions.resource }, { error: objectError });

export const toolScopesOptionsSchema = z.strictObject(
  { resource: commonOptions.resource, showErrorDetails: commonOptions.showErrorDetails },
  { error: objectError },
);
