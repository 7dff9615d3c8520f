import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { cacheView, createPolystore, searchView, silentLogger } from '../../src/index.js';
import { clean, diffView, jsonFormOf, keyValueEntries, readHomeTruth } from '../support/e2e-compare.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

type Item = { id: string; name: string; qty: number; tags: string[] };

/** The items model in `dir`; `next` declares the changed projection: a search field added, the cache's `select` changed (version 2). */
function open(home: HomeStore, dir: string, next: boolean) {
  return createPolystore({
    home,
    stores: { cache: lmdbStore({ path: join(dir, 'cache') }), search: oramaStore({ path: join(dir, 'search') }) },
    entities: [items],
    views: [
      next
        ? cacheView(items, { store: 'cache', select: (r) => ({ label: `${r.name}!`, qty: r.qty }), version: 2 })
        : cacheView(items, { store: 'cache', select: (r) => ({ label: r.name }) }),
      next
        ? searchView(items, { store: 'search', fields: { name: 'string', qty: 'number' }, searchable: ['name'] })
        : searchView(items, { store: 'search', fields: { name: 'string' }, searchable: ['name'] }),
    ],
    sync: { pollIntervalMs: 10, flushIntervalMs: 20, backfill: { pollMs: 20 } },
    logger: silentLogger,
  });
}

describe('a view whose projection changed', () => {
  it('is rebuilt beside itself on the new projection while writes go on, once, and never back', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const space = await HOME_VARIANTS.find((v) => v.name === 'pglite')!.space();
    cleanups.push(space.cleanup);
    const first = open(space.home(), dir.path, false);
    await first.ready();
    await first
      .entity('items')
      .createMany(Array.from({ length: 150 }, (_, i) => ({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] })));
    await first.sync.catchUp(30_000);
    await first.close();

    const home = space.home();
    const db = open(home, dir.path, true);
    cleanups.push(() => db.close());
    await db.ready();
    // Writes while the views rebuild: updates, deletes, new ids.
    const client = db.entity('items');
    for (let i = 0; i < 40; i++) {
      await client.update(`i${i}`, { qty: 1000 + i });
      if (i % 5 === 0) await client.delete(`i${100 + i}`);
      await client.create({ id: `n${i}`, name: `new ${i}`, qty: i, tags: [] });
    }
    await until(
      () => db.generations('items_cache').active === 1 && db.generations('items_search').active === 1,
      60_000,
      'both views switched to a rebuilt generation',
    );
    await db.sync.catchUp(30_000);
    const truth = await readHomeTruth(home, items);
    const cache = db.views.find((v) => v.view.name === 'items_cache')!.store as KeyValueStore;
    const diff = diffView('items_cache', truth, await keyValueEntries(cache, 'items_cache_g1'), (row) => {
      const record = jsonFormOf(items, row) as Item;
      return { label: `${record.name}!`, qty: record.qty };
    });
    expect(clean(diff) ? 'clean' : diff).toBe('clean');
    // The new search field is indexed for every record, old and new.
    const heavy = await client.search({ text: 'item new', where: { qty: { gte: 1000 } }, limit: 100 });
    expect(heavy.total).toBe(40);
    for (const result of await db.check({ deep: true }))
      expect(result).toMatchObject({ ok: true, missing: 0, stale: 0, extra: 0, changed: 0 });
    await db.close();

    // Started again with the same declaration: nothing to rebuild.
    const again = open(space.home(), dir.path, true);
    await again.ready();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(again.generations('items_cache').active).toBe(1);
    await again.close();
    // An older deployment starting with the old declaration does not rebuild the views back.
    const older = open(space.home(), dir.path, false);
    await older.ready();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([older.generations('items_cache').active, older.generations('items_search').active]).toEqual([1, 1]);
    await older.close();
  });
});
