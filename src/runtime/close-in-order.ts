/**
 * Runs each closing step in order, going on past a failing one (every store
 * gets its chance to close), then throws the first failure, if any.
 *
 * @example
 * await closeInOrder([() => sync.stop(), () => store.close(), () => home.close()]);
 */
export async function closeInOrder(steps: readonly (() => Promise<void>)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw failures[0];
}
