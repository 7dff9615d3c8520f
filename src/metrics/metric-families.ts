/**
 * Every metric family Polystore exports: name, type, labels and where the
 * figure comes from. docs/metrics.md documents each one (a test checks it),
 * and alerts/polystore.rules.yml uses only these (a test checks that too).
 *
 * The cardinality budget: labels are names from the configuration (`view`,
 * `store`, `entity`), fixed operation names (`operation`, `stage`), error
 * codes of the catalogue (`code`), and a few bounded enumerations a store or
 * Polystore defines (`state` of a saga, a replication `slot` of the home's
 * database and its `wal_status`). Never an id, a key or a value.
 */
export interface MetricFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labels: readonly string[];
  /** Where the figure comes from (docs/metrics.md). */
  readonly source: string;
}

/** OpenTelemetry's database latency buckets, in seconds. */
export const OPERATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

const family = (
  name: string,
  type: MetricFamily['type'],
  labels: readonly string[],
  help: string,
  source: string,
): MetricFamily => ({ name, type, labels, help, source });

const HOME = 'the home, at scrape time';
const DURABLE = 'the home (durable, the same from any process), at scrape time';
const ROUTER = 'this process: measured where the router calls the store';

export const METRIC_FAMILIES: readonly MetricFamily[] = [
  // Polystore's own measurements of the calls it makes.
  family(
    'polystore_store_operation_duration_seconds',
    'histogram',
    ['store', 'operation'],
    'Duration of calls the router made to a store (home reads and writes, cache gets and fills, searches, graph and analytics queries).',
    ROUTER,
  ),
  family(
    'polystore_store_operation_errors_total',
    'counter',
    ['store', 'operation'],
    'Calls the router made to a store that failed.',
    ROUTER,
  ),
  family(
    'polystore_errors_total',
    'counter',
    ['code'],
    'Operations of the public API (entity reads and writes, searches, queries) that failed, by error code (`uncoded`: not a Polystore error).',
    'this process: the entity, graph and analytics clients',
  ),
  family(
    'polystore_cache_hits_total',
    'counter',
    ['view'],
    'Reads by id a cache view answered.',
    'this process: entity reads',
  ),
  family(
    'polystore_cache_fallbacks_total',
    'counter',
    ['view'],
    'Reads by id of an entity with a cache view that the home answered (a miss, a failing store, an open breaker).',
    'this process: entity reads',
  ),
  family(
    'polystore_store_breaker_open',
    'gauge',
    ['store'],
    '1 while reads go around the store (its breaker is open or probing), else 0.',
    'this process: `db.health()`',
  ),
  family(
    'polystore_store_bypassed_reads_total',
    'counter',
    ['store'],
    'Reads answered without the store because it failed or its breaker was open.',
    'this process: `db.health()`',
  ),
  family(
    'polystore_bounded_reads_total',
    'counter',
    ['view', 'route'],
    'Reads with `maxStalenessMs` by where they went: `view` (fresh enough and served by it), `home_stale` (too stale), `waited` (waited until fresh), `home_cheaper` (fresh enough, but the home was measured faster).',
    'this process: `db.health()`',
  ),
  // Views.
  family(
    'polystore_view_applied_total',
    'counter',
    ['view'],
    'Events applied to the view by every worker (saved every `sync.statsIntervalMs`).',
    DURABLE,
  ),
  family(
    'polystore_view_skipped_total',
    'counter',
    ['view'],
    'Events the view skipped because it already held that version or a newer one.',
    DURABLE,
  ),
  family(
    'polystore_view_dead_lettered_total',
    'counter',
    ['view'],
    'Events the view gave up on and dead-lettered.',
    DURABLE,
  ),
  family(
    'polystore_view_failed_attempts_total',
    'counter',
    ['view'],
    'Failed apply or projection attempts (each retried or dead-lettered).',
    DURABLE,
  ),
  family(
    'polystore_view_event_lag_seconds',
    'histogram',
    ['view', 'stage'],
    'Time from an event’s commit to its apply, by stage: `delivery` (commit to the projector’s fetch: capture, relay and log), `apply` (fetch to applied), `total`.',
    DURABLE,
  ),
  family(
    'polystore_view_lag_p99_seconds',
    'gauge',
    ['view'],
    'The 99th percentile of commit-to-applied lag over the newest samples of the worker that saved last.',
    DURABLE,
  ),
  family(
    'polystore_view_lag_seconds',
    'gauge',
    ['view'],
    'Age of the oldest event the view has not handled (0 when caught up).',
    'the log and the home, at scrape time',
  ),
  family(
    'polystore_view_lag_objective_seconds',
    'gauge',
    ['view'],
    'The lag objective of the view (`polystoreMetrics` option `lagObjectiveSeconds`): the alert rules compare the lag with it.',
    'the `polystoreMetrics` options',
  ),
  family(
    'polystore_view_backlog_events',
    'gauge',
    ['view'],
    'Events (and broker watermarks) the view has not handled yet (the outbox log counts up to 10 000).',
    'the log and the home, at scrape time',
  ),
  family(
    'polystore_view_checkpoint_age_seconds',
    'gauge',
    ['view'],
    'Time since the view’s consumer last acknowledged: grows while nothing flows.',
    'the log, at scrape time',
  ),
  family('polystore_view_dead_letters', 'gauge', ['view'], 'Dead letters the view holds now.', HOME),
  family(
    'polystore_view_backfill_examined_records',
    'gauge',
    ['view'],
    'Records a running or paused backfill of the view has read from the home.',
    HOME,
  ),
  family(
    'polystore_view_backfill_total_records',
    'gauge',
    ['view'],
    'Records the home held when the backfill started (the denominator of its progress).',
    HOME,
  ),
  family(
    'polystore_outbox_events',
    'gauge',
    ['store'],
    'Events in the home’s outbox table (pruned ones excluded).',
    HOME,
  ),
  // The checker.
  family(
    'polystore_check_drift_ratio',
    'gauge',
    ['view'],
    'Drifted records over records checked at the last scheduled check.',
    HOME,
  ),
  family(
    'polystore_check_max_drift_ratio',
    'gauge',
    ['view'],
    'The drift tolerance the last scheduled check applied (`maxDriftRatio`).',
    HOME,
  ),
  family('polystore_check_ok', 'gauge', ['view'], '1 when the last scheduled check was ok, else 0.', HOME),
  family('polystore_check_age_seconds', 'gauge', ['view'], 'Time since the last scheduled check of the view.', HOME),
  // Sagas.
  family(
    'polystore_sagas',
    'gauge',
    ['state'],
    'Sagas in each state a worker or an operator still acts on (`running`, `compensating`, `stuck`), counted up to 1000 each.',
    HOME,
  ),
  // PostgreSQL home.
  family(
    'polystore_postgres_pool_connections',
    'gauge',
    ['store'],
    'Connections the home’s pool holds (busy and idle).',
    'the `pg` pool',
  ),
  family(
    'polystore_postgres_pool_idle_connections',
    'gauge',
    ['store'],
    'Idle connections in the pool.',
    'the `pg` pool',
  ),
  family(
    'polystore_postgres_pool_waiting_clients',
    'gauge',
    ['store'],
    'Callers waiting for a connection from the pool.',
    'the `pg` pool',
  ),
  family(
    'polystore_postgres_pool_max_connections',
    'gauge',
    ['store'],
    'The pool’s largest size (`max`).',
    'the `pg` pool',
  ),
  family(
    'polystore_postgres_xact_commit_total',
    'counter',
    ['store'],
    'Transactions committed in the home’s database (all clients).',
    '`pg_stat_database`',
  ),
  family(
    'polystore_postgres_xact_rollback_total',
    'counter',
    ['store'],
    'Transactions rolled back in the home’s database (all clients).',
    '`pg_stat_database`',
  ),
  family(
    'polystore_postgres_replication_slot_retained_wal_bytes',
    'gauge',
    ['store', 'slot'],
    'WAL the server keeps for a logical replication slot of the home’s database: `pg_current_wal_lsn() - restart_lsn`.',
    '`pg_replication_slots`',
  ),
  family(
    'polystore_postgres_replication_slot_lag_bytes',
    'gauge',
    ['store', 'slot'],
    'WAL written since the slot’s consumer last confirmed: `pg_current_wal_lsn() - confirmed_flush_lsn`.',
    '`pg_replication_slots`',
  ),
  family(
    'polystore_postgres_replication_slot_active',
    'gauge',
    ['store', 'slot'],
    '1 while a client streams from the slot.',
    '`pg_replication_slots`',
  ),
  family(
    'polystore_postgres_replication_slot_wal_status',
    'gauge',
    ['store', 'slot', 'wal_status'],
    '1 for the slot’s current `wal_status` (`reserved`, `extended`, `unreserved`, `lost`), 0 for the others.',
    '`pg_replication_slots`',
  ),
  // MariaDB / MySQL home.
  family(
    'polystore_mysql_threads_connected',
    'gauge',
    ['store'],
    'Open connections to the server (all clients).',
    '`SHOW GLOBAL STATUS` `Threads_connected`',
  ),
  family(
    'polystore_mysql_rollbacks_total',
    'counter',
    ['store'],
    'ROLLBACK statements the server ran (all clients).',
    '`SHOW GLOBAL STATUS` `Com_rollback`',
  ),
  family(
    'polystore_mysql_commits_total',
    'counter',
    ['store'],
    'COMMIT statements the server ran (all clients).',
    '`SHOW GLOBAL STATUS` `Com_commit`',
  ),
  family(
    'polystore_mysql_slow_queries_total',
    'counter',
    ['store'],
    'Queries slower than the server’s `long_query_time`.',
    '`SHOW GLOBAL STATUS` `Slow_queries`',
  ),
  // Redis.
  family('polystore_redis_memory_used_bytes', 'gauge', ['store'], 'Memory Redis uses.', 'Redis `INFO memory`'),
  family(
    'polystore_redis_memory_max_bytes',
    'gauge',
    ['store'],
    'Redis `maxmemory` (0: no limit).',
    'Redis `INFO memory`',
  ),
  family('polystore_redis_evicted_keys_total', 'counter', ['store'], 'Keys Redis evicted.', 'Redis `INFO stats`'),
  family(
    'polystore_redis_keyspace_hits_total',
    'counter',
    ['store'],
    'Key lookups that found a key.',
    'Redis `INFO stats`',
  ),
  family(
    'polystore_redis_keyspace_misses_total',
    'counter',
    ['store'],
    'Key lookups that found nothing.',
    'Redis `INFO stats`',
  ),
  family(
    'polystore_redis_connected_clients',
    'gauge',
    ['store'],
    'Clients connected to Redis.',
    'Redis `INFO clients`',
  ),
  // Embedded stores.
  family(
    'polystore_search_documents',
    'gauge',
    ['store'],
    'Documents the search store holds, every view and generation together.',
    'the Orama store',
  ),
  family(
    'polystore_store_size_bytes',
    'gauge',
    ['store'],
    'Bytes an embedded store takes on disk.',
    'the DuckDB and Kuzu files',
  ),
  family(
    'polystore_process_heap_used_bytes',
    'gauge',
    [],
    'V8 heap in use by this process (embedded search indexes live there).',
    '`process.memoryUsage()`',
  ),
  // The scrape itself.
  family(
    'polystore_scrape_collector_up',
    'gauge',
    ['store'],
    '1 when the collector of a store (or `polystore` for the sync, checker and saga figures) answered within its budget, else 0.',
    'this scrape',
  ),
  family(
    'polystore_scrape_collector_duration_seconds',
    'gauge',
    ['store'],
    'How long the collector took in this scrape (at most its budget).',
    'this scrape',
  ),
];

export const METRIC_FAMILY_NAMES: ReadonlySet<string> = new Set(METRIC_FAMILIES.map((f) => f.name));
