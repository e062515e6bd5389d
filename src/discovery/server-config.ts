/** Authorization server metadata: OAuth and OpenID Connect discovery documents. */
import { toCamelCaseKeys } from '../config/case.js';
import { authorizationServerMetadataDocument } from '../config/schema.js';
import type { AuthorizationServerMetadata, AuthServerConfig, AuthServerType, TranspileData } from '../config/types.js';
import { DEFAULTS } from '../core/defaults.js';
import { FetchJsonError, MCPAuthAuthServerError } from '../core/errors.js';
import { fetchJson } from '../core/fetch-json.js';
import { discoveryUrls, issuerFromWellKnownUrl } from './well-known.js';

export interface FetchServerConfigOptions {
  type: AuthServerType;
  transpileData?: TranspileData;
  /** Per attempt; default 5000 ms. */
  timeoutMs?: number;
}

/**
 * Fetches an issuer's metadata from its well-known URL(s) and checks that the document names the
 * same issuer (the mix-up defence).
 */
export async function fetchServerConfig(issuer: string, options: FetchServerConfigOptions): Promise<AuthServerConfig> {
  const urls = discoveryUrls(issuer, options.type);
  let lastError: unknown;
  for (const url of urls) {
    try {
      return await fetchAndValidate(url, { issuer, exact: true }, options);
    } catch (error) {
      lastError = error;
      // Only a server that answered "not here" (a 4xx, or a web page) is worth asking at the other URL.
      if (!isNotHere(error)) throw error;
    }
  }
  throw lastError;
}

/** The server answered, but has no document at that URL (a 4xx, or a page that is not JSON). */
function isNotHere(error: unknown): boolean {
  const cause = error instanceof MCPAuthAuthServerError ? error.cause : undefined;
  return (
    cause instanceof FetchJsonError &&
    (cause.notJson || (cause.status !== undefined && cause.status >= 400 && cause.status < 500))
  );
}

/**
 * Discovery as the resource server does it: the configured `type`'s document, else the other
 * kind's (an issuer that publishes only one is common, and the configured type is easy to get
 * wrong). `fallback` says when the other kind answered, so that it can be logged. When neither
 * exists, the error is not an outage: the server answered, so the issuer URL or type is wrong.
 */
export async function discoverServerConfig(
  issuer: string,
  options: FetchServerConfigOptions,
): Promise<{ config: AuthServerConfig; fallback?: string }> {
  try {
    return { config: await fetchServerConfig(issuer, options) };
  } catch (error) {
    if (!isNotHere(error)) throw error;
    const other: AuthServerType = options.type === 'oidc' ? 'oauth' : 'oidc';
    try {
      const config = await fetchServerConfig(issuer, { ...options, type: other });
      return {
        config,
        fallback: `no ${DOCUMENT[options.type]} at ${discoveryUrls(issuer, options.type).join(' or ')}; using its ${DOCUMENT[other]}: configure type '${other}'`,
      };
    } catch (otherError) {
      if (!isNotHere(otherError)) throw otherError;
      const tried = [...discoveryUrls(issuer, options.type), ...discoveryUrls(issuer, other)];
      throw new MCPAuthAuthServerError(
        'metadata_not_found',
        `No discovery document for ${issuer} (${describe(error instanceof Error ? error.cause : error)}; tried ${tried.join(', ')}): check that the issuer URL is exactly the \`iss\` of its tokens`,
        { cause: otherError },
      );
    }
  }
}

const DOCUMENT: Record<AuthServerType, string> = {
  oidc: 'OpenID Connect discovery document',
  oauth: 'RFC 8414 authorization server metadata',
};

/**
 * Fetches metadata from an explicit well-known URL. When the URL has a standard shape, the
 * issuer it was built from must be the document's issuer (a trailing slash aside).
 */
export async function fetchServerConfigByWellKnownUrl(
  wellKnownUrl: string,
  options: FetchServerConfigOptions,
): Promise<AuthServerConfig> {
  const issuer = issuerFromWellKnownUrl(wellKnownUrl);
  return fetchAndValidate(wellKnownUrl, issuer === undefined ? undefined : { issuer, exact: false }, options);
}

async function fetchAndValidate(
  url: string,
  expected: { issuer: string; exact: boolean } | undefined,
  options: FetchServerConfigOptions,
): Promise<AuthServerConfig> {
  let raw: unknown;
  try {
    raw = await fetchJson(url, { timeoutMs: options.timeoutMs ?? DEFAULTS.discoveryTimeoutMs });
  } catch (cause) {
    throw new MCPAuthAuthServerError(
      'metadata_unavailable',
      `Authorization server metadata unavailable: ${describe(cause)}`,
      {
        cause,
      },
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new MCPAuthAuthServerError('invalid_server_metadata', `${url} did not return a JSON object`);
  }
  const document = options.transpileData ? options.transpileData({ ...(raw as Record<string, unknown>) }) : raw;
  const parsed = authorizationServerMetadataDocument.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MCPAuthAuthServerError(
      'invalid_server_metadata',
      `${url} is not valid authorization server metadata: ${issue?.path.join('.') || '(document)'}: ${issue?.message}`,
    );
  }
  const metadata = toCamelCaseKeys(parsed.data) as AuthorizationServerMetadata;
  if (expected && !sameIssuer(metadata.issuer, expected)) {
    throw new MCPAuthAuthServerError(
      'invalid_server_metadata',
      `${url} names issuer ${metadata.issuer}, expected ${expected.issuer} (RFC 8414 §3.3)`,
    );
  }
  return { type: options.type, metadata };
}

function sameIssuer(actual: string, expected: { issuer: string; exact: boolean }): boolean {
  if (actual === expected.issuer) return true;
  // An issuer derived from a well-known URL is known only up to a trailing slash.
  return !expected.exact && actual.replace(/\/$/, '') === expected.issuer.replace(/\/$/, '');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
