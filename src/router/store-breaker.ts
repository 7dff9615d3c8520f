import { PolystoreError } from '../errors/index.js';
import { describeError, type Logger } from '../runtime/logger.js';

/** How a read treats a view store that fails or hangs. */
export interface BreakerOptions {
  /** Longest wait for one view-store call before the read goes around it, in ms (default 1000). */
  readonly timeoutMs: number;
  /** Consecutive failures (errors or timeouts) that open the breaker (default 3). */
  readonly failureThreshold: number;
  /** How long an open breaker sends reads around the store before one probe call, in ms (default 5000). */
  readonly cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { timeoutMs: 1000, failureThreshold: 3, cooldownMs: 5000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What `db.health()` reports per view store. */
export interface BreakerStats {
  readonly store: string;
  readonly state: BreakerState;
  /** Calls that failed or timed out. */
  readonly failures: number;
  /** Reads answered without the store (it failed, timed out, or the breaker was open). */
  readonly bypassed: number;
  /** Epoch ms when the breaker last opened, or null. */
  readonly openedAt: number | null;
}

/** Returned instead of a result when the store was not (successfully) asked. */
export const BYPASS: unique symbol = Symbol('polystore.bypass');

/**
 * A circuit breaker around one view store, for reads that have another way to
 * answer (the home). Closed: calls go through, each bounded by `timeoutMs`; a
 * failure or timeout answers `BYPASS`, and `failureThreshold` of them in a row
 * open the breaker. Open: calls answer `BYPASS` at once until `cooldownMs` has
 * passed, then one call probes the store (half-open): success closes the
 * breaker, failure opens it again. Each opening and closing is logged once.
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

  /** Runs `call` through the breaker; `BYPASS` when the store failed, hung or is skipped. */
  async call<R>(call: () => Promise<R>): Promise<R | typeof BYPASS> {
    if (!this.available) {
      this.#bypassed++;
      return BYPASS;
    }
    try {
      return await this.#run(call);
    } catch {
      this.#bypassed++;
      return BYPASS;
    }
  }

  /** Whether a call now would reach the store (for reads with no other way to answer: fail fast when false). */
  get available(): boolean {
    const state = this.#currentState();
    return state === 'closed' || (state === 'half-open' && !this.#probing);
  }

  /** Counts a read that went around the store without calling it (the breaker was open). */
  bypass(): void {
    this.#bypassed++;
  }

  /**
   * Runs a call that has no other way to answer (a search): bounded by the
   * timeout and counted like `call()`, but its failure is thrown
   * (`PS_ERR_STORE_UNAVAILABLE` for a timeout).
   */
  async track<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await this.#run(call);
    } catch (err) {
      if (!(err instanceof StoreTimeout)) throw err;
      throw new PolystoreError('PS_ERR_STORE_UNAVAILABLE', `The ${this.store} view store gave ${err.message}`, {
        fix: 'check the store; reads go around it while it keeps failing',
        cause: err,
      });
    }
  }

  /** One call, bounded by the timeout; a half-open breaker lets it through as its probe. */
  async #run<R>(call: () => Promise<R>): Promise<R> {
    const probe = this.#currentState() === 'half-open';
    if (probe) this.#probing = true;
    try {
      const result = await withTimeout(call(), this.options.timeoutMs);
      this.#succeeded();
      return result;
    } catch (err) {
      this.#failed(err, probe);
      throw err;
    } finally {
      if (probe) this.#probing = false;
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

class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function withTimeout<R>(promise: Promise<R>, ms: number): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(ms)), ms);
  });
  // A call that loses the race settles later: keep its rejection from going unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
