import { join } from 'node:path';
import { duckdbStore } from '../src/adapters/duckdb/index.js';
import { kuzuStore } from '../src/adapters/kuzu/index.js';
import { lmdbStore } from '../src/adapters/lmdb/index.js';
import { oramaStore } from '../src/adapters/orama/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import type { AnalyticsStore, ChangeEvent, ViewStoreBase } from '../src/index.js';
import type { ViewDef } from '../src/views/view-def.js';
import { Cleanups, deleteKeys, runId, SERVER_URLS, tempDir } from './bench-env.js';
import { benchCacheView, benchItems, benchSearchView, makeItems } from './bench-model.js';
import { interleave, timed } from './harness.js';
import { createEvents } from './memory-event-log.js';
import { benchOrderGraph, benchSales, orderEvents } from './p11-model.js';
import { project } from './p11-projector.js';
import type { Profile } from './profile.js';
import { type Comparison, compare, type Target } from './report.js';

/** Big-view time over small-view time for the same batch: at most 1.5. */
const TARGET: Target = { op: '<=', value: 1.5 };
const REPEATS = 4;

interface FlatKind<V> {
  readonly id: string;
  readonly title: string;
  readonly view: ViewDef<V>;
  open(label: string): Promise<ViewStoreBase<V>>;
  /** Fills the view with `count` records the fastest way (the store's batch apply, or the engine's bulk path). */
  build(store: ViewStoreBase<V>, count: number): Promise<void>;
  events(prefix: string, count: number, txId: number): ChangeEvent[];
  big: number;
}

/**
 * P11 flatness: `flatEvents` creates through the real projector into a view
 * already holding `flatSmall` records and into one holding `flatBig`
 * (medians of a few repeats, alternating), per kind of view.
 */
export async function p11Flatness(profile: Profile, withRedis: boolean): Promise<Comparison[]> {
  const { flatSmall, flatBig, flatBigGraph } = profile.p11;
  const cleanups = new Cleanups();
  const results: Comparison[] = [];
  try {
    const dir = await tempDir(cleanups, 'p11-flat');
    const orderBuild = async (store: ViewStoreBase<unknown>, view: ViewDef<unknown>, count: number) => {
      for (let at = 0; at < count; at += 10_000) {
        const events = orderEvents('b', Math.min(10_000, count - at), 1, at);
        await store.applyIfNewer(
          view.scope,
          events.map((e) => ({ key: e.key, version: 1, value: view.project(e.payload!) })),
        );
      }
    };
    const itemBuild = async (store: ViewStoreBase<unknown>, view: ViewDef<unknown>, count: number) => {
      for (let at = 0; at < count; at += 10_000) {
        const items = makeItems('b', Math.min(10_000, count - at), at);
        await store.applyIfNewer(
          view.scope,
          items.map((item) => ({ key: item.id, version: 1, value: view.project(item as never) })),
        );
        if (store.durability === 'on-flush') await store.flush();
      }
    };
    const kinds: FlatKind<unknown>[] = [
      {
        id: 'P11.flat.graph',
        title: 'graph view (Kuzu)',
        view: benchOrderGraph as ViewDef<unknown>,
        open: async (label) => kuzuStore({ path: join(dir, `${label}.kuzu`) }) as ViewStoreBase<unknown>,
        build: (store, count) => orderBuild(store, benchOrderGraph as ViewDef<unknown>, count),
        events: (prefix, count, txId) => orderEvents(prefix, count, txId),
        big: flatBigGraph,
      },
      {
        id: 'P11.flat.analytics',
        title: 'analytics view (DuckDB)',
        view: benchSales as ViewDef<unknown>,
        open: async (label) => duckdbStore({ path: join(dir, `${label}.duckdb`) }) as ViewStoreBase<unknown>,
        // The engine's bulk path: the same rows and ledger entries the store would write, by SQL.
        build: async (store, count) => {
          const analytics = store as unknown as AnalyticsStore;
          await analytics.query(
            `INSERT INTO bench_sales SELECT 'b' || i, 'b' || i, DATE '2024-01-01' + CAST(i % 365 AS INTEGER),
               'books', 'p' || (i % 20000), 1 + i % 4, 10.5 FROM range(${count}) t(i)`,
          );
          await analytics.query(
            `INSERT INTO _ps_versions SELECT 'bench_sales', 'b' || i, 1, false FROM range(${count}) t(i)`,
          );
        },
        events: (prefix, count, txId) => orderEvents(prefix, count, txId),
        big: flatBig,
      },
      {
        id: 'P11.flat.search',
        title: 'search view (Orama)',
        view: benchSearchView as ViewDef<unknown>,
        open: async () => oramaStore() as ViewStoreBase<unknown>,
        build: (store, count) => itemBuild(store, benchSearchView as ViewDef<unknown>, count),
        events: (prefix, count, txId) => createEvents(benchItems.name, makeItems(prefix, count), txId),
        // Orama holds every document in this process's heap: a million costs minutes to index.
        big: Math.min(flatBig, 200_000),
      },
      {
        id: 'P11.flat.cache.lmdb',
        title: 'cache view (LMDB)',
        view: benchCacheView as ViewDef<unknown>,
        open: async (label) => lmdbStore({ path: await tempDir(cleanups, `p11-${label}`) }) as ViewStoreBase<unknown>,
        build: (store, count) => itemBuild(store, benchCacheView as ViewDef<unknown>, count),
        events: (prefix, count, txId) => createEvents(benchItems.name, makeItems(prefix, count), txId),
        big: flatBig,
      },
    ];
    if (withRedis) {
      kinds.push({
        id: 'P11.flat.cache.redis',
        title: 'cache view (Redis)',
        view: benchCacheView as ViewDef<unknown>,
        open: async () => {
          const prefix = `bench_${runId()}:`;
          cleanups.add('delete redis keys', () => deleteKeys(prefix));
          return redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix }) as ViewStoreBase<unknown>;
        },
        build: (store, count) => itemBuild(store, benchCacheView as ViewDef<unknown>, count),
        events: (prefix, count, txId) => createEvents(benchItems.name, makeItems(prefix, count), txId),
        // The shared server holds other work's data too: keep its memory in bounds.
        big: Math.min(flatBig, 200_000),
      });
    }
    for (const kind of kinds) results.push(await measureKind(kind, profile, flatSmall, cleanups));
  } finally {
    await cleanups.run();
  }
  return results;
}

/**
 * Reported as a latency comparison: "ours" is the big view, "raw" the small
 * one, each round one projector run of the same number of new records, so
 * the ratio is big/small.
 */
async function measureKind(
  kind: FlatKind<unknown>,
  profile: Profile,
  small: number,
  cleanups: Cleanups,
): Promise<Comparison> {
  const open = async (label: string, count: number) => {
    const store = await kind.open(label);
    cleanups.add(`close ${kind.id} ${label}`, () => store.close());
    await store.ready();
    await kind.view.prepare(store);
    await kind.build(store, count);
    return store;
  };
  const stores = { small: await open('small', small), big: await open('big', kind.big) };
  const { flatEvents, batchSize } = profile.p11;
  const round = (size: 'small' | 'big') => async (i: number) => {
    const events = kind.events(`f${size}${i + 10}_`, flatEvents, 1000 + i + 10);
    return timed(flatEvents, () => project(kind.view, stores[size], events, batchSize));
  };
  const result = await interleave({
    warmupRounds: 1,
    rounds: REPEATS,
    ours: round('big'),
    raw: round('small'),
  });
  return compare(
    kind.id,
    `${kind.title}: ${flatEvents} new records into a view of ${kind.big} vs one of ${small} (time, big/small)`,
    'latency',
    result,
    TARGET,
  );
}
