import { join } from 'node:path';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { createPolystore, silentLogger } from '../../src/index.js';
import { items } from './items-entity.js';
import { freshPgliteDir } from './pglite-template.js';
import { orderSaga, SHOP_ENTITIES } from './saga-shop.js';
import { itemsViews } from './sync-fixture.js';
import { tempDir } from './temp-dir.js';

/**
 * What the dashboard test shows: items projected into an LMDB cache, an
 * Orama search view and a second cache view whose projection throws for
 * records named `poison …` while `poisoned` is set (dead letters), beside the
 * order saga's world; on a PGlite home in fresh directories.
 */
export async function openDashboardShop() {
  const homeDir = await freshPgliteDir();
  const views = await tempDir('polystore-dashboard-');
  const state = { poisoned: true };
  const home = pgliteHome({ dataDir: homeDir.path });
  const cache = lmdbStore({ path: join(views.path, 'cache') });
  const shop: Parameters<typeof orderSaga>[0] = {};
  const db = createPolystore({
    home,
    stores: { cache, search: oramaStore({ path: join(views.path, 'search') }) },
    entities: [items, ...SHOP_ENTITIES],
    views: itemsViews((record) => {
      if (state.poisoned && String(record.name).startsWith('poison'))
        throw new Error(`cannot project "${String(record.id)}" (qty ${String(record.qty)})`);
    }),
    sagas: [orderSaga(shop)],
    sagaOptions: { pollIntervalMs: 20, leaseMs: 2000 },
    sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } },
    logger: silentLogger,
  });
  shop.db = db as never;
  await db.ready();
  return {
    db,
    home,
    cache,
    state,
    async cleanup() {
      await db.close().catch(() => undefined);
      await homeDir.cleanup();
      await views.cleanup();
    },
  };
}

const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Durations of operations the test times itself, per store and operation,
 * rendered as a Prometheus histogram (`polystore_store_operation_duration_seconds`)
 * with the views' applied counters: what `/metrics` serves until the metrics
 * module lands.
 */
export class TimedOperations {
  readonly #series = new Map<string, { labels: Record<string, string>; values: number[] }>();

  async time<T>(store: string, operation: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      const key = `${store}/${operation}`;
      const series = this.#series.get(key) ?? { labels: { store, operation }, values: [] };
      series.values.push((performance.now() - started) / 1000);
      this.#series.set(key, series);
    }
  }

  count(store: string, operation: string): number {
    return this.#series.get(`${store}/${operation}`)?.values.length ?? 0;
  }

  render(views: readonly { view: string; store: string; applied: number }[]): string {
    const name = 'polystore_store_operation_duration_seconds';
    const lines = [`# HELP ${name} Store operation durations.`, `# TYPE ${name} histogram`];
    for (const { labels, values } of this.#series.values()) {
      const l = `store="${labels.store}",operation="${labels.operation}"`;
      for (const le of BOUNDS) lines.push(`${name}_bucket{${l},le="${le}"} ${values.filter((v) => v <= le).length}`);
      lines.push(`${name}_bucket{${l},le="+Inf"} ${values.length}`);
      lines.push(`${name}_sum{${l}} ${values.reduce((a, b) => a + b, 0)}`, `${name}_count{${l}} ${values.length}`);
    }
    lines.push('# TYPE polystore_view_applied_total counter');
    for (const v of views) lines.push(`polystore_view_applied_total{store="${v.store}",view="${v.view}"} ${v.applied}`);
    return `${lines.join('\n')}\n`;
  }
}
