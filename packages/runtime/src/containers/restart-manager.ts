/**
 * @module containers/restart-manager
 * Pending automatic restarts: one unref'd timer per container between an exit and the policy's
 * restart, plus the last backoff delay (in memory, like moby's restartmanager). A `stop`, `rm` or
 * manual `start` cancels the timer; the callback itself re-checks the record under the lock.
 */
export class RestartManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delays = new Map<string, number>();

  /** The delay used for the previous restart of `id`, 0 when none. */
  lastDelay(id: string): number {
    return this.delays.get(id) ?? 0;
  }

  schedule(id: string, delayMs: number, fn: () => Promise<void>): void {
    this.cancel(id);
    this.delays.set(id, delayMs);
    const t = setTimeout(() => {
      this.timers.delete(id);
      void fn();
    }, delayMs);
    t.unref();
    this.timers.set(id, t);
  }

  isPending(id: string): boolean {
    return this.timers.has(id);
  }

  cancel(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  /** A manual start or removal: the backoff starts over. */
  reset(id: string): void {
    this.cancel(id);
    this.delays.delete(id);
  }

  cancelAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
