/**
 * A remote JWK Set with the caching rules of docs/jwt.md: fetched on first use by one shared
 * request; refreshed at most once per `cooldownDuration` for an unknown `kid`; refreshed after
 * `cacheMaxAge`, keeping the last good keys (stale, for at most `maxStaleDuration`) when that
 * refresh fails. 503 when no usable keys can be had: none ever fetched, stale for too long, or
 * an unknown `kid` whose refresh failed.
 */
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import type { RemoteJwkSetOptions } from '../config/options.js';
import { DEFAULTS } from '../core/defaults.js';
import { FetchJsonError, MCPAuthAuthServerError } from '../core/errors.js';
import type { AuthEventListener } from '../core/events.js';
import { fetchJson } from '../core/fetch-json.js';
import type { KeyGetter, KeySet } from './keys.js';

/** With no keys at all, a failed fetch is retried after this long (service comes back quickly). */
const RETRY_WITHOUT_KEYS_MS = 1000;

export class RemoteJwks implements KeySet {
  private keys: { getKey: KeyGetter; fetchedAt: number } | undefined;
  private pending: Promise<boolean> | undefined;
  private lastAttempt: { at: number; ok: boolean } | undefined;
  private readonly cooldown: number;
  private readonly maxAge: number;
  private readonly timeout: number;

  constructor(
    readonly uri: string,
    private readonly options: RemoteJwkSetOptions = {},
    private readonly events?: AuthEventListener,
  ) {
    this.cooldown = options.cooldownDuration ?? DEFAULTS.jwksCooldownMs;
    this.maxAge = options.cacheMaxAge ?? DEFAULTS.jwksCacheMaxAgeMs;
    this.timeout = options.timeoutDuration ?? DEFAULTS.jwksTimeoutMs;
    this.maxStale = options.maxStaleDuration ?? DEFAULTS.jwksMaxStaleMs;
  }

  private readonly maxStale: number;

  /** Bumped by every successful fetch: results verified with older keys are re-verified. */
  version = 0;

  isStale(now: number): boolean {
    return this.currentIfFresh(now) === undefined;
  }

  currentIfFresh(now: number): KeyGetter | undefined {
    return this.keys && now - this.keys.fetchedAt <= this.maxAge ? this.keys.getKey : undefined;
  }

  /** Keys to verify with now: fetched if never had, refreshed if older than cacheMaxAge. */
  async current(): Promise<KeyGetter> {
    const fresh = this.currentIfFresh(Date.now());
    if (fresh) return fresh;
    const keys = this.keys;
    if (keys && Date.now() - keys.fetchedAt > this.maxAge + this.maxStale) {
      // Stale for too long: keys that may have been revoked meanwhile are not trusted any more.
      if (this.pending || this.sinceLastAttempt() >= RETRY_WITHOUT_KEYS_MS) await this.refresh();
      if (this.keys && this.keys !== keys) return this.keys.getKey;
      throw this.unavailable(`Signing keys from ${this.uri} are stale and cannot be refreshed`);
    }
    if (keys) {
      // Stale: refresh, but an outage must not stop the last good keys from verifying.
      // After a failed attempt, wait a cooldown before the next, so an outage does not stall every request.
      const mayTry = this.lastAttempt?.ok !== false || this.sinceLastAttempt() >= this.cooldown;
      if (this.pending || mayTry) await this.refresh();
      return (this.keys ?? keys).getKey;
    }
    if (this.pending || !this.lastAttempt || this.sinceLastAttempt() >= RETRY_WITHOUT_KEYS_MS) await this.refresh();
    if (this.keys) return this.keys.getKey;
    throw this.unavailable(`No signing keys could be fetched from ${this.uri}`);
  }

  /**
   * A token names a key we do not have: refresh once, unless a refresh happened within the
   * cooldown. Returns 'refreshed', 'cooldown' (no fetch made) or the 503 (the fetch failed).
   */
  async refreshForUnknownKey(): Promise<'refreshed' | 'cooldown' | MCPAuthAuthServerError> {
    const failed = () => this.unavailable(`Signing keys could not be refreshed from ${this.uri}`);
    if (!this.pending && this.sinceLastAttempt() < this.cooldown) {
      return this.lastAttempt?.ok === false ? failed() : 'cooldown';
    }
    return (await this.refresh()) ? 'refreshed' : failed();
  }

  /** The 503 error, with how long a client should wait before retrying. */
  private unavailable(message: string): MCPAuthAuthServerError {
    const wait = Math.max(
      RETRY_WITHOUT_KEYS_MS - this.sinceLastAttempt(),
      this.keys ? this.cooldown - this.sinceLastAttempt() : 0,
    );
    return new MCPAuthAuthServerError('jwks_unavailable', message, {
      cause: this.lastError,
      retryAfter: Math.max(1, Math.ceil(wait / 1000)),
    });
  }

  private lastError: unknown;

  private sinceLastAttempt(): number {
    return this.lastAttempt ? Date.now() - this.lastAttempt.at : Number.POSITIVE_INFINITY;
  }

  /** One shared fetch; resolves true when new keys were installed. Never rejects. */
  private refresh(): Promise<boolean> {
    if (this.pending) return this.pending;
    const pending = this.fetchKeys().then(
      ({ getKey, count }) => {
        this.keys = { getKey, fetchedAt: Date.now() };
        this.version++;
        this.lastAttempt = { at: Date.now(), ok: true };
        this.events?.({ type: 'jwks_refresh', uri: this.uri, outcome: 'ok', keys: count });
        return true;
      },
      (error: unknown) => {
        this.lastError = error;
        this.lastAttempt = { at: Date.now(), ok: false };
        const message = error instanceof Error ? error.message : String(error);
        this.events?.({ type: 'jwks_refresh', uri: this.uri, outcome: 'failed', error: message });
        return false;
      },
    );
    this.pending = pending;
    void pending.then(() => {
      if (this.pending === pending) this.pending = undefined;
    });
    return pending;
  }

  private async fetchKeys(): Promise<{ getKey: KeyGetter; count: number }> {
    let body: unknown;
    try {
      body = await fetchJson(this.uri, { timeoutMs: this.timeout, headers: this.options.headers });
    } catch (error) {
      throw error instanceof FetchJsonError ? error : new FetchJsonError(String(error));
    }
    // createLocalJWKSet checks the shape; anything that is not a JWK Set is a failed fetch.
    const getKey = createLocalJWKSet(body as JSONWebKeySet);
    return { getKey, count: (body as JSONWebKeySet).keys.length };
  }
}
