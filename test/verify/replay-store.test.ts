/**
 * The in-memory replay store: a key is refused while its window lasts; the store stays within
 * `maxEntries`, and what it had to forget (the entries whose windows end first) it refuses from
 * then on rather than let a forgotten proof through. Time is the fake clock's, moved by hand.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { memoryReplayStore } from '../../src/index.js';

const T0 = Date.parse('2026-12-03T12:00:00Z');

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A proof accepted now whose window ends at T0 + `endsIn`; a replay later names the same end. */
const markEndingAt = (store: ReturnType<typeof memoryReplayStore>, key: string, endsIn: number) =>
  store.markUsed(key, T0 + endsIn - Date.now());

describe('memoryReplayStore', () => {
  it('refuses a key while its window lasts, and takes it again once the window has ended', () => {
    const store = memoryReplayStore();
    expect(store.markUsed('a', 60_000)).toBe(true);
    expect(store.markUsed('a', 60_000)).toBe(false);
    vi.advanceTimersByTime(59_999);
    expect(store.markUsed('a', 1)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(store.markUsed('a', 60_000)).toBe(true);
  });

  it('when full, forgets the entry whose window ends first, and refuses anything ending as soon from then on', () => {
    const store = memoryReplayStore({ maxEntries: 2 });
    expect(markEndingAt(store, 'a', 10_000)).toBe(true);
    expect(markEndingAt(store, 'b', 600_000)).toBe(true); // a proof dated ahead: the longest window
    expect(markEndingAt(store, 'c', 300_000)).toBe(true); // over the bound: 'a' is forgotten
    vi.advanceTimersByTime(2_000);
    // 'a' replayed: forgotten, and still refused; so is any proof whose window ends no later.
    expect(markEndingAt(store, 'a', 10_000)).toBe(false);
    expect(markEndingAt(store, 'a2', 10_500)).toBe(false);
    // The entries kept are refused as replays; 'b', with the longest window, was kept.
    expect(markEndingAt(store, 'b', 600_000)).toBe(false);
    expect(markEndingAt(store, 'c', 300_000)).toBe(false);
    // A fresh proof is accepted; now 'c' (ends before it and before 'b') is forgotten.
    expect(markEndingAt(store, 'd', 302_000)).toBe(true);
    expect(markEndingAt(store, 'c', 300_000)).toBe(false);
    expect(markEndingAt(store, 'c2', 299_000)).toBe(false);
    expect(markEndingAt(store, 'd', 302_000)).toBe(false);
    expect(markEndingAt(store, 'b', 600_000)).toBe(false);
    // Had 'b' (dated ahead) been forgotten instead, every proof ending before it would now be refused.
    expect(markEndingAt(store, 'e', 303_000)).toBe(true);
  });

  it('entries whose window has ended make room without raising the bar', () => {
    const store = memoryReplayStore({ maxEntries: 2 });
    expect(markEndingAt(store, 'a', 1_000)).toBe(true);
    expect(markEndingAt(store, 'b', 2_000)).toBe(true);
    vi.advanceTimersByTime(5_000);
    // Both ended: nothing live is forgotten, so proofs ending soon after are still taken.
    expect(markEndingAt(store, 'c', 6_000)).toBe(true);
    expect(markEndingAt(store, 'd', 6_500)).toBe(true);
    expect(markEndingAt(store, 'c', 6_000)).toBe(false);
    expect(markEndingAt(store, 'd', 6_500)).toBe(false);
  });

  it('under a flood of twice the live proofs it holds: every fresh proof taken, none twice', () => {
    const store = memoryReplayStore({ maxEntries: 1_000 });
    const accepted: number[] = [];
    // 20,000 proofs, 100 per second, each with a 300 s window: twice the live proofs the store holds.
    for (let i = 0; i < 20_000; i++) {
      if (i % 100 === 0) vi.advanceTimersByTime(1_000);
      const endsIn = Math.floor(i / 100) * 1_000 + 300_000;
      if (markEndingAt(store, `p${i}`, endsIn)) accepted.push(i);
    }
    expect(accepted).toHaveLength(20_000); // fresh proofs are never refused
    // Every one of them replayed now: none is taken again, remembered or forgotten.
    for (const i of [0, 1, 5_000, 15_000, 19_000, 19_999]) {
      expect(markEndingAt(store, `p${i}`, Math.floor(i / 100) * 1_000 + 300_000)).toBe(false);
    }
  });

  it('refuses a maxEntries that is not a positive integer, naming it', () => {
    expect(() => memoryReplayStore({ maxEntries: 0 })).toThrow(/maxEntries must be a positive integer, got 0/);
    expect(() => memoryReplayStore({ maxEntries: 1.5 })).toThrow(/maxEntries/);
  });
});
