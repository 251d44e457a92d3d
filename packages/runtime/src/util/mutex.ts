/**
 * @module util/mutex
 * Promise-chain locks. `Mutex` serializes one critical section (IPAM file read-modify-write);
 * `KeyedMutex` serializes work per key (one container's attach/detach) while letting different
 * keys run in parallel. A failing section does not poison the lock.
 */

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const result = prev.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Drop the entry once idle so the map does not grow with every container ever seen.
    void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key); });
    return result;
  }
}
