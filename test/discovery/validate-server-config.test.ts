import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor.js';
import { type AuthorizationServerMetadata, validateServerConfig } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';

const complete: AuthorizationServerMetadata = {
  issuer: 'https://auth.example.com',
  authorizationEndpoint: 'https://auth.example.com/authorize',
  tokenEndpoint: 'https://auth.example.com/token',
  jwksUri: 'https://auth.example.com/jwks',
  registrationEndpoint: 'https://auth.example.com/register',
  responseTypesSupported: ['code'],
  codeChallengeMethodsSupported: ['S256'],
};

const status = (m: AuthorizationServerMetadata) =>
  Object.fromEntries(validateServerConfig(m).checks.map((c) => [c.id, c.status]));

describe('validateServerConfig', () => {
  it('reports a complete server as ready, as data', () => {
    const report = validateServerConfig({ type: 'oidc', metadata: complete });
    expect(report.ok).toBe(true);
    expect(report.issuer).toBe('https://auth.example.com');
    expect(status(complete)).toEqual({
      issuer: 'ok',
      authorization_endpoint: 'ok',
      token_endpoint: 'ok',
      response_type_code: 'ok',
      grant_authorization_code: 'ok',
      pkce_s256: 'ok',
      client_registration: 'ok',
      jwks_uri: 'ok',
      resource_indicators: 'info',
    });
  });

  it.each([
    ['no S256', { codeChallengeMethodsSupported: ['plain'] }, 'pkce_s256', 'error'],
    ['no PKCE list', { codeChallengeMethodsSupported: undefined }, 'pkce_s256', 'error'],
    ['no registration', { registrationEndpoint: undefined }, 'client_registration', 'warning'],
    [
      'client ID metadata documents instead',
      { registrationEndpoint: undefined, clientIdMetadataDocumentSupported: true },
      'client_registration',
      'ok',
    ],
    ['no jwks_uri', { jwksUri: undefined }, 'jwks_uri', 'error'],
    [
      'introspection instead of jwks_uri',
      { jwksUri: undefined, introspectionEndpoint: 'https://a/i' },
      'jwks_uri',
      'warning',
    ],
    ['no code grant', { grantTypesSupported: ['client_credentials'] }, 'grant_authorization_code', 'error'],
    ['no authorization endpoint', { authorizationEndpoint: undefined }, 'authorization_endpoint', 'error'],
    ['an http issuer', { issuer: 'http://auth.example.com' }, 'issuer', 'error'],
  ])('%s', (_what, change, id, expected) => {
    const report = validateServerConfig({ ...complete, ...change } as AuthorizationServerMetadata);
    expect(report.checks.find((c) => c.id === id)?.status).toBe(expected);
    expect(report.ok).toBe(expected !== 'error');
  });
});

describe('mcp-bearer-auth doctor', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await TestIssuer.start();
  });
  afterAll(() => issuer.close());

  it('prints the report for a live issuer; exit 1 when clients would fail', async () => {
    const lines: string[] = [];
    const code = await runDoctor(['doctor', issuer.issuer], (l) => lines.push(l));
    expect(lines[0]).toBe(`Authorization server ${issuer.issuer} (OpenID Connect discovery)`);
    // The test issuer has no registration endpoint: a warning, not an error.
    expect(lines.some((l) => l.startsWith('  warn  no registration endpoint'))).toBe(true);
    expect(lines.at(-2)).toBe(`Configure it as: { issuer: '${issuer.issuer}', type: 'oidc' }`);
    expect(lines.at(-1)).toBe('Ready for MCP clients.');
    expect(code).toBe(0);
    issuer.metadataOverrides = { code_challenge_methods_supported: undefined };
    const lines2: string[] = [];
    expect(await runDoctor(['doctor', issuer.issuer, '--type', 'oauth'], (l) => lines2.push(l))).toBe(1);
    expect(lines2).toContain(
      '  FAIL  code_challenge_methods_supported does not list S256: MCP clients must refuse to use this server',
    );
    issuer.metadataOverrides = {};
  });

  it('prints what the network sent with every control character escaped, never raw', async () => {
    // Set the terminal title, move up, erase the FAIL line, print a forged "ok"; bidi overrides too.
    const forged = '\x1b]0;pwned\x07\x1b[1A\x1b[2K\r  ok  PKCE with S256 advertised\n\x9b2K\u202e';
    issuer.metadataOverrides = {
      registration_endpoint: `https://auth.example.com/register${forged}`,
      token_endpoint: undefined,
    };
    const lines: string[] = [];
    expect(await runDoctor(['doctor', issuer.issuer], (l) => lines.push(l))).toBe(1);
    for (const line of lines) expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(lines).toContain(
      '  ok    dynamic client registration at https://auth.example.com/register' +
        '\\x1b]0;pwned\\x07\\x1b[1A\\x1b[2K\\x0d  ok  PKCE with S256 advertised\\x0a\\x9b2K\\u202e',
    );
    expect(lines).toContain('  FAIL  no token endpoint: MCP clients run the authorization code flow');

    // A document naming another issuer: the refusal quotes it, escaped as well.
    issuer.metadataOverrides = { issuer: `${issuer.issuer}/\x1b[2K` };
    const failed: string[] = [];
    expect(await runDoctor(['doctor', issuer.issuer, '--type', 'oidc'], (l) => failed.push(l))).toBe(2);
    expect(failed.join('\n')).toContain(`names issuer ${issuer.issuer}/\\x1b[2K, expected`);
    for (const line of failed) expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    issuer.metadataOverrides = {};
  });

  it('exit 2 with the reasons, causes included, when nothing can be fetched, and on bad usage', async () => {
    // A port that was just closed: the connection is refused.
    const closed = await TestIssuer.start();
    const gone = closed.issuer;
    await closed.close();
    const lines: string[] = [];
    expect(await runDoctor(['doctor', gone], (l) => lines.push(l))).toBe(2);
    expect(lines[0]).toBe(`Could not read the metadata of ${gone}:`);
    expect(lines.slice(1).map((l) => l.split(':')[0]?.trim())).toEqual(['oidc discovery', 'oauth discovery']);
    expect(lines[1]).toMatch(/could not be fetched \(ECONNREFUSED\)$/);
    expect(await runDoctor(['doctor'], () => {})).toBe(2);
    expect(await runDoctor(['doctor', 'https://a', '--type', 'saml'], () => {})).toBe(2);
    expect(await runDoctor(['doctor', '--verbose'], () => {})).toBe(2);
  });

  it('--help prints the usage and exits 0, rather than being taken for an issuer', async () => {
    const lines: string[] = [];
    expect(await runDoctor(['doctor', '--help'], (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toBe('usage: mcp-bearer-auth doctor <issuer-url> [--type oidc|oauth]');
    expect(lines.join('\n')).toContain('says which type to configure');
  });
});
