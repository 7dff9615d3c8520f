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
