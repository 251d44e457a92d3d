/**
 * @module containers/wait-registry
 * Waiters for container exits and removals (Docker's wait conditions). The exit handler and the
 * remove path notify; waiters registered before `start` never miss a fast exit.
 */
import type { WaitCondition, WaitResult } from './container-types.js';

interface Waiter { cond: WaitCondition; resolve: (r: WaitResult) => void }

export class WaitRegistry {
  private readonly waiters = new Map<string, Set<Waiter>>();

  add(id: string, cond: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { cond, resolve };
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      set.add(w);
      signal?.addEventListener('abort', () => {
        set!.delete(w);
        reject(signal.reason ?? new Error('aborted'));
      }, { once: true });
    });
  }

  /** The container's task exited. */
  exited(id: string, result: WaitResult): void {
    this.settle(id, result, (c) => c !== 'removed');
  }

  /** The container record is gone: every waiter ends. */
  removed(id: string, result: WaitResult): void {
    this.settle(id, result, () => true);
    this.waiters.delete(id);
  }

  private settle(id: string, result: WaitResult, match: (c: WaitCondition) => boolean): void {
    const set = this.waiters.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (match(w.cond)) { set.delete(w); w.resolve(result); }
    }
  }
}
