import type { StoreMetric } from '../../contracts/store-metrics.js';

/** `INFO` fields exported, by field name. */
const FIELDS: Readonly<Record<string, string>> = {
  used_memory: 'polystore_redis_memory_used_bytes',
  maxmemory: 'polystore_redis_memory_max_bytes',
  evicted_keys: 'polystore_redis_evicted_keys_total',
  keyspace_hits: 'polystore_redis_keyspace_hits_total',
  keyspace_misses: 'polystore_redis_keyspace_misses_total',
  connected_clients: 'polystore_redis_connected_clients',
};

/**
 * The figures of one `INFO` reply (sections memory, stats and clients are
 * enough): memory used and its limit, evictions, keyspace hits and misses,
 * connected clients. Server-wide: a server shared by several applications
 * reports all of them.
 *
 * @example
 * redisMetrics(await client.info()); // [{ name: 'polystore_redis_memory_used_bytes', value: 1048576 }, ...]
 */
export function redisMetrics(info: string): StoreMetric[] {
  const out: StoreMetric[] = [];
  for (const line of info.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = FIELDS[line.slice(0, colon)];
    const value = Number(line.slice(colon + 1).trim());
    if (name && Number.isFinite(value)) out.push({ name, value });
  }
  return out;
}
