/**
 * Resource-server DPoP nonces, stateless: a nonce names a time window and carries an HMAC of it
 * under the configured secret, so every instance sharing the secret issues and accepts the same
 * nonces with nothing stored. A nonce is good for the window it was issued in and the next one
 * (not single-use: replay is the replay store's job), and a proof without a good one is answered
 * `use_dpop_nonce` with a fresh one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { tokenRefusal } from '../core/errors.js';

export class DpopNonces {
  private readonly key: Buffer;
  /** The nonces of the latest windows asked for. */
  private readonly recent = new Map<number, string>();

  constructor(
    secret: string | Uint8Array,
    /** Seconds a window lasts. */
    private readonly windowSeconds: number,
  ) {
    this.key = Buffer.from(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
  }

  /** The nonce of the current window: what a client should put in its next proof. */
  current(now = Date.now()): string {
    return this.nonceFor(this.windowAt(now));
  }

  /** Throws `use_dpop_nonce` unless `nonce` is of this window or the one before. */
  check(nonce: unknown, now = Date.now()): void {
    const window = this.windowAt(now);
    if (typeof nonce === 'string' && (this.matches(nonce, window) || this.matches(nonce, window - 1))) return;
    throw tokenRefusal(
      nonce === undefined ? 'This resource requires a DPoP nonce' : 'The DPoP nonce is stale',
      'use_dpop_nonce',
    );
  }

  private windowAt(now: number): number {
    return Math.floor(now / 1000 / this.windowSeconds);
  }

  /** Computed once per window: every DPoP request checks one and every response hands one out. */
  private nonceFor(window: number): string {
    let nonce = this.recent.get(window);
    if (nonce === undefined) {
      const mac = createHmac('sha256', this.key).update(`dpop-nonce ${window}`).digest('base64url');
      nonce = `${window.toString(36)}.${mac}`;
      // Only the current window and the one before are asked for.
      if (this.recent.size >= 2) this.recent.delete(this.recent.keys().next().value as number);
      this.recent.set(window, nonce);
    }
    return nonce;
  }

  private matches(nonce: string, window: number): boolean {
    const expected = Buffer.from(this.nonceFor(window));
    const given = Buffer.from(nonce);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
