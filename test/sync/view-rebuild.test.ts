import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { postgresSearchStore } from '../../src/adapters/postgres-search/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import type { ViewStoreBase } from '../../src/contracts/view-store.js';
import { cacheView, createPolystore, isPolystoreError, searchView, silentLogger } from '../../src/index.js';
import { clean, diffView, jsonFormOf, keyValueEntries, readHomeTruth } from '../support/e2e-compare.js';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { deleteRedisKeys, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

type CacheKind = 'lmdb' | 'redis';

/** With the redis cache, the search view is on PostgreSQL too, in `searchSchema`. */
function open(home: HomeStore, dir: string, cache: CacheKind, redisPrefix: string, searchSchema: string) {
  return createPolystore({
    home,
    stores: {
      cache:
        cache === 'lmdb'
          ? lmdbStore({ path: join(dir, 'cache') })
          : redisStore({ url: SERVER_URLS.redis, keyPrefix: redisPrefix }),
      search:
        cache === 'lmdb'
          ? oramaStore({ path: join(dir, 'search') })
          : postgresSearchStore({ connectionString: SERVER_URLS.postgres, schema: searchSchema, max: 3 }),
    },
    entities: [items],
    views: [
      cacheView(items, { store: 'cache' }),
      searchView(items, { store: 'search', fields: { name: 'string', qty: 'number' }, searchable: ['name'] }),
    ],
    sync: { pollIntervalMs: 10, flushIntervalMs: 20, backfill: { minChunk: 20, maxChunk: 20 } },
    logger: silentLogger,
  });
}

type Db = ReturnType<typeof open>;

/** Reads while the rebuild runs: every get of a record that exists must return it, every search must answer. */
function readContinuously(db: Db, live: ReadonlySet<string>, stop: AbortSignal) {
  const failures: string[] = [];
  let reads = 0;
  const done = (async () => {
    const client = db.entity('items');
    while (!stop.aborted) {
      const id = `it${Math.floor(Math.random() * 200)}`;
      try {
        const got = await client.get(id);
        if (live.has(id) && got === null) failures.push(`get ${id}: null`);
        const found = await client.search({ text: 'item', typoTolerance: 0, limit: 5 });
        if (found.total === 0) failures.push('search: no hit');
        reads++;
      } catch (err) {
        failures.push(`${id}: ${String(err)}`);
      }
      // Embedded reads can resolve without I/O: yield, or this loop would starve every timer.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return { failures, reads: () => reads, done };
}

async function expectCacheEqualsHome(db: Db, home: HomeStore, scope: string): Promise<void> {
  const truth = await readHomeTruth(home, items);
  const { view, store } = db.views.find((v) => v.view.name === 'items_cache')!;
  const diff = diffView(scope, truth, await keyValueEntries(store as KeyValueStore, scope), (row) =>
    view.project(jsonFormOf(items, row)),
  );
  expect(clean(diff) ? 'clean' : diff).toBe('clean');
}

function describeRebuild(variant: HomeVariant, cache: CacheKind): void {
  it(`rebuilds the ${cache} cache and the search view beside themselves under reads and writes, switches, and drops the old ones`, async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const space = await variant.space();
    cleanups.push(space.cleanup);
    const prefix = `${uniqueName('rb')}:`;
    const searchSchema = uniqueName('rbsearch');
    if (cache === 'redis') {
      cleanups.push(() => deleteRedisKeys(prefix));
      cleanups.push(() => dropPostgresSchema(searchSchema));
    }
    const home = space.home();
    const db = open(home, dir.path, cache, prefix, searchSchema);
    cleanups.push(() => db.close());
    await db.ready();
    const client = db.entity('items');
    await client.createMany(
      Array.from({ length: 200 }, (_, i) => ({ id: `it${i}`, name: `item ${i}`, qty: i, tags: [] })),
    );
    await db.sync.catchUp();

    const live = new Set(Array.from({ length: 200 }, (_, i) => `it${i}`).filter((id) => !id.endsWith('7')));
    const stop = new AbortController();
    const reader = readContinuously(db, live, stop.signal);
    const writer = (async () => {
      for (let i = 0; !stop.signal.aborted; i++) {
        await client.update(`it${(i * 2) % 200}`, { qty: 1000 + i });
        if (i < 20) await client.delete(`it${i * 10 + 7}`);
        await client.create({ id: `new${i}`, name: `item new ${i}`, qty: i, tags: [] });
      }
    })();
    const steps: string[] = [];
    const cacheOutcome = await db.rebuild('items_cache', (s) => steps.push(s.step));
    const searchOutcome = await db.rebuild('items_search');
    stop.abort();
    await Promise.all([reader.done, writer]);
    expect(reader.failures).toEqual([]);
    expect(reader.reads()).toBeGreaterThan(10);
    expect(cacheOutcome).toMatchObject({ view: 'items_cache', from: 0, to: 1 });
    expect(cacheOutcome.examined).toBeGreaterThanOrEqual(200);
    expect(searchOutcome).toMatchObject({ view: 'items_search', from: 0, to: 1 });
    expect([...new Set(steps)]).toEqual(['building', 'copying', 'catching-up', 'verifying', 'switched', 'dropped']);
    expect(db.generations('items_cache')).toEqual({ active: 1, building: null, retiring: null, dropping: null });

    await db.sync.catchUp();
    const { store } = db.views.find((v) => v.view.name === 'items_cache')!;
    expect(await (store as ViewStoreBase<unknown>).listVersions!('items_cache')).toEqual([]);
    // The search view's first generation is gone from its store.
    const searchStore = db.views.find((v) => v.view.name === 'items_search')!.store as ViewStoreBase<unknown>;
    const dropped = await searchStore.listVersions!('items_search').catch((err: unknown) => err);
    expect(isPolystoreError(dropped, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
    await expectCacheEqualsHome(db, home, 'items_cache_g1');
    const truth = await readHomeTruth(home, items);
    const search = await client.search({ text: 'item', typoTolerance: 0, limit: 1 });
    expect(search.total).toBe(truth.live.size);
    await db.close();

    // Another process (here: the next one) reads and writes the new generations from its start.
    const again = open(space.home(), dir.path, cache, prefix, searchSchema);
    cleanups.push(() => again.close());
    await again.ready();
    expect(again.generations('items_search')).toEqual({ active: 1, building: null, retiring: null, dropping: null });
    await again.entity('items').update('it1', { name: 'item renamed' });
    await again.sync.catchUp();
    expect(await again.entity('items').get('it1')).toMatchObject({ name: 'item renamed' });
    expect(
      (await again.entity('items').search({ text: 'renamed', typoTolerance: 0 })).hits.map((h) => h.record.id),
    ).toEqual(['it1']);
    expect(await again.rebuild('items_cache')).toMatchObject({ from: 1, to: 2 });
    const store2 = again.views.find((v) => v.view.name === 'items_cache')!.store as KeyValueStore;
    expect(await store2.listVersions!('items_cache_g1')).toEqual([]);
    await expectCacheEqualsHome(again, space.home(), 'items_cache_g2');
  }, 120_000);
}

describe('zero-downtime rebuild: pglite home, lmdb cache', () => describeRebuild(HOME_VARIANTS[0]!, 'lmdb'));
await describeWithServer(['postgres', 'redis'], 'zero-downtime rebuild: postgres home and search, redis cache', () =>
  describeRebuild(HOME_VARIANTS[1]!, 'redis'),
);
