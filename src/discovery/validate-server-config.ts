/**
 * What MCP clients need from an authorization server's metadata, checked and reported as data.
 * Resource-server mode never enforces these (a resource server does not run the flows); this
 * is for people setting a provider up: `validateServerConfig` and `mcp-bearer-auth doctor`.
 */

import type { AuthorizationServerMetadata, AuthServerConfig } from '../config/types.js';
import { httpsUrlProblem } from '../config/url.js';

export type CheckStatus = 'ok' | 'warning' | 'error' | 'info';

export interface ServerConfigCheck {
  /** Stable identifier, e.g. `pkce_s256`. */
  id: string;
  status: CheckStatus;
  message: string;
}

export interface ServerConfigReport {
  issuer: string;
  /** True when no check is an error. */
  ok: boolean;
  checks: ServerConfigCheck[];
}

export function validateServerConfig(config: AuthServerConfig | AuthorizationServerMetadata): ServerConfigReport {
  const m: AuthorizationServerMetadata =
    'metadata' in config && isMetadata(config.metadata) ? config.metadata : (config as AuthorizationServerMetadata);
  const checks: ServerConfigCheck[] = [];
  const check = (id: string, status: CheckStatus, message: string) => checks.push({ id, status, message });
  const has = (list: unknown, value: string) => Array.isArray(list) && list.includes(value);

  const issuerProblem = typeof m.issuer === 'string' ? httpsUrlProblem(m.issuer) : 'is missing';
  check('issuer', issuerProblem ? 'error' : 'ok', issuerProblem ? `issuer ${issuerProblem}` : `issuer ${m.issuer}`);

  for (const [id, field, label] of [
    ['authorization_endpoint', m.authorizationEndpoint, 'authorization endpoint'],
    ['token_endpoint', m.tokenEndpoint, 'token endpoint'],
  ] as const) {
    check(
      id,
      field ? 'ok' : 'error',
      field ? `${label} ${field}` : `no ${label}: MCP clients run the authorization code flow`,
    );
  }

  if (m.responseTypesSupported === undefined) {
    check(
      'response_type_code',
      'warning',
      'response_types_supported is not advertised (RFC 8414 requires it); MCP clients use "code"',
    );
  } else {
    const ok = has(m.responseTypesSupported, 'code');
    check(
      'response_type_code',
      ok ? 'ok' : 'error',
      ok ? 'response type "code" supported' : 'response type "code" is not supported',
    );
  }

  // When absent, the default is ["authorization_code", "implicit"].
  const codeGrant = m.grantTypesSupported === undefined || has(m.grantTypesSupported, 'authorization_code');
  check(
    'grant_authorization_code',
    codeGrant ? 'ok' : 'error',
    codeGrant ? 'authorization_code grant supported' : 'grant_types_supported lacks authorization_code',
  );

  const s256 = has(m.codeChallengeMethodsSupported, 'S256');
  check(
    'pkce_s256',
    s256 ? 'ok' : 'error',
    s256
      ? 'PKCE with S256 advertised'
      : 'code_challenge_methods_supported does not list S256: MCP clients must refuse to use this server',
  );

  const dcr = typeof m.registrationEndpoint === 'string';
  const cimd = m.clientIdMetadataDocumentSupported === true;
  check(
    'client_registration',
    dcr || cimd ? 'ok' : 'warning',
    dcr && cimd
      ? 'dynamic client registration and client ID metadata documents'
      : dcr
        ? `dynamic client registration at ${m.registrationEndpoint}`
        : cimd
          ? 'client ID metadata documents supported'
          : 'no registration endpoint and no client ID metadata documents: MCP clients need a pre-registered client ID',
  );

  const jwks = typeof m.jwksUri === 'string';
  const introspection = typeof m.introspectionEndpoint === 'string';
  check(
    'jwks_uri',
    jwks ? 'ok' : introspection ? 'warning' : 'error',
    jwks
      ? `jwks_uri ${m.jwksUri}: bearerAuth('jwt') can verify its tokens`
      : introspection
        ? "no jwks_uri: bearerAuth('jwt') cannot verify tokens; use token introspection"
        : 'no jwks_uri and no introspection endpoint: access tokens cannot be verified',
  );
  if (introspection) check('introspection_endpoint', 'info', `introspection endpoint ${m.introspectionEndpoint}`);

  check(
    'resource_indicators',
    'info',
    'RFC 8707 resource indicators are not advertised in metadata: make sure tokens are issued with aud = your resource identifier',
  );

  return {
    issuer: typeof m.issuer === 'string' ? m.issuer : '',
    ok: !checks.some((c) => c.status === 'error'),
    checks,
  };
}

function isMetadata(value: unknown): value is AuthorizationServerMetadata {
  return typeof value === 'object' && value !== null && 'issuer' in value;
}
