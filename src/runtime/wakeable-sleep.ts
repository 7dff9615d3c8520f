/**
 * Sleeps `ms` milliseconds; `onWake` receives a function that ends the sleep
 * early (a poll loop hands it to whoever has new work for it).
 *
 * @example
 * await wakeableSleep(pollIntervalMs, (wake) => {
 *   this.#wake = wake;
 * });
 */
export function wakeableSleep(ms: number, onWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      resolve();
    }
    onWake(done);
  });
}

/**
 * Sleeps any number of loops share, all ended at once by `wakeAll()` (a stop,
 * or new work): the wake functions of sleeps in progress, kept only while
 * they sleep.
 *
 * @example
 * const naps = new SharedNaps();
 * await naps.sleep(pollMs); // in a loop
 * naps.wakeAll();           // on stop
 */
export class SharedNaps {
  readonly #wakers = new Set<() => void>();

  async sleep(ms: number): Promise<void> {
    let waker: (() => void) | undefined;
    await wakeableSleep(ms, (wake) => {
      waker = wake;
      this.#wakers.add(wake);
    });
    if (waker) this.#wakers.delete(waker);
  }

  wakeAll(): void {
    for (const wake of [...this.#wakers]) wake();
  }
}
