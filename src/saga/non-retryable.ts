const BRAND = Symbol.for('polystore.saga.nonRetryable');

/**
 * Marks what a forward step throws as final: the step is not attempted
 * again (a declined card, an item out of stock: business refusals that
 * retrying cannot change) and the saga compensates at once. Compensations
 * always retry: they must happen.
 *
 * @example
 * run: async ({ tx, input }) => {
 *   const item = await tx.entity('products').get(input.sku, { lock: true });
 *   if (!item || item.stock < input.qty) throw nonRetryable(`out of stock: ${input.sku}`);
 * }
 */
export function nonRetryable(error: Error | string): Error {
  const err = typeof error === 'string' ? new Error(error) : error;
  Object.defineProperty(err, BRAND, { value: true });
  return err;
}

/** Whether `error` was marked by {@link nonRetryable}. */
export function isNonRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}
