import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { cacheView, createPolystore, PolystoreError, silentLogger } from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';
import { until } from '../support/until.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function open(options: { ttlMs?: number; poison?: string } = {}) {
  const home = await freshPgliteDir();
  const dir = await tempDir();
  const cache = lmdbStore({ path: join(dir.path, 'cache') });
  const db = createPolystore({
    home: pgliteHome({ dataDir: home.path }),
    stores: { cache },
    entities: [items],
    views: [
      cacheView(items, {
        store: 'cache',
        ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
        select: (record) => {
          if (record.name === options.poison) throw new PolystoreError('PS_ERR_PROJECTION_FAILED', 'poison');
          return record;
        },
      }),
    ],
    sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    logger: silentLogger,
  });
  await db.ready();
  cleanups.push(async () => {
    await db.close();
    await home.cleanup();
    await dir.cleanup();
  });
  return { db, cache: cache as KeyValueStore };
}

describe('consistency checker', () => {
  it('does not report a TTL cache whose entries expired as drift, and still finds stale and extra entries', async () => {
    const { db, cache } = await open({ ttlMs: 300 });
    const entity = db.entity('items');
    for (let i = 0; i < 5; i++) await entity.create({ id: `t${i}`, name: `n${i}`, qty: i, tags: [] });
    await db.sync.catchUp();
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0 });
    await until(async () => (await cache.listVersions('items_cache')).length === 0, 10_000, 'entries to expire');
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 5 });
    // A stale entry is drift even in a TTL cache.
    await db.sync.stop();
    await cache.applyIfNewer('items_cache', [{ key: 't1', version: 1, value: { id: 't1' } }]);
    await entity.update('t1', { qty: 10 });
    await cache.applyIfNewer('items_cache', [{ key: 'gone', version: 1, value: { id: 'gone' } }]);
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 1, extra: 1 });
  });

  it('repairs every drifted record but one whose projection throws, and reports that one', async () => {
    const { db, cache } = await open({ poison: 'bad' });
    await db.sync.stop();
    const entity = db.entity('items');
    for (let i = 0; i < 6; i++) await entity.create({ id: `r${i}`, name: i === 3 ? 'bad' : `n${i}`, qty: i, tags: [] });
    const [before] = await db.check();
    expect(before).toMatchObject({ missing: 6 });
    const [repaired] = await db.check({ repair: true });
    expect(repaired).toMatchObject({ missing: 6, repaired: 5, unrepairable: 1 });
    expect((await db.check())[0]).toMatchObject({ missing: 1, stale: 0, extra: 0 });
    expect(await cache.getVersioned('items_cache', 'r5')).toMatchObject({ version: 1, value: { name: 'n5' } });
  });
});
