/** One trusted authorization server: its metadata, known up front or discovered on first use. */
import type { AuthorizationServerMetadata, AuthServerEntry, AuthServerKeysConfig } from '../config/types.js';
import { DEFAULTS } from '../core/defaults.js';
import { MCPAuthAuthServerError } from '../core/errors.js';
import type { AuthEventListener } from '../core/events.js';
import { discoverServerConfig } from './server-config.js';
import { SingleFlight } from './single-flight.js';

/** After a failed discovery, callers get the same error for this long, then it is tried again. */
const DISCOVERY_RETRY_MS = 1000;

export class AuthorizationServer {
  readonly issuer: string;
  /** The metadata given in the config, when it was (nothing is fetched then). */
  readonly configuredMetadata: AuthorizationServerMetadata | undefined;
  /** Its entry as configured (which may give its verification keys). */
  readonly entry: AuthServerEntry;
  private readonly metadata: SingleFlight<AuthorizationServerMetadata>;

  constructor(entry: AuthServerEntry, events?: AuthEventListener, timeoutMs = DEFAULTS.discoveryTimeoutMs) {
    this.entry = entry;
    if ('metadata' in entry && entry.metadata) {
      const metadata = entry.metadata;
      this.issuer = metadata.issuer;
      this.configuredMetadata = metadata;
      this.metadata = new SingleFlight(async () => metadata, 0);
    } else {
      const { issuer, type, transpileData } = entry as AuthServerKeysConfig;
      this.issuer = issuer;
      this.configuredMetadata = undefined;
      this.metadata = new SingleFlight(async () => {
        try {
          const { config, fallback } = await discoverServerConfig(issuer, { type, transpileData, timeoutMs });
          events?.({ type: 'discovery', issuer, outcome: 'ok', ...(fallback ? { warning: fallback } : {}) });
          return config.metadata;
        } catch (error) {
          events?.({
            type: 'discovery',
            issuer,
            outcome: 'failed',
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        }
      }, DISCOVERY_RETRY_MS);
    }
  }

  /** Fetched at most once at a time; a failure is retried after a second, never cached for good. */
  async getMetadata(): Promise<AuthorizationServerMetadata> {
    try {
      return await this.metadata.get();
    } catch (error) {
      if (!(error instanceof MCPAuthAuthServerError)) throw error;
      throw new MCPAuthAuthServerError(error.code, error.message, {
        cause: error.cause,
        retryAfter: this.metadata.retryAfterSeconds(),
      });
    }
  }
}
