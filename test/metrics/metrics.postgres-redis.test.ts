import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import {
  cacheView,
  createPolystore,
  defineSaga,
  type PolystoreMetrics,
  polystoreMetrics,
  searchView,
  silentLogger,
} from '../../src/index.js';
import { ruleMetricNames } from '../support/alert-rule-names.js';
import { itemNamesView, items } from '../support/items-entity.js';
import { parseExposition, seriesValue } from '../support/prom-text.js';
import { deleteRedisKeys, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';
import { until } from '../support/until.js';

/** A saga whose second step fails and whose first step's compensation fails too: it ends `stuck`. */
const doomed = defineSaga({
  name: 'doomed',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: [
    {
      kind: 'external',
      name: 'first',
      run: async () => 'done',
      compensate: async () => {
        throw new Error('cannot undo');
      },
      compensationRetry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
    {
      kind: 'external',
      name: 'second',
      run: async () => {
        throw new Error('refused');
      },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    },
  ],
});

function deployment(schema: string, prefix: string, options: { worker: boolean }) {
  return createPolystore({
    home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
    stores: {
      cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix }),
      search: oramaStore({}),
    },
    entities: [items],
    views: [
      cacheView(items, { store: 'cache' }),
      // A view whose projection refuses one record: its event is dead-lettered.
      itemNamesView('cache'),
      searchView(items, { store: 'search', fields: { name: 'string' }, searchable: ['name'] }),
    ],
    sync: options.worker
      ? { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, pruneIntervalMs: 0, statsIntervalMs: 200 }
      : { projectors: false, relay: false },
    sagas: [doomed],
    sagaOptions: { pollIntervalMs: 50 },
    checkEveryMs: options.worker ? 1000 : undefined,
    logger: silentLogger,
  });
}

await describeWithServer(['postgres', 'redis'], 'metrics of a PostgreSQL home with Redis and Orama views', () => {
  const schema = uniqueName('metrics');
  const prefix = `${uniqueName('metrics')}:`;
  const slot = uniqueName('metrics_slot');
  const admin = new pg.Pool({ connectionString: SERVER_URLS.postgres, max: 1 });
  let db: ReturnType<typeof deployment>;
  let metrics: PolystoreMetrics;
  let body = '';
  const value = (name: string, labels: Record<string, string> = {}) => seriesValue(body, name, labels);
  const scrape = async () => {
    body = (await metrics.render()).body;
    return body;
  };

  beforeAll(async () => {
    db = deployment(schema, prefix, { worker: true });
    await db.ready();
    metrics = await polystoreMetrics(db, { lagObjectiveSeconds: { items_cache: 5 } });
    const catalog = db.entity('items');
    for (let i = 1; i <= 3; i++) await catalog.create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    await db.sync.catchUp();
  });
  afterAll(async () => {
    metrics?.close();
    await db?.close();
    await admin.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    await admin.end();
    await dropPostgresSchema(schema);
    await deleteRedisKeys(prefix);
  });

  it('renders the Prometheus text format with its content type', async () => {
    const { contentType, body: text } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(text).toContain('# TYPE polystore_view_applied_total counter');
    expect(text).toContain('# TYPE polystore_store_operation_duration_seconds histogram');
    expect(parseExposition(text).length).toBeGreaterThan(0);
  });

  it('counts applied events per view and their commit-to-applied lag by stage, durably', async () => {
    await scrape();
    expect(value('polystore_view_applied_total', { view: 'items_cache' })).toBe(3);
    expect(value('polystore_view_applied_total', { view: 'items_search' })).toBe(3);
    for (const stage of ['delivery', 'apply', 'total']) {
      expect(value('polystore_view_event_lag_seconds_count', { view: 'items_cache', stage })).toBe(3);
      expect(value('polystore_view_event_lag_seconds_bucket', { view: 'items_cache', stage, le: '+Inf' })).toBe(3);
    }
    expect(value('polystore_view_event_lag_seconds_sum', { view: 'items_cache', stage: 'total' })).toBeGreaterThan(0);
    expect(value('polystore_view_lag_p99_seconds', { view: 'items_cache' })).toBeGreaterThan(0);
    expect(value('polystore_view_backlog_events', { view: 'items_cache' })).toBe(0);
    expect(value('polystore_view_lag_seconds', { view: 'items_cache' })).toBe(0);
    expect(value('polystore_view_lag_objective_seconds', { view: 'items_cache' })).toBe(5);
    expect(value('polystore_view_lag_objective_seconds', { view: 'items_search' })).toBe(30);
    expect(value('polystore_view_checkpoint_age_seconds', { view: 'items_cache' })).toBeGreaterThanOrEqual(0);

    // Another process (a writer: no projectors here) reads the same counters from the home.
    const writer = deployment(schema, prefix, { worker: false });
    await writer.ready();
    const elsewhere = await polystoreMetrics(writer);
    try {
      const text = (await elsewhere.render()).body;
      expect(seriesValue(text, 'polystore_view_applied_total', { view: 'items_cache' })).toBe(3);
      expect(seriesValue(text, 'polystore_view_event_lag_seconds_count', { view: 'items_cache', stage: 'total' })).toBe(
        3,
      );

      // A record the cache took before its projector did (a read's cache-aside fill, while no worker ran)
      // is skipped by the projector, not applied again.
      await db.sync.stop();
      await writer.entity('items').create({ id: 'i4', name: 'item 4', qty: 4, tags: [] });
      expect(await writer.entity('items').get('i4')).toMatchObject({ id: 'i4' });
      await db.sync.start();
      await db.sync.catchUp();
    } finally {
      elsewhere.close();
      await writer.close();
    }
    // catchUp waits for the settled head: a transaction left open elsewhere on the shared server can
    // hide i4's event from it for a moment, so wait until the projector has handled it.
    await until(
      async () => {
        await scrape();
        return (value('polystore_view_skipped_total', { view: 'items_cache' }) ?? 0) > 0;
      },
      15_000,
      'the projector to handle i4',
    );
    expect(value('polystore_view_applied_total', { view: 'items_cache' })).toBe(3);
    expect(value('polystore_view_skipped_total', { view: 'items_cache' })).toBe(1);
    expect(value('polystore_view_applied_total', { view: 'items_search' })).toBe(4);
    expect(value('polystore_view_skipped_total', { view: 'items_search' })).toBe(0);
  });

  it('times store calls per store and operation, and counts cache hits, fallbacks and errors by code', async () => {
    const before = await scrape();
    const count = (text: string, labels: Record<string, string>) =>
      seriesValue(text, 'polystore_store_operation_duration_seconds_count', labels) ?? 0;
    const catalog = db.entity('items');
    await catalog.get('i1');
    await catalog.get('i2');
    await catalog.get('nope');
    await catalog.find({ qty: { $gt: 0 } });
    await catalog.search({ text: 'item' });
    await expect(catalog.create({ id: 'i1', name: 'again', qty: 1, tags: [] })).rejects.toMatchObject({
      code: 'PS_ERR_ALREADY_EXISTS',
    });
    await scrape();
    expect(
      count(body, { store: 'cache', operation: 'get' }) - count(before, { store: 'cache', operation: 'get' }),
    ).toBe(3);
    expect(
      count(body, { store: 'home', operation: 'find' }) - count(before, { store: 'home', operation: 'find' }),
    ).toBe(1);
    // The miss went to the home (get); the search hydrated its hits through the cache (get_many).
    expect(count(body, { store: 'home', operation: 'get' })).toBeGreaterThanOrEqual(1);
    expect(count(body, { store: 'search', operation: 'search' })).toBe(1);
    expect(count(body, { store: 'cache', operation: 'get_many' })).toBe(1);
    // i1 and i2 by get, and the four hits of the search hydrated from the cache.
    expect(value('polystore_cache_hits_total', { view: 'items_cache' })).toBe(2 + 4);
    expect(value('polystore_cache_fallbacks_total', { view: 'items_cache' })).toBe(1);
    expect(value('polystore_errors_total', { code: 'PS_ERR_ALREADY_EXISTS' })).toBe(1);
    expect(value('polystore_store_operation_errors_total', { store: 'home', operation: 'write' })).toBe(1);
    const buckets = parseExposition(body).filter(
      (s) =>
        s.name === 'polystore_store_operation_duration_seconds_bucket' &&
        s.labels.store === 'home' &&
        s.labels.operation === 'write',
    );
    expect(buckets.map((s) => s.labels.le)).toEqual([
      ...['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10'],
      '+Inf',
    ]);
    expect(value('polystore_store_breaker_open', { store: 'cache' })).toBe(0);
    expect(value('polystore_store_bypassed_reads_total', { store: 'cache' })).toBe(0);
  });

  it('reports dead letters, stuck sagas and scheduled check results', async () => {
    await db.entity('items').create({ id: 'bad', name: 'poison', qty: 0, tags: [] });
    await db.sync.catchUp();
    const id = await db.saga(doomed).start({ n: 1 });
    expect((await db.sagas.wait(id, { timeoutMs: 10_000 })).state).toBe('stuck');
    await until(
      async () => (await scrape()).includes('polystore_check_ok{view="items_names"}'),
      10_000,
      'a scheduled check',
    );
    expect(value('polystore_view_dead_letters', { view: 'items_names' })).toBe(1);
    expect(value('polystore_view_dead_lettered_total', { view: 'items_names' })).toBe(1);
    expect(value('polystore_view_failed_attempts_total', { view: 'items_names' })).toBeGreaterThanOrEqual(1);
    expect(value('polystore_view_dead_letters', { view: 'items_cache' })).toBe(0);
    expect(value('polystore_sagas', { state: 'stuck' })).toBe(1);
    expect(value('polystore_sagas', { state: 'running' })).toBe(0);
    expect(value('polystore_check_ok', { view: 'items_cache' })).toBe(1);
    expect(value('polystore_check_drift_ratio', { view: 'items_cache' })).toBe(0);
    expect(value('polystore_check_max_drift_ratio', { view: 'items_cache' })).toBe(0);
    expect(value('polystore_check_age_seconds', { view: 'items_cache' })).toBeLessThan(60);
  });

  it('reports a running backfill’s progress', async () => {
    // No worker runs it while sync is stopped here: it stays recorded, at its start.
    await db.sync.stop();
    try {
      await db.sync.backfills.request('items_search');
      await scrape();
      expect(value('polystore_view_backfill_total_records', { view: 'items_search' })).toBe(5);
      expect(value('polystore_view_backfill_examined_records', { view: 'items_search' })).toBe(0);
      await db.sync.backfills.cancel('items_search');
      await scrape();
      expect(value('polystore_view_backfill_total_records', { view: 'items_search' })).toBeUndefined();
    } finally {
      await db.sync.start();
    }
  });

  it('reads the pool, commit and rollback counters, the outbox and replication slots from PostgreSQL', async () => {
    await scrape();
    const rollbacks = value('polystore_postgres_xact_rollback_total', { store: 'home' })!;
    expect(value('polystore_postgres_xact_commit_total', { store: 'home' })).toBeGreaterThan(0);
    expect(value('polystore_postgres_pool_connections', { store: 'home' })).toBeGreaterThan(0);
    expect(value('polystore_postgres_pool_idle_connections', { store: 'home' })).toBeGreaterThanOrEqual(0);
    // The worker's projectors, sagas and checks share the pool with this scrape: some may be waiting.
    expect(value('polystore_postgres_pool_waiting_clients', { store: 'home' })).toBeGreaterThanOrEqual(0);
    expect(value('polystore_postgres_pool_max_connections', { store: 'home' })).toBe(10);
    expect(value('polystore_postgres_pool_connections', { store: 'home' })).toBeLessThanOrEqual(10);
    expect(value('polystore_outbox_events', { store: 'home' })).toBe(5);
    await expect(
      db.transaction(async (tx) => {
        await tx.entity('items').create({ id: 'rolled', name: 'x', qty: 1, tags: [] });
        throw new Error('roll it back');
      }),
    ).rejects.toThrow('roll it back');
    // The server's statistics reach pg_stat_database within a second or so.
    await until(
      async () => {
        await scrape();
        return value('polystore_postgres_xact_rollback_total', { store: 'home' })! > rollbacks;
      },
      5000,
      'the rollback counter',
    );

    await admin.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    await scrape();
    expect(value('polystore_postgres_replication_slot_retained_wal_bytes', { slot })).toBeGreaterThanOrEqual(0);
    expect(value('polystore_postgres_replication_slot_lag_bytes', { slot })).toBeGreaterThanOrEqual(0);
    expect(value('polystore_postgres_replication_slot_active', { slot })).toBe(0);
    expect(value('polystore_postgres_replication_slot_wal_status', { slot, wal_status: 'reserved' })).toBe(1);
    expect(value('polystore_postgres_replication_slot_wal_status', { slot, wal_status: 'lost' })).toBe(0);
    // WAL written after the slot was made is retained for it.
    for (let i = 0; i < 20; i++) await db.entity('items').create({ id: `w${i}`, name: 'wal', qty: i, tags: [] });
    await scrape();
    expect(value('polystore_postgres_replication_slot_retained_wal_bytes', { slot })).toBeGreaterThan(0);

    // Every series the alert rules read is in this run's output: the rules cannot drift from the metrics.
    const rendered = new Set(parseExposition(body).map((s) => s.name));
    expect(ruleMetricNames().filter((name) => !rendered.has(name))).toEqual([]);
  });

  it('reports an open breaker and the reads that went around a cache store that fails', async () => {
    const client = new Redis(SERVER_URLS.redis, { lazyConnect: true });
    await client.connect();
    const failing = createPolystore({
      home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      stores: { cache: redisStore({ client, keyPrefix: `${prefix}failing:` }) },
      entities: [items],
      views: [cacheView(items, { store: 'cache' })],
      logger: silentLogger,
    });
    await failing.ready({ sync: false });
    const watched = await polystoreMetrics(failing);
    try {
      client.disconnect(); // every later command fails: the store is unreachable
      for (let i = 0; i < 5; i++) expect(await failing.entity('items').get('i1')).toMatchObject({ id: 'i1' });
      const text = (await watched.render()).body;
      expect(seriesValue(text, 'polystore_store_breaker_open', { store: 'cache' })).toBe(1);
      // Three failed calls opened the breaker; the next two went around it at once.
      expect(seriesValue(text, 'polystore_store_operation_errors_total', { store: 'cache', operation: 'get' })).toBe(3);
      expect(seriesValue(text, 'polystore_store_bypassed_reads_total', { store: 'cache' })).toBe(5);
      expect(seriesValue(text, 'polystore_cache_fallbacks_total', { view: 'items_cache' })).toBe(5);
      expect(seriesValue(text, 'polystore_scrape_collector_up', { store: 'cache' })).toBe(0);
      expect(seriesValue(text, 'polystore_redis_memory_used_bytes', { store: 'cache' })).toBeUndefined();
    } finally {
      watched.close();
      await failing.close();
    }
  });

  it('reads Redis INFO, the search store and the process heap, each collector within its budget', async () => {
    await db.entity('items').get('i3');
    await scrape();
    expect(value('polystore_redis_memory_used_bytes', { store: 'cache' })).toBeGreaterThan(0);
    expect(value('polystore_redis_memory_max_bytes', { store: 'cache' })).toBeGreaterThanOrEqual(0);
    expect(value('polystore_redis_evicted_keys_total', { store: 'cache' })).toBeGreaterThanOrEqual(0);
    expect(value('polystore_redis_keyspace_hits_total', { store: 'cache' })).toBeGreaterThan(0);
    expect(value('polystore_redis_keyspace_misses_total', { store: 'cache' })).toBeGreaterThanOrEqual(0);
    expect(value('polystore_redis_connected_clients', { store: 'cache' })).toBeGreaterThan(0);
    expect(value('polystore_search_documents', { store: 'search' })).toBeGreaterThanOrEqual(4);
    expect(value('polystore_process_heap_used_bytes')).toBeGreaterThan(0);
    for (const store of ['polystore', 'sagas', 'process', 'home', 'cache', 'search']) {
      expect(value('polystore_scrape_collector_up', { store })).toBe(1);
      expect(value('polystore_scrape_collector_duration_seconds', { store })).toBeLessThan(1);
    }
  });
});
