/**
 * Signature checks deferred to the end of the current turn of the event loop and run there back
 * to back, one after another; the requests they belong to then continue together, as their
 * promises settle after the loop. What this buys, and the run that shows it: docs/performance.md.
 */

/** Checks per batch: bounds how long the first request of a large burst waits (64 ES256 checks: about 5 ms). */
const MAX_BATCH = 64;

export class SignatureBatch {
  private waiting: (() => void)[] = [];

  /** Runs `check` in the next batch; its result (or what it throws) settles the promise. */
  defer<T>(check: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        try {
          resolve(check());
        } catch (error) {
          reject(error);
        }
      };
      if (this.waiting.push(run) === 1) setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    // A bounded batch: those beyond it go in the next turn, after these requests have continued.
    const batch = this.waiting.splice(0, MAX_BATCH);
    if (this.waiting.length > 0) setImmediate(this.flush);
    for (const run of batch) run();
  };
}
