/**
 * A bounded map whose entries end at their own expiry; when full, the oldest entry goes first.
 * Keys are whatever the caller derives from a token, never a token kept for its own sake.
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps `value` until `expiresAt` (ms since the epoch); nothing is stored for a time already past. */
  set(key: string, value: V, expiresAt: number, now = Date.now()): void {
    if (expiresAt <= now || this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    if (this.entries.size > this.maxEntries) {
      // Map iteration is insertion order: the first key is the oldest.
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
