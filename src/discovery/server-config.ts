/** Authorization server metadata: RFC 8414 and OpenID Connect Discovery. */
import { toCamelCaseKeys } from '../config/case.js';
import { authorizationServerMetadataDocument } from '../config/schema.js';
import type { AuthorizationServerMetadata, AuthServerConfig, AuthServerType, TranspileData } from '../config/types.js';
import { MCPAuthAuthServerError } from '../errors.js';
import { FetchJsonError, fetchJson } from './fetch-json.js';
import { discoveryUrls, issuerFromWellKnownUrl } from './well-known.js';

export interface FetchServerConfigOptions {
  type: AuthServerType;
  transpileData?: TranspileData;
  /** Per attempt; default 5000 ms. */
  timeoutMs?: number;
}

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 5000;

/**
 * Fetches an issuer's metadata from its well-known URL(s) and checks that the document names the
 * same issuer (RFC 8414 §3.3: the mix-up defence).
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
      const cause = error instanceof MCPAuthAuthServerError ? error.cause : undefined;
      const notHere =
        cause instanceof FetchJsonError &&
        (cause.notJson || (cause.status !== undefined && cause.status >= 400 && cause.status < 500));
      if (!notHere) throw error;
    }
  }
  throw lastError;
}

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
    raw = await fetchJson(url, { timeoutMs: options.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS });
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
