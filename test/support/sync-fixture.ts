import { join } from 'node:path';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import {
  cacheView,
  createPolystore,
  type EventLog,
  type SyncOptions,
  searchView,
  silentLogger,
} from '../../src/index.js';
import { items } from './items-entity.js';
import { freshPgliteDir } from './pglite-template.js';
import { tempDir } from './temp-dir.js';

export { items };

export interface SyncFixtureOptions {
  readonly sync?: SyncOptions & { autoStart?: boolean };
  readonly wrapLog?: (log: EventLog) => EventLog;
  readonly wrapCache?: (store: KeyValueStore) => KeyValueStore;
  /** Runs inside the second cache view's projection (to make it fail on purpose). */
  readonly hook?: (record: Record<string, unknown>) => void;
}

/** Opens a small model on real embedded engines in fresh directories. */
export async function openSyncFixture(options: SyncFixtureOptions = {}): Promise<SyncFixture> {
  const home = await freshPgliteDir();
  const views = await tempDir();
  let db = await openShopOn(home.path, views.path, options);
  return {
    get db() {
      return db;
    },
    async reopen(next: SyncFixtureOptions = {}) {
      await db.close();
      db = await openShopOn(home.path, views.path, next);
    },
    async cleanup() {
      await db.close().catch(() => undefined);
      await home.cleanup();
      await views.cleanup();
    },
  };
}

export interface SyncFixture {
  readonly db: Awaited<ReturnType<typeof openShopOn>>;
  /** Closes the instance and opens a new one on the same directories. */
  reopen(options?: SyncFixtureOptions): Promise<void>;
  cleanup(): Promise<void>;
}

async function openShopOn(homeDir: string, viewsDir: string, options: SyncFixtureOptions) {
  const home = { path: homeDir };
  const views = { path: viewsDir };
  const homeStore = pgliteHome({ dataDir: home.path });
  const cache = lmdbStore({ path: join(views.path, 'cache') });
  const db = createPolystore({
    home: homeStore,
    stores: {
      cache: options.wrapCache ? options.wrapCache(cache) : cache,
      search: oramaStore({ path: join(views.path, 'search') }),
    },
    entities: [items],
    views: itemsViews(options.hook),
    ...(options.wrapLog
      ? { log: options.wrapLog((await import('../../src/index.js')).outboxEventLog(homeStore)) }
      : {}),
    sync: {
      pollIntervalMs: 10,
      flushIntervalMs: 50,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      ...options.sync,
    },
    logger: silentLogger,
  });
  await db.ready();
  return db;
}

/**
 * The fixture's views of `items` in the stores `cache` and `search`: a cache
 * view, a search view, and `items_hooked`, a cache view whose projection runs
 * `hook` first (to make it fail on purpose).
 */
export function itemsViews(hook?: (record: Record<string, unknown>) => void) {
  return [
    cacheView(items, { store: 'cache' }),
    searchView(items, { store: 'search', fields: { name: 'string', qty: 'number' }, searchable: ['name'] }),
    cacheView(items, {
      store: 'cache',
      name: 'items_hooked',
      select: (record) => {
        hook?.(record);
        return { name: record.name };
      },
    }),
  ];
}

/** Expects every view to match the home id by id and version by version. */
export function totalDrift(drift: readonly { missing: number; stale: number; extra: number }[]): number {
  return drift.reduce((sum, d) => sum + d.missing + d.stale + d.extra, 0);
}
