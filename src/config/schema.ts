import { z } from 'zod';
import { MCPAuthConfigError } from '../core/errors.js';
import type { AuthEventListener, Logger } from '../core/events.js';
import { impliedScopesCycle } from '../core/implied-scopes.js';
import { DPOP_ALGORITHMS, jwksProblem, publicKeyProblem } from './keys.js';
import type { ReplayStore } from './types.js';
import { httpsUrlProblem } from './url.js';

/** A scope-token: printable ASCII without space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const httpsUrl = z.string({ error: 'must be a string' }).superRefine((value, ctx) => {
  const problem = httpsUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An issuer identifier has no query or fragment. */
const issuerUrl = httpsUrl.superRefine((value, ctx) => {
  if (/[?#]/.test(value))
    ctx.addIssue({ code: 'custom', message: 'must not contain a query or fragment (RFC 8414 §2)' });
});

export const scopeToken = z
  .string({ error: 'must be a string' })
  .regex(SCOPE_TOKEN, 'must be an RFC 6749 scope token (printable ASCII, no space, quote or backslash)');

/** Only a wrong type gets "must be an object"; other problems (unknown keys) keep zod's message. */
export const objectError = (issue: { code?: string; keys?: string[] }) => {
  if (issue.code === 'invalid_type') return 'must be an object';
  const old = issue.code === 'unrecognized_keys' ? issue.keys?.find((k) => Object.hasOwn(RENAMED, k)) : undefined;
  return old === undefined ? undefined : `${old} was renamed: use ${RENAMED[old]}`;
};

/** Options renamed since an earlier release: refused with their new name rather than as unknown. */
const RENAMED: Readonly<Record<string, string>> = {
  cacheTtl: 'cache: { ttl }',
  cacheMaxEntries: 'cache: { maxEntries }',
};

const stringArray = z.array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' });

/** Authorization server metadata as served (snake_case). Resource-server mode needs only `issuer`. */
export const authorizationServerMetadataDocument = z.looseObject({
  issuer: httpsUrl,
  jwks_uri: httpsUrl.optional(),
  introspection_endpoint: httpsUrl.optional(),
  scopes_supported: stringArray.optional(),
  response_types_supported: stringArray.optional(),
  grant_types_supported: stringArray.optional(),
  code_challenge_methods_supported: stringArray.optional(),
});

const authorizationServerMetadata = z.looseObject({
  issuer: issuerUrl,
  jwksUri: httpsUrl.optional(),
  introspectionEndpoint: httpsUrl.optional(),
  scopesSupported: stringArray.optional(),
});

const authServerEntry = z
  .object(
    {
      type: z.enum(['oidc', 'oauth'], { error: "must be 'oidc' or 'oauth'" }),
      issuer: issuerUrl.optional(),
      metadata: authorizationServerMetadata.optional(),
      transpileData: z
        .custom<(d: Record<string, unknown>) => Record<string, unknown>>((v) => typeof v === 'function', {
          error: 'must be a function',
        })
        .optional(),
      jwks: z
        .object(
          { keys: z.array(z.looseObject({}), { error: 'must be an array of JWKs' }) },
          { error: 'must be a JWK Set ({ keys: [...] })' },
        )
        .superRefine((value, ctx) => {
          const problem = jwksProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      publicKey: z
        .string({ error: 'must be a PEM string' })
        .superRefine((value, ctx) => {
          const problem = publicKeyProblem(value);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      secret: z.string({ error: 'must be a string' }).min(1, 'must not be empty').optional(),
    },
    { error: objectError },
  )
  .superRefine((entry, ctx) => {
    if (entry.issuer === undefined && entry.metadata === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs `issuer` (discovery) or `metadata` (resolved config)' });
    }
    const keys = (['jwks', 'publicKey', 'secret'] as const).filter((k) => entry[k] !== undefined);
    if (keys.length > 1)
      ctx.addIssue({
        code: 'custom',
        path: [keys[1] as string],
        message: `give one of jwks, publicKey, secret (also got ${keys[0]})`,
      });
    if (keys.length > 0 && entry.issuer === undefined) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: `is required with ${keys[0]}` });
    }
    if (entry.issuer !== undefined && entry.metadata !== undefined && entry.issuer !== entry.metadata.issuer) {
      ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'differs from metadata.issuer' });
    }
  });

const protectedResourceMetadata = z.looseObject(
  {
    resource: httpsUrl.superRefine((value, ctx) => {
      if (value.includes('#')) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
    }),
    authorizationServers: z
      .array(authServerEntry, { error: 'must be an array' })
      .min(1, 'needs at least one authorization server'),
    scopesSupported: z.array(scopeToken, { error: 'must be an array of scope tokens' }).optional(),
    bearerMethodsSupported: z
      .array(
        z.literal('header', {
          error: "only 'header' is supported: tokens are read from the Authorization header only",
        }),
      )
      .optional(),
    resourceName: z.string({ error: 'must be a string' }).optional(),
    resourceDocumentation: httpsUrl.optional(),
    resourcePolicyUri: httpsUrl.optional(),
    resourceTosUri: httpsUrl.optional(),
    jwksUri: httpsUrl.optional(),
    dpopSigningAlgValuesSupported: z
      .array(
        z.enum(DPOP_ALGORITHMS, {
          error: `must be asymmetric JWS algorithms (${DPOP_ALGORITHMS.join(', ')}); never 'none' or HS*`,
        }),
      )
      .min(1, 'must not be empty')
      .optional(),
    dpopBoundAccessTokensRequired: z.boolean({ error: 'must be a boolean' }).optional(),
  },
  { error: objectError },
);

const impliedScopes = z
  .record(scopeToken, z.array(scopeToken, { error: 'must be an array of scope tokens' }), {
    error: "must map scopes to the scopes they imply, e.g. { 'files:write': ['files:read'] }",
  })
  .superRefine((value, ctx) => {
    const cycle = impliedScopesCycle(value);
    if (cycle) ctx.addIssue({ code: 'custom', message: `must not be circular: ${cycle.join(' -> ')}` });
  });

const protectedResource = z.strictObject(
  { metadata: protectedResourceMetadata, impliedScopes: impliedScopes.optional() },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object with `metadata`' : undefined) },
);

const isLogger = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

export const mcpAuthConfig = z.object(
  {
    logger: z
      .custom<Logger>(isLogger, { error: 'must have debug, info, warn and error methods (pino-compatible)' })
      .optional(),
    onEvent: z.custom<AuthEventListener>((v) => typeof v === 'function', { error: 'must be a function' }).optional(),
    protectedResources: z.union([protectedResource, z.array(protectedResource).min(1, 'needs at least one resource')], {
      error: 'must be a protected resource config or a non-empty array of them',
    }),
    dpop: z
      .strictObject(
        {
          replayStore: z
            .custom<ReplayStore>((v) => typeof (v as ReplayStore | undefined)?.markUsed === 'function', {
              error: 'must have a markUsed(key, ttlMs) method (e.g. redisReplayStore(client))',
            })
            .optional(),
          nonce: z
            .strictObject(
              {
                secret: z.union([z.string().min(32, 'must be at least 32 characters'), z.instanceof(Uint8Array)], {
                  error: 'must be a string of at least 32 characters, or bytes',
                }),
                lifetime: z
                  .number({ error: 'must be a number' })
                  .int('must be whole seconds')
                  .positive('must be positive')
                  .optional(),
              },
              { error: objectError },
            )
            .optional(),
          proofMaxAge: z
            .number({ error: 'must be a number' })
            .positive('must be positive')
            .finite('must be finite')
            .optional(),
        },
        { error: objectError },
      )
      .optional(),
  },
  { error: objectError },
);

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** Parses with zod and turns the first problem into an error that names the field path. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = unionAwareIssue(result.error.issues);
  const path = formatPath(issue.path);
  const where = root && path ? `${root}.${path}` : root || path || '(config)';
  throw new MCPAuthConfigError('invalid_config', `${where}: ${issue.message}`);
}

/** For a union, zod reports "invalid input"; the branch closest to the input says more. */
function unionAwareIssue(issues: z.core.$ZodIssue[]): { path: PropertyKey[]; message: string } {
  const first = issues[0] as z.core.$ZodIssue;
  if (first.code === 'invalid_union' && first.errors.length > 0) {
    // Pick the branch whose first problem is deepest: it got furthest into the input.
    const branches = first.errors.filter((b) => b.length > 0);
    const best = branches.reduce(
      (a, b) => ((b[0]?.path.length ?? 0) > (a[0]?.path.length ?? 0) ? b : a),
      branches[0] ?? [],
    );
    // When no branch got into the input, the union's own message says more.
    if (best.length > 0 && (best[0]?.path.length ?? 0) > 0) {
      const inner = unionAwareIssue(best);
      return { path: [...first.path, ...inner.path], message: inner.message };
    }
  }
  return { path: first.path, message: first.message };
}

export function assertUnique(values: string[], describe: (index: number) => string, what: string): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    const earlier = seen.get(value);
    if (earlier !== undefined) {
      throw new MCPAuthConfigError('invalid_config', `${describe(index)}: ${what} also used by ${describe(earlier)}`);
    }
    seen.set(value, index);
  });
}
