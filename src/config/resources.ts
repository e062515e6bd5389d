/**
 * The protected resources of a configuration, checked as a whole, for the rules no single
 * field's schema can state: each resource and each metadata path once (one router serves every
 * document), each issuer once per resource, and an issuer under several resources configured
 * identically there (it becomes one server, with one discovery and one key set; entries that
 * differed would let one resource verify with another's keys or secret).
 */
import { isDeepStrictEqual } from 'node:util';
import { MCPAuthConfigError } from '../core/errors.js';
import { assertUnique } from './schema.js';
import type { AuthServerEntry, ProtectedResourceConfig, ProtectedResourceMetadataConfig } from './types.js';
import { insertWellKnown, PROTECTED_RESOURCE_WELL_KNOWN } from './url.js';

export interface ResourcePlan {
  metadata: ProtectedResourceMetadataConfig;
  impliedScopes: ProtectedResourceConfig['impliedScopes'];
  /** Absolute URL of its protected resource metadata document. */
  metadataUrl: string;
  /** That URL's path, which the metadata router serves. */
  metadataPath: string;
  /** Its authorization servers, by issuer, in the order configured. */
  issuers: ReadonlyMap<string, AuthServerEntry>;
}

/** Throws a config error naming both places when two parts of the configuration disagree. */
export function planProtectedResources(
  protectedResources: ProtectedResourceConfig | readonly ProtectedResourceConfig[],
): ResourcePlan[] {
  const list: readonly ProtectedResourceConfig[] = Array.isArray(protectedResources)
    ? protectedResources
    : [protectedResources as ProtectedResourceConfig];
  const where = (i: number) => (Array.isArray(protectedResources) ? `protectedResources[${i}]` : 'protectedResources');
  const seen = new Map<string, { entry: AuthServerEntry; at: string }>();
  const plans = list.map((config, i): ResourcePlan => {
    const { metadata } = config;
    const issuers = new Map<string, AuthServerEntry>();
    metadata.authorizationServers.forEach((entry, j) => {
      const at = `${where(i)}.metadata.authorizationServers[${j}]`;
      const issuer =
        'metadata' in entry && entry.metadata ? entry.metadata.issuer : (entry as { issuer: string }).issuer;
      if (issuers.has(issuer))
        throw new MCPAuthConfigError('invalid_config', `${at}: issuer ${issuer} is listed twice`);
      const first = seen.get(issuer);
      if (first) assertSameEntry(issuer, first, entry, at);
      else seen.set(issuer, { entry, at });
      issuers.set(issuer, first?.entry ?? entry);
    });
    const metadataUrl = insertWellKnown(metadata.resource, PROTECTED_RESOURCE_WELL_KNOWN);
    return {
      metadata,
      impliedScopes: config.impliedScopes,
      metadataUrl,
      metadataPath: new URL(metadataUrl).pathname,
      issuers,
    };
  });
  assertUnique(
    plans.map((p) => p.metadata.resource),
    (i) => `${where(i)}.metadata.resource`,
    'resource',
  );
  assertUnique(
    plans.map((p) => p.metadataPath),
    (i) => `${where(i)}.metadata.resource`,
    'metadata path',
  );
  return plans;
}

/** Two entries for one issuer must be identical: they become one server with one key set. */
function assertSameEntry(
  issuer: string,
  first: { entry: AuthServerEntry; at: string },
  entry: AuthServerEntry,
  at: string,
): void {
  const a = first.entry as unknown as Record<string, unknown>;
  const b = entry as unknown as Record<string, unknown>;
  const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !isDeepStrictEqual(a[k], b[k]));
  if (differing.length === 0) return;
  // Field names only: values may be secrets.
  throw new MCPAuthConfigError(
    'invalid_config',
    `${at}: issuer ${issuer} is also configured at ${first.at}, with a different ${differing.join(', ')}; ` +
      'entries for one issuer must be identical (they share one discovery and one key set)',
  );
}
