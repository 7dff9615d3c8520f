import { describeError, type Logger } from '../runtime/logger.js';

/** How reads treat a view store that keeps failing. */
export interface BreakerOptions {
  /** Consecutive failed calls that open the breaker (default 3). */
  readonly failureThreshold: number;
  /** How long an open breaker sends reads around the store before one probe call, in ms (default 5000). */
  readonly cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 3, cooldownMs: 5000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `db.health()` reports per view store. */
export interface BreakerStats {
  readonly store: string;
  readonly state: BreakerState;
  /** Calls that failed. */
  readonly failures: number;
  /** Reads answered without the store (it failed, or the breaker was open). */
  readonly bypassed: number;
  /** Epoch ms when the breaker last opened, or null. */
  readonly openedAt: number | null;
}

/** Returned instead of a result when the store was not (successfully) asked. */
export const BYPASS: unique symbol = Symbol('polystore.bypass');

/**
 * A circuit breaker around one view store, for reads that have another way to
 * answer (the home). Closed: calls go through; a failed call answers `BYPASS`,
 * and `failureThreshold` failures in a row open the breaker. Open: calls answer
 * `BYPASS` at once until `cooldownMs` has passed, then one call probes the store
 * (half-open): success closes the breaker, failure opens it again. Each opening
 * and closing is logged once.
 *
 * Calls are not timed here: a store whose server can hang bounds each command
 * itself (the Redis store's `commandTimeout`), failing with
 * `PS_ERR_STORE_UNAVAILABLE`, and embedded stores answer from local memory or
 * disk. A timer per call would cost more than a cache hit does.
 *
 * @example
 * const breaker = new StoreBreaker('redis', DEFAULT_BREAKER, logger);
 * const entry = await breaker.call(() => cache.getVersioned(scope, id));
 * if (entry === BYPASS) return readFromHome(id);
 */
export class StoreBreaker {
  #state: BreakerState = 'closed';
  #consecutive = 0;
  #failures = 0;
  #bypassed = 0;
  #openedAt: number | null = null;
  #probing = false;
  /** Bound once: the closed path allocates nothing per call. */
  readonly #passed = (value: unknown): unknown => {
    if (this.#consecutive !== 0) this.#consecutive = 0;
    return value;
  };
  readonly #bypassedOnFailure = (err: unknown): typeof BYPASS => {
    this.#failed(err, false);
    this.#bypassed++;
    return BYPASS;
  };

  constructor(
    private readonly store: string,
    private readonly options: BreakerOptions,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  stats(): BreakerStats {
    return {
      store: this.store,
      state: this.#currentState(),
      failures: this.#failures,
      bypassed: this.#bypassed,
      openedAt: this.#openedAt,
    };
  }

  /** Runs `call` through the breaker; `BYPASS` when the store failed or is skipped. */
  call<R>(call: () => Promise<R>): Promise<R | typeof BYPASS> {
    if (this.#state === 'closed') {
      return (invoke(call) as Promise<unknown>).then(this.#passed, this.#bypassedOnFailure) as Promise<
        R | typeof BYPASS
      >;
    }
    if (!this.available) {
      this.#bypassed++;
      return Promise.resolve(BYPASS);
    }
    return this.#probe(call).then(
      (value) => value,
      () => {
        this.#bypassed++;
        return BYPASS;
      },
    );
  }

  /**
   * `call()` for a synchronous read, while the breaker is closed: its value,
   * or `BYPASS` when it threw (counted as a failure). `undefined` when the
   * breaker is not closed: use `call()`, which probes.
   */
  callSync<R>(call: () => R): R | typeof BYPASS | undefined {
    if (this.#state !== 'closed') return undefined;
    try {
      return this.#passed(call()) as R;
    } catch (err) {
      return this.#bypassedOnFailure(err);
    }
  }

  /** Whether a call now would reach the store (for reads with no other way to answer: fail fast when false). */
  get available(): boolean {
    if (this.#state === 'closed') return true;
    return this.#currentState() === 'half-open' && !this.#probing;
  }

  /** Counts a read that went around the store without calling it (the breaker was open). */
  bypass(): void {
    this.#bypassed++;
  }

  /** Runs a call that has no other way to answer (a search): counted like `call()`, its failure thrown. */
  track<R>(call: () => Promise<R>): Promise<R> {
    if (this.#state !== 'closed') return this.#probe(call);
    return invoke(call).then(this.#passed as (value: R) => R, (err: unknown) => {
      this.#failed(err, false);
      throw err;
    });
  }

  /** A call while the breaker is not closed: the half-open probe; its outcome closes or reopens the breaker. */
  async #probe<R>(call: () => Promise<R>): Promise<R> {
    this.#probing = true;
    try {
      const result = await invoke(call);
      this.#succeeded();
      return result;
    } catch (err) {
      this.#failed(err, true);
      throw err;
    } finally {
      this.#probing = false;
    }
  }

  #currentState(): BreakerState {
    if (this.#state === 'open' && this.clock() - this.#openedAt! >= this.options.cooldownMs) return 'half-open';
    return this.#state;
  }

  #succeeded(): void {
    this.#consecutive = 0;
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.logger.info({ store: this.store }, 'view store answers again; reads use it again');
    }
  }

  #failed(err: unknown, probe: boolean): void {
    this.#failures++;
    this.#consecutive++;
    if (probe || (this.#state === 'closed' && this.#consecutive >= this.options.failureThreshold)) {
      const reopened = this.#state === 'open';
      this.#state = 'open';
      this.#openedAt = this.clock();
      if (!reopened) {
        this.logger.warn(
          { store: this.store, error: describeError(err), cooldownMs: this.options.cooldownMs },
          'view store failing; reads go around it until it answers again',
        );
      }
    }
  }
}

/** Calls `call`, turning a synchronous throw into a rejection. */
function invoke<R>(call: () => Promise<R>): Promise<R> {
  try {
    return call();
  } catch (err) {
    return Promise.reject(err);
  }
}
