import type { Counter, Histogram, Registry } from 'prom-client';
import type { OperationMeter } from '../runtime/operation-meter.js';
import { METRIC_FAMILIES, OPERATION_BUCKETS_SECONDS } from './metric-families.js';

type PromClient = typeof import('prom-client');

/**
 * The meter the router reports to (`db.instrument`), kept in prom-client
 * instruments of this process: store call latency and failures, failed
 * operations by code, and cache reads answered by the cache or the home.
 */
export class OperationMetrics implements OperationMeter {
  readonly #duration: Histogram<'store' | 'operation'>;
  readonly #storeErrors: Counter<'store' | 'operation'>;
  readonly #errors: Counter<'code'>;
  readonly #hits: Counter<'view'>;
  readonly #fallbacks: Counter<'view'>;

  constructor(prom: PromClient, registry: Registry) {
    const help = (name: string) => METRIC_FAMILIES.find((f) => f.name === name)!.help;
    const registers = [registry];
    this.#duration = new prom.Histogram({
      name: 'polystore_store_operation_duration_seconds',
      help: help('polystore_store_operation_duration_seconds'),
      labelNames: ['store', 'operation'],
      buckets: [...OPERATION_BUCKETS_SECONDS],
      registers,
    });
    this.#storeErrors = new prom.Counter({
      name: 'polystore_store_operation_errors_total',
      help: help('polystore_store_operation_errors_total'),
      labelNames: ['store', 'operation'],
      registers,
    });
    this.#errors = new prom.Counter({
      name: 'polystore_errors_total',
      help: help('polystore_errors_total'),
      labelNames: ['code'],
      registers,
    });
    this.#hits = new prom.Counter({
      name: 'polystore_cache_hits_total',
      help: help('polystore_cache_hits_total'),
      labelNames: ['view'],
      registers,
    });
    this.#fallbacks = new prom.Counter({
      name: 'polystore_cache_fallbacks_total',
      help: help('polystore_cache_fallbacks_total'),
      labelNames: ['view'],
      registers,
    });
  }

  storeCall(store: string, operation: string, seconds: number, failed: boolean): void {
    this.#duration.observe({ store, operation }, seconds);
    if (failed) this.#storeErrors.inc({ store, operation });
  }

  cacheReads(view: string, hits: number, fallbacks: number): void {
    if (hits > 0) this.#hits.inc({ view }, hits);
    if (fallbacks > 0) this.#fallbacks.inc({ view }, fallbacks);
  }

  failed(code: string): void {
    this.#errors.inc({ code });
  }
}
