import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCPAuth, MCPAuthConfigError, MCPAuthError } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';

const as = { issuer: 'https://auth.example.com', type: 'oidc' as const };
const resource = (metadata: Record<string, unknown>) => ({
  protectedResources: {
    metadata: { resource: 'https://api.example.com/mcp', authorizationServers: [as], ...metadata },
  },
});

function configError(make: () => unknown): MCPAuthConfigError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(MCPAuthConfigError);
    expect(error).toBeInstanceOf(MCPAuthError);
    expect((error as MCPAuthConfigError).code).toBe('invalid_config');
    return error as MCPAuthConfigError;
  }
  throw new Error('expected a config error');
}

describe('new MCPAuth(config) validation', () => {
  it.each([
    [
      'an http resource on a public host',
      resource({ resource: 'http://api.example.com/mcp' }),
      'protectedResources.metadata.resource: must be an absolute https URL (http is allowed only for loopback hosts)',
    ],
    [
      'a relative resource',
      resource({ resource: '/mcp' }),
      'protectedResources.metadata.resource: must be an absolute https URL',
    ],
    [
      'a fragment',
      resource({ resource: 'https://api.example.com/mcp#x' }),
      'protectedResources.metadata.resource: must not contain a fragment',
    ],
    [
      'no authorization server',
      resource({ authorizationServers: [] }),
      'protectedResources.metadata.authorizationServers: needs at least one authorization server',
    ],
    [
      'an authorization server without type',
      resource({ authorizationServers: [{ issuer: 'https://auth.example.com' }] }),
      "protectedResources.metadata.authorizationServers[0].type: must be 'oidc' or 'oauth'",
    ],
    [
      'an http issuer',
      resource({ authorizationServers: [{ issuer: 'http://auth.example.com', type: 'oauth' }] }),
      'protectedResources.metadata.authorizationServers[0].issuer: must be an absolute https URL (http is allowed only for loopback hosts)',
    ],
    [
      'neither issuer nor metadata',
      resource({ authorizationServers: [{ type: 'oauth' }] }),
      'protectedResources.metadata.authorizationServers[0]: needs `issuer` (discovery) or `metadata` (resolved config)',
    ],
    [
      'resolved metadata without issuer',
      resource({ authorizationServers: [{ type: 'oauth', metadata: { jwksUri: 'https://auth.example.com/jwks' } }] }),
      'protectedResources.metadata.authorizationServers[0].metadata.issuer: must be a string',
    ],
    [
      'a scope with a space',
      resource({ scopesSupported: ['mcp read'] }),
      'protectedResources.metadata.scopesSupported[0]: must be an RFC 6749 scope token (printable ASCII, no space, quote or backslash)',
    ],
    [
      'a bearer method other than header',
      resource({ bearerMethodsSupported: ['query'] }),
      "protectedResources.metadata.bearerMethodsSupported[0]: only 'header' is supported: tokens are read from the Authorization header only",
    ],
    [
      'an issuer with a query',
      resource({ authorizationServers: [{ issuer: 'https://auth.example.com/?tenant=1', type: 'oidc' }] }),
      'protectedResources.metadata.authorizationServers[0].issuer: must not contain a query or fragment (RFC 8414 §2)',
    ],
    [
      'no protectedResources',
      {},
      'protectedResources: must be a protected resource config or a non-empty array of them',
    ],
  ])('%s', (_what, config, message) => {
    expect(configError(() => new MCPAuth(config as never)).message).toBe(message);
  });

  it('names the index in an array of resources', () => {
    const config = {
      protectedResources: [
        { metadata: { resource: 'https://api.example.com/a', authorizationServers: [as] } },
        { metadata: { resource: 'ftp://api.example.com/b', authorizationServers: [as] } },
      ],
    };
    expect(configError(() => new MCPAuth(config)).message).toBe(
      'protectedResources[1].metadata.resource: must be an absolute https URL (http is allowed only for loopback hosts)',
    );
  });

  it('refuses the same resource twice and the same issuer twice in one resource', () => {
    const twice = { metadata: { resource: 'https://api.example.com/a', authorizationServers: [as] } };
    expect(configError(() => new MCPAuth({ protectedResources: [twice, twice] })).message).toMatch(
      /^protectedResources\[1\]\.metadata\.resource: resource also used by protectedResources\[0\]/,
    );
    expect(configError(() => new MCPAuth(resource({ authorizationServers: [as, as] }))).message).toMatch(
      /^protectedResources\.metadata\.authorizationServers\[1\]: issuer https:\/\/auth\.example\.com is listed twice/,
    );
  });

  describe('one issuer under several resources', () => {
    const A = 'https://api.example.com/a';
    const B = 'https://api.example.com/b';
    const two = (a: object, b: object) =>
      ({
        protectedResources: [
          { metadata: { resource: A, authorizationServers: [a] } },
          { metadata: { resource: B, authorizationServers: [{ ...as, issuer: 'https://other.example' }, b] } },
        ],
      }) as never;
    const transpile = (doc: Record<string, unknown>) => doc;

    it.each([
      ['a secret on one, discovery on the other', { ...as, secret: 'a-shared-secret' }, as, 'secret'],
      ['different types', as, { ...as, type: 'oauth' }, 'type'],
      ['different secrets', { ...as, secret: 'secret-value-1' }, { ...as, secret: 'secret-value-2' }, 'secret'],
      [
        'metadata on one, discovery on the other',
        { type: 'oidc', metadata: { issuer: as.issuer, jwksUri: 'https://auth.example.com/jwks' } },
        as,
        'metadata, issuer',
      ],
      [
        'different metadata',
        { type: 'oidc', metadata: { issuer: as.issuer, jwksUri: 'https://auth.example.com/jwks' } },
        { type: 'oidc', metadata: { issuer: as.issuer, jwksUri: 'https://auth.example.com/other-jwks' } },
        'metadata',
      ],
      ['transpileData on one only', { ...as, transpileData: transpile }, as, 'transpileData'],
      [
        'two different transpileData functions',
        { ...as, transpileData: transpile },
        { ...as, transpileData: (doc: Record<string, unknown>) => doc },
        'transpileData',
      ],
    ])('%s: a config error naming both places and what differs, never a value', (_what, a, b, fields) => {
      const message = configError(() => new MCPAuth(two(a, b))).message;
      expect(message).toBe(
        `protectedResources[1].metadata.authorizationServers[1]: issuer ${as.issuer} is also configured at ` +
          `protectedResources[0].metadata.authorizationServers[0], with a different ${fields}; ` +
          'entries for one issuer must be identical (they share one discovery and one key set)',
      );
      expect(message).not.toMatch(/secret-value|a-shared-secret/);
    });

    it('identical entries (the same function included) are one server', () => {
      expect(() => new MCPAuth(two({ ...as, secret: 's' }, { ...as, secret: 's' }))).not.toThrow();
      expect(
        () => new MCPAuth(two({ ...as, transpileData: transpile }, { ...as, transpileData: transpile })),
      ).not.toThrow();
    });
  });

  it('accepts http on loopback, resolved configs and extra RFC 9728 fields', () => {
    expect(() => new MCPAuth(resource({ resource: 'http://127.0.0.1:3000/mcp' }))).not.toThrow();
    expect(() => new MCPAuth(resource({ resource: 'http://localhost:3000/mcp' }))).not.toThrow();
    expect(
      () =>
        new MCPAuth(
          resource({
            authorizationServers: [
              { type: 'oauth', metadata: { issuer: 'https://a.example', jwksUri: 'https://a.example/jwks' } },
            ],
            resourceName: 'Demo',
            dpopBoundAccessTokensRequired: false,
          }),
        ),
    ).not.toThrow();
  });
});

describe('bearerAuth(options) validation', () => {
  const two = {
    protectedResources: [
      { metadata: { resource: 'https://api.example.com/a', authorizationServers: [as] } },
      { metadata: { resource: 'https://api.example.com/b', authorizationServers: [as] } },
    ],
  };

  it('needs `resource` when several resources are configured, and a configured one', () => {
    const auth = new MCPAuth(two);
    expect(configError(() => auth.bearerAuth('jwt')).message).toMatch(
      /^bearerAuth options\.resource: required when several/,
    );
    expect(configError(() => auth.bearerAuth('jwt', { resource: 'https://api.example.com/c' })).message).toMatch(
      /^bearerAuth options\.resource: https:\/\/api\.example\.com\/c is not a configured resource/,
    );
    expect(() => auth.bearerAuth('jwt', { resource: 'https://api.example.com/b' })).not.toThrow();
  });

  it.each([
    ['a misspelt option', { requiredScope: ['x'] }, /^bearerAuth options: Unrecognized key: "requiredScope"/],
    [
      'HS256 without a secret-configured server',
      { algorithms: ['HS256'] },
      /^bearerAuth options\.algorithms: HS256 needs an authorization server configured with `secret`$/,
    ],
    [
      'alg none',
      { algorithms: ['none'] },
      /^bearerAuth options\.algorithms\[0\]: must be JWS algorithms .*'none' is never accepted$/,
    ],
    ['a negative clock tolerance', { clockTolerance: -1 }, /^bearerAuth options\.clockTolerance: must not be negative/],
    ['an empty audience', { audience: [] }, /^bearerAuth options\.audience: must not be empty/],
    [
      'a scope with a quote',
      { requiredScopes: ['a"b'] },
      /^bearerAuth options\.requiredScopes\[0\]: must be an RFC 6749 scope token/,
    ],
    [
      'a bad cache option',
      { remoteJwkSet: { cacheMaxAge: 'long' } },
      /^bearerAuth options\.remoteJwkSet\.cacheMaxAge: must be a number/,
    ],
    [
      'jose algorithms through jwtVerify',
      { jwtVerify: { algorithms: ['HS256'] } },
      /^bearerAuth options\.jwtVerify\.algorithms: set bearerAuth options\.algorithms instead$/,
    ],
    [
      'a fixed clock through jwtVerify (would defeat exp)',
      { jwtVerify: { currentDate: new Date(0) } },
      /^bearerAuth options\.jwtVerify\.currentDate: is not accepted: it would loosen verification$/,
    ],
    [
      'crit extensions through jwtVerify',
      { jwtVerify: { crit: { 'urn:x': true } } },
      /^bearerAuth options\.jwtVerify\.crit: is not accepted: it would loosen verification$/,
    ],
    [
      'a clock tolerance through jwtVerify',
      { jwtVerify: { clockTolerance: 3600 } },
      /^bearerAuth options\.jwtVerify\.clockTolerance: set bearerAuth options\.clockTolerance instead$/,
    ],
  ])('jwt mode refuses %s', (_what, options, message) => {
    expect(configError(() => new MCPAuth(resource({})).bearerAuth('jwt', options as never)).message).toMatch(message);
  });

  it('jwt mode refuses a resolved authorization server without jwksUri; a custom verifier does not need it', () => {
    const auth = new MCPAuth(
      resource({ authorizationServers: [{ type: 'oauth', metadata: { issuer: 'https://a.example' } }] }),
    );
    expect(configError(() => auth.bearerAuth('jwt')).message).toMatch(
      /the authorization server https:\/\/a\.example is configured without metadata\.jwksUri/,
    );
    expect(() => auth.bearerAuth(() => ({ token: 't', clientId: '', scopes: [] }))).not.toThrow();
  });

  it('introspection mode names the new place of a renamed option', () => {
    const auth = new MCPAuth(resource({}));
    const introspection = { clientId: 'rs', clientSecret: 's', endpoint: 'https://a.example/introspect' };
    expect(
      configError(() => auth.bearerAuth('introspection', { ...introspection, cacheTtl: 0 } as never)).message,
    ).toBe('bearerAuth options: cacheTtl was renamed: use cache: { ttl }');
    expect(
      configError(() => auth.bearerAuth('introspection', { ...introspection, cacheMaxEntries: 5 } as never)).message,
    ).toBe('bearerAuth options: cacheMaxEntries was renamed: use cache: { maxEntries }');
    expect(configError(() => auth.bearerAuth('introspection', { ...introspection, cache: 5 } as never)).message).toBe(
      'bearerAuth options.cache: must be false or { ttl, maxEntries }',
    );
    expect(() => auth.bearerAuth('introspection', { ...introspection, cache: false })).not.toThrow();
  });

  it('a custom verifier refuses jwt-only options, and a bad first argument', () => {
    const auth = new MCPAuth(resource({}));
    expect(
      configError(() =>
        auth.bearerAuth(() => ({ token: '', clientId: '', scopes: [] }), { algorithms: ['RS256'] } as never),
      ).message,
    ).toMatch(/Unrecognized key: "algorithms"/);
    expect(configError(() => auth.bearerAuth('jwe' as never)).message).toMatch(
      /'jwt', 'introspection' or a verify function/,
    );
  });
});

describe('construction is offline', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await TestIssuer.start();
  });
  afterAll(() => issuer.close());

  it('new MCPAuth, bearerAuth and the router fetch nothing', async () => {
    const auth = new MCPAuth({
      protectedResources: {
        metadata: {
          resource: 'https://api.example.com/mcp',
          authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }],
        },
      },
    });
    auth.bearerAuth('jwt');
    auth.protectedResourceMetadataRouter();
    await new Promise((r) => setTimeout(r, 50));
    expect(issuer.requests).toEqual([]);
  });
});
