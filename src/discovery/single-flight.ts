/**
 * A value loaded once, on first use, by exactly one in-flight load shared by every caller.
 * A failed load is not final: callers get the same error for `retryDelayMs`, then the next
 * caller starts a new load.
 */
export class SingleFlight<T> {
  private loaded: { value: T } | undefined;
  private pending: Promise<T> | undefined;
  private failure: { error: unknown; at: number } | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly retryDelayMs: number,
  ) {}

  get(): Promise<T> {
    if (this.loaded) return Promise.resolve(this.loaded.value);
    if (this.pending) return this.pending;
    if (this.failure && Date.now() - this.failure.at < this.retryDelayMs) return Promise.reject(this.failure.error);
    const pending = this.load().then(
      (value) => {
        this.loaded = { value };
        this.failure = undefined;
        return value;
      },
      (error: unknown) => {
        this.failure = { error, at: Date.now() };
        throw error;
      },
    );
    this.pending = pending;
    // Handles the rejection on this branch; callers handle it on theirs.
    pending.then(
      () => this.clearPending(pending),
      () => this.clearPending(pending),
    );
    return pending;
  }

  /** Seconds until a failed load may be retried (at least 1). */
  retryAfterSeconds(): number {
    if (!this.failure) return 1;
    return Math.max(1, Math.ceil((this.failure.at + this.retryDelayMs - Date.now()) / 1000));
  }

  private clearPending(pending: Promise<T>): void {
    if (this.pending === pending) this.pending = undefined;
  }
}
