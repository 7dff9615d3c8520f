/**
 * One figure a store reports about itself (pool sizes, server counters,
 * memory), read when metrics are scraped. `name` is a metric family of
 * docs/metrics.md; labels are bounded names (a replication slot, a status),
 * never ids or values.
 */
export interface StoreMetric {
  readonly name: string;
  readonly value: number;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The optional capability of a store that can report figures about itself.
 * A store without it is measured from Polystore's side only (the latency and
 * errors of the calls the router makes to it).
 *
 * @example
 * const figures = await store.collectMetrics?.(); // [{ name: 'polystore_redis_memory_used_bytes', value: 1048576 }]
 */
export interface StoreMetricsSource {
  collectMetrics(): Promise<readonly StoreMetric[]>;
}
