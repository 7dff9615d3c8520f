/**
 * What the router reports about each operation it runs, for metrics
 * (`polystoreMetrics` in src/metrics/ attaches one with `db.instrument`).
 * Labels are names from the configuration (stores, views) and fixed
 * operation names, never ids or values.
 */
export interface OperationMeter {
  /** A call the router made to a store (`home` or a configured store name): its duration and whether it failed. */
  storeCall(store: string, operation: string, seconds: number, failed: boolean): void;
  /** Reads by id through a cache view: how many the cache answered and how many went to the home. */
  cacheReads(view: string, hits: number, fallbacks: number): void;
  /** An operation of the public API failed with this error code. */
  failed(code: string): void;
}

/** Where the router finds the meter attached now (none: nothing is measured, at no cost). */
export interface MeterSlot {
  current: OperationMeter | undefined;
}

/** The code an error is counted under: its catalogue code, or `uncoded` for an error from elsewhere (the caller's own code, a driver). */
export function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('PS_ERR_') ? code : 'uncoded';
}

/**
 * Runs a store call, timing it when a meter is attached.
 *
 * @example
 * const rows = await timedCall(ctx.meter, 'home', 'find', () => home.find(spec, filter, options));
 */
export function timedCall<R>(slot: MeterSlot, store: string, operation: string, call: () => Promise<R>): Promise<R> {
  const meter = slot.current;
  if (!meter) return call();
  const started = performance.now();
  const done = (failed: boolean) => meter.storeCall(store, operation, (performance.now() - started) / 1000, failed);
  let pending: Promise<R>;
  try {
    pending = call();
  } catch (err) {
    done(true);
    throw err;
  }
  return pending.then(
    (value) => {
      done(false);
      return value;
    },
    (err: unknown) => {
      done(true);
      throw err;
    },
  );
}

/** `promise`, counting its failure by code when a meter is attached. */
export function countFailure<R>(slot: MeterSlot, promise: Promise<R>): Promise<R> {
  const meter = slot.current;
  if (!meter) return promise;
  return promise.catch((err: unknown) => {
    meter.failed(errorCodeOf(err));
    throw err;
  });
}
