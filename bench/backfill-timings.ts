import type { HomeStore, ViewStoreBase } from '../src/index.js';

/** Where a backfill's time went, in ms, summed over its chunks. */
export interface BackfillBreakdown {
  /** `home.scanRows`: the keyset reads of the home. */
  readonly scanMs: number;
  /** The view store's `applyIfNewer` of each chunk (the Redis script). */
  readonly applyMs: number;
  /** The view store's `flush` after each chunk. */
  readonly flushMs: number;
  /** `home.writeState`: the compare-and-set save of the backfill record after each chunk (and its claim). */
  readonly saveMs: number;
  /** Records per chunk, in order. */
  readonly chunkSizes: readonly number[];
  /** Each chunk's time from the start of its scan to the end of its save. */
  readonly chunkMs: readonly number[];
}

/**
 * Times the calls a backfill makes, by wrapping the home and the view store
 * in Proxies (their code runs unchanged). Projectors share the view store:
 * an apply counts as the backfill's when it carries exactly the rows of the
 * scan that just ended, and a flush when it follows that apply before the
 * record is saved; the backfill does these one after the other.
 */
export class BackfillTimings {
  #scanMs = 0;
  #applyMs = 0;
  #flushMs = 0;
  #saveMs = 0;
  #chunkSizes: number[] = [];
  #chunkMs: number[] = [];
  /** Rows of the last scan whose apply has not been seen yet; -1 when none. */
  #scanned = -1;
  /** When the scan of the chunk not saved yet started; -1 when none. */
  #chunkStarted = -1;
  #applied = false;

  /** The sums since the last call, which starts a new count. */
  take(): BackfillBreakdown {
    const out = {
      scanMs: this.#scanMs,
      applyMs: this.#applyMs,
      flushMs: this.#flushMs,
      saveMs: this.#saveMs,
      chunkSizes: this.#chunkSizes,
      chunkMs: this.#chunkMs,
    };
    this.#scanMs = this.#applyMs = this.#flushMs = this.#saveMs = 0;
    this.#chunkSizes = [];
    this.#chunkMs = [];
    return out;
  }

  wrapHome<H extends HomeStore>(home: H): H {
    const scanRows: HomeStore['scanRows'] = async (spec, options) => {
      const started = performance.now();
      const rows = await home.scanRows(spec, options);
      this.#scanMs += performance.now() - started;
      this.#chunkSizes.push(rows.length);
      this.#chunkStarted = started;
      this.#scanned = rows.length;
      return rows;
    };
    const writeState: HomeStore['writeState'] = async (key, value, revision) => {
      const started = performance.now();
      const written = await home.writeState(key, value, revision);
      const now = performance.now();
      this.#saveMs += now - started;
      if (this.#chunkStarted >= 0) this.#chunkMs.push(now - this.#chunkStarted);
      this.#chunkStarted = -1;
      this.#applied = false;
      return written;
    };
    return bindProxy(home, { scanRows, writeState });
  }

  wrapStore<S extends ViewStoreBase<unknown>>(store: S): S {
    const applyIfNewer: ViewStoreBase<unknown>['applyIfNewer'] = async (scope, changes) => {
      const ours = changes.length === this.#scanned;
      if (ours) this.#scanned = -1;
      const started = performance.now();
      const result = await store.applyIfNewer(scope, changes);
      if (ours) {
        this.#applyMs += performance.now() - started;
        this.#applied = true;
      }
      return result;
    };
    const flush: ViewStoreBase<unknown>['flush'] = async () => {
      const ours = this.#applied;
      const started = performance.now();
      await store.flush();
      if (ours) this.#flushMs += performance.now() - started;
    };
    return bindProxy(store, { applyIfNewer, flush });
  }
}

/** `target` with some methods replaced and the rest bound to it (so private fields keep working). */
function bindProxy<T extends object>(target: T, overrides: Record<string, unknown>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop];
      const value = Reflect.get(t, prop, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}
