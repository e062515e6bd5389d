/**
 * Where the `jti` of every accepted DPoP proof is remembered for as long as the proof could be
 * presented again, so that a captured proof cannot be replayed. In memory by default (one
 * instance); `redisReplayStore` for several instances behind one resource (docs/dpop.md).
 */
import type { ReplayStore } from '../config/types.js';
import { DEFAULTS } from '../core/defaults.js';

/** How far a replayed proof's window end may differ from the first one's: two clock reads apart. */
const FORGOTTEN_MARGIN_MS = 1000;

/**
 * In memory, bounded. Entries leave when their window ends. When more proofs are live than
 * `maxEntries`, the store forgets the one whose window ends first, and from then on refuses every
 * proof whose window ends no later than that one's: it can no longer tell whether such a proof
 * was used, so it never lets a forgotten proof through. A client sending fresh proofs is not
 * affected; only proofs as old as the forgotten ones are refused.
 *
 * @example
 * new MCPAuth({ protectedResources, dpop: { replayStore: memoryReplayStore({ maxEntries: 500_000 }) } });
 */
export function memoryReplayStore(options: { maxEntries?: number } = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? DEFAULTS.replayStoreMaxEntries;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError(`memoryReplayStore: maxEntries must be a positive integer, got ${String(options.maxEntries)}`);
  }
  /** Key -> when its window ends (ms since the epoch). */
  const used = new Map<string, number>();
  /** The same entries, soonest end first: what to drop when they end, or to forget when full. */
  const ends = new MinHeap();
  /** The latest end among entries forgotten while still live; 0 while none was. */
  let forgottenUntil = 0;
  return {
    markUsed(key, ttlMs) {
      const now = Date.now();
      const endsAt = now + ttlMs;
      const seen = used.get(key);
      if (seen !== undefined && seen > now) return false;
      // A replayed proof's window ends where it did the first time, give or take a clock read.
      if (endsAt <= forgottenUntil + FORGOTTEN_MARGIN_MS) return false;
      // Ended entries sort before every live one: drop them all.
      for (let top = ends.peek(); top && top.endsAt <= now; top = ends.peek()) {
        ends.pop();
        if (used.get(top.key) === top.endsAt) used.delete(top.key);
      }
      used.set(key, endsAt);
      ends.push({ key, endsAt });
      if (used.size > maxEntries) {
        const soonest = ends.pop() as Entry;
        used.delete(soonest.key);
        forgottenUntil = Math.max(forgottenUntil, soonest.endsAt);
      }
      return true;
    },
  };
}

interface Entry {
  key: string;
  endsAt: number;
}

/** A binary min-heap of entries by `endsAt`. */
class MinHeap {
  private readonly items: Entry[] = [];

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(entry: Entry): void {
    const items = this.items;
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as Entry).endsAt <= entry.endsAt) break;
      items[i] = items[parent] as Entry;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Entry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as Entry).endsAt < (items[left] as Entry).endsAt ? right : left;
      if ((items[child] as Entry).endsAt >= last.endsAt) break;
      items[i] = items[child] as Entry;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
