import type { OperationMeter } from '../runtime/operation-meter.js';
import { OPERATION_BUCKETS_SECONDS } from './metric-families.js';
import type { Sample } from './scrape-round.js';

/** One store and operation's latency histogram and failures. */
interface Cell {
  readonly buckets: Float64Array;
  sum: number;
  count: number;
  errors: number;
}

const BOUNDS = OPERATION_BUCKETS_SECONDS;
const LE = [...BOUNDS.map(String), '+Inf'];

/**
 * The meter the router reports to (`db.instrument`): store call latency and
 * failures, failed operations by code, and cache reads answered by the cache
 * or the home, counted in this process. Kept in plain arrays and maps, found
 * by name without building a label key, so that measuring a cache hit of a
 * microsecond or two costs a small part of it; exported through
 * {@link CustomFamily} at scrape time.
 */
export class OperationMetrics implements OperationMeter {
  readonly #cells = new Map<string, Map<string, Cell>>();
  readonly #errors = new Map<string, number>();
  readonly #hits = new Map<string, number>();
  readonly #fallbacks = new Map<string, number>();

  storeCall(store: string, operation: string, seconds: number, failed: boolean): void {
    let byOperation = this.#cells.get(store);
    if (!byOperation) {
      byOperation = new Map();
      this.#cells.set(store, byOperation);
    }
    let cell = byOperation.get(operation);
    if (!cell) {
      cell = { buckets: new Float64Array(BOUNDS.length + 1), sum: 0, count: 0, errors: 0 };
      byOperation.set(operation, cell);
    }
    let i = 0;
    while (i < BOUNDS.length && seconds > BOUNDS[i]!) i++;
    cell.buckets[i]!++;
    cell.sum += seconds;
    cell.count++;
    if (failed) cell.errors++;
  }

  cacheReads(view: string, hits: number, fallbacks: number): void {
    if (hits > 0) this.#hits.set(view, (this.#hits.get(view) ?? 0) + hits);
    if (fallbacks > 0) this.#fallbacks.set(view, (this.#fallbacks.get(view) ?? 0) + fallbacks);
  }

  failed(code: string): void {
    this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
  }

  /** The samples of one family this meter keeps (see {@link OPERATION_FAMILIES}). */
  samples(family: string): Sample[] {
    if (family === 'polystore_store_operation_duration_seconds') return this.#durations(family);
    if (family === 'polystore_store_operation_errors_total') {
      return this.#each().flatMap(({ labels, cell }) =>
        cell.errors > 0 ? [{ family, labels, value: cell.errors }] : [],
      );
    }
    const [label, counts] =
      family === 'polystore_errors_total'
        ? ['code', this.#errors]
        : family === 'polystore_cache_hits_total'
          ? ['view', this.#hits]
          : ['view', this.#fallbacks];
    return [...counts].map(([key, value]) => ({ family, labels: { [label]: key }, value }));
  }

  #durations(family: string): Sample[] {
    const out: Sample[] = [];
    for (const { labels, cell } of this.#each()) {
      let cumulative = 0;
      cell.buckets.forEach((n, i) => {
        cumulative += n;
        out.push({ family, suffix: '_bucket', labels: { ...labels, le: LE[i]! }, value: cumulative });
      });
      out.push({ family, suffix: '_sum', labels, value: cell.sum });
      out.push({ family, suffix: '_count', labels, value: cell.count });
    }
    return out;
  }

  #each(): { labels: { store: string; operation: string }; cell: Cell }[] {
    return [...this.#cells].flatMap(([store, byOperation]) =>
      [...byOperation].map(([operation, cell]) => ({ labels: { store, operation }, cell })),
    );
  }
}

/** The families an {@link OperationMetrics} keeps (the others are read at scrape time). */
export const OPERATION_FAMILIES: ReadonlySet<string> = new Set([
  'polystore_store_operation_duration_seconds',
  'polystore_store_operation_errors_total',
  'polystore_errors_total',
  'polystore_cache_hits_total',
  'polystore_cache_fallbacks_total',
]);
