/**
 * Resource-server DPoP nonces: good for the window they were issued in and the next, accepted by
 * every instance with the same secret, and refused (`use_dpop_nonce`) once stale or forged.
 */
import { describe, expect, it } from 'vitest';
import { DpopNonces } from '../../src/verify/dpop-nonce.js';

const SECRET = 'a-nonce-secret-of-at-least-32-characters';
const T0 = Date.parse('2026-12-03T12:00:00Z');
const WINDOW_MS = 300_000;

const refusal = (f: () => void) => {
  try {
    f();
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  return undefined;
};

describe('DpopNonces', () => {
  it('a nonce is good in its window and the next, stale after, and the same on every instance', () => {
    const one = new DpopNonces(SECRET, 300);
    const nonce = one.current(T0);
    expect(new DpopNonces(SECRET, 300).current(T0)).toBe(nonce);
    expect(refusal(() => one.check(nonce, T0))).toBeUndefined();
    expect(refusal(() => one.check(nonce, T0 + WINDOW_MS))).toBeUndefined();
    expect(one.current(T0 + WINDOW_MS)).not.toBe(nonce);
    expect(refusal(() => one.check(nonce, T0 + 2 * WINDOW_MS))).toEqual({
      code: 'use_dpop_nonce',
      message: 'The DPoP nonce is stale',
    });
    // Windows move on and back (as several requests' clocks may): each answer is the same as before.
    const later = one.current(T0 + 3 * WINDOW_MS);
    expect(one.current(T0)).toBe(nonce);
    expect(one.current(T0 + 3 * WINDOW_MS)).toBe(later);
    expect(refusal(() => one.check(later, T0 + 4 * WINDOW_MS))).toBeUndefined();
  });

  it('refuses a missing nonce, and one made with another secret', () => {
    const nonces = new DpopNonces(SECRET, 300);
    expect(refusal(() => nonces.check(undefined, T0))).toEqual({
      code: 'use_dpop_nonce',
      message: 'This resource requires a DPoP nonce',
    });
    const forged = new DpopNonces(`${SECRET}-other`, 300).current(T0);
    expect(refusal(() => nonces.check(forged, T0))?.code).toBe('use_dpop_nonce');
    expect(refusal(() => nonces.check(42, T0))?.code).toBe('use_dpop_nonce');
  });
});
