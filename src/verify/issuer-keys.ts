/**
 * The issuers a JWT route trusts, each with its key set and the algorithms its tokens may use:
 * keys given in the configuration, or the issuer's JWK Set found through discovery. One remote
 * JWK Set per URL and caching options, shared by every route of an MCPAuth.
 */
import { ASYMMETRIC_ALGORITHMS, type JwsAlgorithm } from '../config/keys.js';
import type { RemoteJwkSetOptions } from '../config/options.js';
import { MCPAuthAuthServerError, MCPAuthConfigError } from '../core/errors.js';
import type { AuthEventListener } from '../core/events.js';
import type { AuthorizationServer } from '../discovery/authorization-server.js';
import { RemoteJwks } from './jwks.js';
import { ConfiguredKeySet, type KeySet } from './keys.js';

export interface TrustedIssuer {
  /** Its key set: configured, or fetched through discovery and the JWKS on first use. */
  keySet: () => Promise<KeySet>;
  /** The algorithms its keys may verify, already intersected with the route's allowlist. */
  algorithms: readonly string[];
}

export interface JwtTrustOptions {
  /** The route's allowlist (bearerAuth `algorithms`). */
  algorithms?: readonly JwsAlgorithm[];
  remoteJwkSet?: RemoteJwkSetOptions;
}

export class IssuerKeys {
  private readonly configured = new WeakMap<AuthorizationServer, ConfiguredKeySet | null>();
  private readonly remote = new Map<string, RemoteJwks>();

  constructor(private readonly events: AuthEventListener | undefined) {}

  /**
   * The issuers of `servers` as a JWT route trusts them. Throws a config error naming the
   * bearerAuth option when the route could never accept a token of one of them.
   */
  trust(servers: readonly AuthorizationServer[], options: JwtTrustOptions): Map<string, TrustedIssuer> {
    const allowlist = options.algorithms ? new Set<string>(options.algorithms) : undefined;
    const symmetric = options.algorithms?.find((a) => a.startsWith('HS'));
    if (symmetric && !servers.some((s) => this.configuredKeys(s)?.symmetric)) {
      throw new MCPAuthConfigError(
        'invalid_config',
        `bearerAuth options.algorithms: ${symmetric} needs an authorization server configured with \`secret\``,
      );
    }
    const issuers = new Map<string, TrustedIssuer>();
    for (const server of servers) {
      const keys = this.configuredKeys(server);
      const usable = keys ? keys.algorithms : ASYMMETRIC_ALGORITHMS;
      const algorithms = allowlist ? usable.filter((a) => allowlist.has(a)) : usable;
      if (algorithms.length === 0) {
        throw new MCPAuthConfigError(
          'invalid_config',
          `bearerAuth options.algorithms: none of them can verify tokens of ${server.issuer} (its keys allow ${usable.join(', ')})`,
        );
      }
      if (!keys && server.configuredMetadata && !server.configuredMetadata.jwksUri) {
        throw new MCPAuthConfigError(
          'invalid_config',
          `bearerAuth('jwt'): the authorization server ${server.issuer} is configured without metadata.jwksUri, so its tokens cannot be verified`,
        );
      }
      const keySet = keys ? async () => keys : this.discoveredKeys(server, options.remoteJwkSet ?? {});
      issuers.set(server.issuer, { keySet, algorithms });
    }
    return issuers;
  }

  /** Keys its config entry gives (jwks, publicKey or secret): JWTs are verified without any fetch. */
  private configuredKeys(server: AuthorizationServer): ConfiguredKeySet | undefined {
    let keys = this.configured.get(server);
    if (keys === undefined) {
      keys = ConfiguredKeySet.fromEntry(server.entry as Parameters<typeof ConfiguredKeySet.fromEntry>[0]) ?? null;
      this.configured.set(server, keys);
    }
    return keys ?? undefined;
  }

  /** Resolved once (discovery, then the shared remote JWK Set), then from memory. */
  private discoveredKeys(server: AuthorizationServer, options: RemoteJwkSetOptions): () => Promise<KeySet> {
    let resolved: RemoteJwks | undefined;
    return async () => {
      if (resolved) return resolved;
      const metadata = await server.getMetadata();
      if (!metadata.jwksUri) {
        throw new MCPAuthAuthServerError(
          'missing_jwks_uri',
          `The metadata of ${server.issuer} has no jwks_uri: JWTs cannot be verified`,
        );
      }
      const key = `${metadata.jwksUri} ${JSON.stringify(options)}`;
      resolved = this.remote.get(key) ?? new RemoteJwks(metadata.jwksUri, options, this.events);
      this.remote.set(key, resolved);
      return resolved;
    };
  }
}
