import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { mysqlHome } from '../../src/adapters/mysql/index.js';
import { analyticsView, cacheView, createPolystore, polystoreMetrics, silentLogger } from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { seriesValue } from '../support/prom-text.js';
import { createMariaDatabase, dropMariaDatabase } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';
import { until } from '../support/until.js';

await describeWithServer('mysql', 'metrics of a MariaDB home with LMDB and DuckDB views', () => {
  const database = uniqueName('metrics');
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    dir = await tempDir();
    await createMariaDatabase(database);
  });
  afterAll(async () => {
    await dropMariaDatabase(database);
    await dir?.cleanup();
  });

  it('counts applies per view and reads the server status counters, the outbox and the analytics file', async () => {
    const db = createPolystore({
      home: mysqlHome({ uri: SERVER_URLS.mysql, database }),
      stores: {
        cache: lmdbStore({ path: join(dir.path, 'cache') }),
        analytics: duckdbStore({ path: join(dir.path, 'analytics.duckdb') }),
      },
      entities: [items],
      views: [
        cacheView(items, { store: 'cache' }),
        analyticsView(items, {
          store: 'analytics',
          table: 'quantities',
          columns: { qty: 'bigint' },
          rows: (item) => [{ qty: item.qty }],
        }),
      ],
      sync: { pruneIntervalMs: 0 },
      logger: silentLogger,
    });
    await db.ready();
    const metrics = await polystoreMetrics(db);
    try {
      for (let i = 1; i <= 3; i++)
        await db.entity('items').create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
      await db.sync.catchUp();
      await db.analytics('analytics').query('SELECT sum(qty) AS total FROM quantities');
      let body = (await metrics.render()).body;
      const value = (name: string, labels: Record<string, string> = {}) => seriesValue(body, name, labels);
      expect(value('polystore_view_applied_total', { view: 'items_cache' })).toBe(3);
      expect(value('polystore_view_applied_total', { view: 'items_analytics' })).toBe(3);
      expect(value('polystore_outbox_events', { store: 'home' })).toBe(3);
      expect(value('polystore_mysql_threads_connected', { store: 'home' })).toBeGreaterThan(0);
      expect(value('polystore_mysql_slow_queries_total', { store: 'home' })).toBeGreaterThanOrEqual(0);
      expect(value('polystore_store_size_bytes', { store: 'analytics' })).toBeGreaterThan(0);
      expect(
        value('polystore_store_operation_duration_seconds_count', { store: 'analytics', operation: 'query' }),
      ).toBe(1);
      expect(value('polystore_view_checkpoint_age_seconds', { view: 'items_cache' })).toBeLessThan(60);

      // A transaction rolled back and one committed move the server's counters.
      const rollbacks = value('polystore_mysql_rollbacks_total', { store: 'home' })!;
      const commits = value('polystore_mysql_commits_total', { store: 'home' })!;
      await expect(
        db.transaction(async (tx) => {
          await tx.entity('items').create({ id: 'rolled', name: 'x', qty: 1, tags: [] });
          throw new Error('roll it back');
        }),
      ).rejects.toThrow('roll it back');
      await db.entity('items').create({ id: 'kept', name: 'x', qty: 1, tags: [] });
      await until(
        async () => {
          body = (await metrics.render()).body;
          return value('polystore_mysql_rollbacks_total', { store: 'home' })! > rollbacks;
        },
        5000,
        'the rollback counter',
      );
      expect(value('polystore_mysql_commits_total', { store: 'home' })).toBeGreaterThan(commits);
    } finally {
      metrics.close();
      await db.close();
    }
  });
});
