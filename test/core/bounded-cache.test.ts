import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../src/core/bounded-cache.js';

describe('BoundedCache', () => {
  it('is bounded: the oldest entry goes first; an expired entry is not stored', () => {
    const cache = new BoundedCache<string>(2);
    const later = Date.now() + 60_000;
    cache.set('a', 'A', later);
    cache.set('b', 'B', later);
    cache.set('c', 'C', later);
    expect(cache.size).toBe(2);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'B', 'C']);
    cache.set('d', 'D', Date.now() - 1); // already expired: not stored
    expect(cache.get('d')).toBeUndefined();
  });

  it('an entry ends at its own expiry', () => {
    const cache = new BoundedCache<string>(5);
    const now = Date.now();
    cache.set('a', 'A', now + 100, now);
    expect(cache.get('a', now + 99)).toBe('A');
    expect(cache.get('a', now + 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
