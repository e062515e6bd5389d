/**
 * Signature batching (a speed-up: src/verify/signature-batch.ts). What its benefit rests on, and
 * what docs/performance.md measured: the checks deferred within one turn of the event loop run
 * back to back, and only then do the requests they belong to continue; one check's failure is
 * its own request's alone; a burst is cut into bounded batches so the first request of a large
 * burst does not wait for all of it.
 */
import { describe, expect, it } from 'vitest';
import { SignatureBatch } from '../../src/verify/signature-batch.js';

describe('SignatureBatch', () => {
  it('checks deferred in one turn run back to back, and then the requests continue', async () => {
    const batch = new SignatureBatch();
    const order: string[] = [];
    const requests = [1, 2, 3].map((n) =>
      batch
        .defer(() => {
          order.push(`check ${n}`);
          return n;
        })
        .then((value) => order.push(`continue ${value}`)),
    );
    expect(order).toEqual([]); // nothing runs before the end of this turn
    await Promise.all(requests);
    expect(order).toEqual(['check 1', 'check 2', 'check 3', 'continue 1', 'continue 2', 'continue 3']);
  });

  it('checks deferred from separate I/O callbacks of one turn share a batch', async () => {
    const batch = new SignatureBatch();
    const order: string[] = [];
    // Two timers due at once fire in the same timers phase, before the batch runs in the check phase.
    await new Promise<void>((done) => {
      let pending = 2;
      for (const n of [1, 2]) {
        setTimeout(() => {
          void batch
            .defer(() => order.push(`check ${n}`))
            .then(() => {
              order.push(`continue ${n}`);
              if (--pending === 0) done();
            });
        }, 5);
      }
    });
    expect(order).toEqual(['check 1', 'check 2', 'continue 1', 'continue 2']);
  });

  it("a check that throws rejects its own request only; a check's promise is passed through", async () => {
    const batch = new SignatureBatch();
    const results = await Promise.allSettled([
      batch.defer(() => 'a'),
      batch.defer(() => {
        throw new Error('bad signature');
      }),
      batch.defer(async () => 'c'),
    ]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'a' },
      { status: 'rejected', reason: new Error('bad signature') },
      { status: 'fulfilled', value: 'c' },
    ]);
  });

  it('a burst is cut into batches of 64: the first continue before the rest are checked', async () => {
    const batch = new SignatureBatch();
    const order: string[] = [];
    await Promise.all(
      Array.from({ length: 100 }, (_, n) =>
        batch.defer(() => order.push(`check ${n}`)).then(() => order.push(`continue ${n}`)),
      ),
    );
    expect(order.indexOf('continue 0')).toBeLessThan(order.indexOf('check 64'));
    expect(order.indexOf('check 63')).toBeLessThan(order.indexOf('continue 0'));
  });
});
