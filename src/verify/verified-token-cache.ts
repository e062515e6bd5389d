/**
 * The verified-token cache: a token seen again gets the verdict it got before, without its
 * signature being checked again, within the window its format allows (after `nbf`, before `exp`,
 * with the keys it was verified with). Everything that changes with time or with the request is
 * still judged every time by the caller.
 *
 * Admission: a token is cached from its second verification within a window as long as the
 * cache (a doorkeeper, as in TinyLFU). Tokens used once (many distinct users, or a flood) are then
 * verified and forgotten instead of each taking an entry that dies old and costs the garbage
 * collector more than it ever saves.
 */
import { BoundedCache } from '../core/bounded-cache.js';
import type { Reuse } from './token-format.js';

/** Larger tokens are verified every time rather than held in memory. */
const MAX_CACHED_TOKEN_LENGTH = 8192;

interface Entry<V> {
  token: string;
  value: V;
  from: number;
  isCurrent: ((now: number) => boolean) | undefined;
}

export class VerifiedTokenCache<V> {
  private readonly entries: BoundedCache<Entry<V>>;
  private readonly doorkeeper: Doorkeeper;

  constructor(maxEntries: number) {
    this.entries = new BoundedCache(maxEntries);
    this.doorkeeper = new Doorkeeper(maxEntries);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The verdict given before to this very token, while its window is open and its keys current. */
  get(token: string, now: number): V | undefined {
    const hit = this.entries.get(keyOf(token), now);
    const usable = hit && hit.token === token && hit.from <= now && (hit.isCurrent === undefined || hit.isCurrent(now));
    return usable ? hit.value : undefined;
  }

  /** A verdict just reached: kept if this token was verified before (see the doorkeeper). */
  offer(token: string, value: V, reuse: Reuse, now: number): void {
    if (token.length > MAX_CACHED_TOKEN_LENGTH || !this.doorkeeper.admit(keyOf(token))) return;
    this.entries.set(keyOf(token), { token, value, from: reuse.from, isCurrent: reuse.isCurrent }, reuse.until, now);
  }
}

/** A JWT's signature: shorter to hash than the whole token, and as unique; the entry keeps the token to compare. */
function keyOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

/** Admits a key the second time it is seen within a window of `window` keys. */
class Doorkeeper {
  /** 2^20 bits: for a window of 10 000, a false "seen before" about 1% of the time. */
  private readonly bits = new Uint32Array(1 << 15);
  private seen = 0;

  constructor(private readonly window: number) {}

  admit(key: string): boolean {
    if (this.window <= 0) return false;
    // The key is a signature: base64url of random-looking bytes, so its first characters hash well.
    let h = 0;
    for (let i = 0; i < 8 && i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
    h &= 0xfffff;
    const word = h >>> 5;
    const mask = 1 << (h & 31);
    const before = ((this.bits[word] as number) & mask) !== 0;
    this.bits[word] = (this.bits[word] as number) | mask;
    if (++this.seen >= this.window) {
      this.bits.fill(0);
      this.seen = 0;
    }
    return before;
  }
}
