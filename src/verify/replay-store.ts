/**
 * Where the `jti` of every accepted DPoP proof is remembered for as long as the proof could be
 * presented again, so that a captured proof cannot be replayed. In memory by default (one
 * instance); `redisReplayStore` for several instances behind one resource (docs/dpop.md).
 */
import type { ReplayStore } from '../config/types.js';
import { BoundedCache } from '../core/bounded-cache.js';

/**
 * In memory, bounded: entries end with their window; when full, the oldest goes first (a flood of
 * more distinct accepted proofs than `maxEntries` within one window could then replay the oldest).
 */
export function memoryReplayStore(options: { maxEntries?: number } = {}): ReplayStore {
  const used = new BoundedCache<true>(options.maxEntries ?? 100_000);
  return {
    markUsed(key, ttlMs) {
      const now = Date.now();
      if (used.get(key, now)) return false;
      used.set(key, true, now + ttlMs, now);
      return true;
    },
  };
}
