/**
 * @module images/async-mutex
 * An in-process FIFO mutex for async critical sections. It serializes read-modify-write sequences
 * on shared metadata (image store, tag moves); it is not a cross-process lock.
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` after every previously queued holder finished; a throwing holder does not wedge the queue. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(() => fn());
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }
}
