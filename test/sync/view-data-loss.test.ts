import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import {
  cacheView,
  createPolystore,
  type DataLoss,
  type KeyValueStore,
  type Logger,
  silentLogger,
} from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const admin = new Redis(SERVER_URLS.redis, { lazyConnect: true });
afterAll(() => admin.quit().catch(() => undefined));

/**
 * What a Redis restart without persistence does to a store: every key under
 * its prefix is gone, the epoch marker with them. (The suites never restart
 * the real server; SCAN + UNLINK of the prefix has the same effect on it.)
 */
async function loseEverything(prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

function freshNames() {
  const id = randomUUID().replaceAll('-', '').slice(0, 12);
  const names = { schema: `test_${id}`, prefix: `ps_test_${id}:` };
  cleanups.push(() => loseEverything(names.prefix));
  return names;
}

function openStore(prefix: string): KeyValueStore {
  const store = redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix });
  cleanups.push(() => store.close());
  return store;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function openShop(names: { schema: string; prefix: string }, logger: Logger = silentLogger) {
  const db = createPolystore({
    home: postgresHome({ connectionString: SERVER_URLS.postgres, schema: names.schema }),
    stores: { cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: names.prefix }) },
    entities: [items],
    views: [cacheView(items, { store: 'cache' })],
    sync: { pollIntervalMs: 10, flushIntervalMs: 50 },
    logger,
  });
  cleanups.push(async () => {
    await db.close();
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: SERVER_URLS.postgres });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS "${names.schema}" CASCADE`);
    await pg.end();
  });
  return db;
}

await describeWithServer(['postgres', 'redis'], 'a view store that loses its data', () => {
  it('reports each loss of a redis store once, and records a rebuild only if no new loss came meanwhile', async () => {
    await admin.connect().catch(() => undefined);
    const { prefix } = freshNames();
    const store = openStore(prefix);
    await store.ready();
    const losses: DataLoss[] = [];
    store.onDataLoss!((loss) => losses.push(loss));
    // A prefix nobody watched before counts as lost: its views are built from the home.
    await until(() => losses.length === 1, 'the first report');
    expect(await losses[0]!.rebuilt()).toBe(true);
    await store.applyIfNewer('s', [{ key: 'a', version: 1, value: { n: 1 } }]);
    expect(losses).toHaveLength(1);

    await loseEverything(prefix);
    // The first write into the emptied server reveals the loss, reported before the write resolves.
    await store.applyIfNewer('s', [{ key: 'b', version: 1, value: { n: 2 } }]);
    expect(losses).toHaveLength(2);
    expect(losses[1]!.id).not.toBe(losses[0]!.id);
    await store.applyIfNewer('s', [{ key: 'c', version: 1, value: { n: 3 } }]);
    expect(losses).toHaveLength(2);

    // Lost again mid-rebuild: that rebuild proves nothing, and the new loss is reported.
    await loseEverything(prefix);
    expect(await losses[1]!.rebuilt()).toBe(false);
    expect(losses).toHaveLength(3);
    expect(await losses[2]!.rebuilt()).toBe(true);

    // Another process watching the prefix finds the views complete: nothing to report.
    const other = openStore(prefix);
    const seenByOther: DataLoss[] = [];
    other.onDataLoss!((loss) => seenByOther.push(loss));
    await other.ready();
    expect(seenByOther).toEqual([]);

    // A rebuild whose process crashed before recording it is reported to the next watcher.
    await loseEverything(prefix);
    await store.applyIfNewer('s', [{ key: 'd', version: 1, value: { n: 4 } }]);
    expect(losses).toHaveLength(4);
    const next = openStore(prefix);
    const pending: DataLoss[] = [];
    next.onDataLoss!((loss) => pending.push(loss));
    await next.ready();
    expect(pending.map((loss) => loss.id)).toEqual([losses[3]!.id]);
    expect(await pending[0]!.rebuilt()).toBe(true);
    expect(await losses[3]!.rebuilt()).toBe(true);
  });

  it('rebuilds the cache view from the home after a loss, and a late old event cannot revive a deleted record', async () => {
    await admin.connect().catch(() => undefined);
    const names = freshNames();
    const db = openShop(names);
    await db.ready();
    const client = db.entity('items');
    for (let i = 0; i < 40; i++) await client.create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
    for (let i = 0; i < 40; i += 3) await client.update(`i${i}`, { qty: 100 + i });
    await client.delete('i5');
    await client.delete('i7');
    await db.sync.catchUp(30_000);
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 38 });

    await loseEverything(names.prefix);
    await client.update('i1', { qty: 999 });
    await db.sync.catchUp(30_000);
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 38 });

    // An older event of a deleted record arrives late (a redelivery after a lost ack): the
    // tombstone the rebuild wrote keeps the record from coming back.
    const cache = db.views[0]!.store as KeyValueStore;
    const late = { key: 'i5', version: 1, value: { id: 'i5', name: 'item 5', qty: 5, tags: [] } };
    expect(await cache.applyIfNewer('items_cache', [late])).toEqual({ applied: 0, skipped: 1 });
    expect(await cache.getVersioned('items_cache', 'i5')).toEqual({ value: null, version: 2 });
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0 });
    expect(await cache.getVersioned('items_cache', 'i1')).toMatchObject({ value: { qty: 999 }, version: 2 });
    expect((await db.sync.stats()).rebuilding).toEqual([]);
  });

  it('rebuilds at start a view that lost its data while no worker ran', async () => {
    await admin.connect().catch(() => undefined);
    const names = freshNames();
    const first = openShop(names);
    await first.ready();
    for (let i = 0; i < 25; i++) await first.entity('items').create({ id: `i${i}`, name: `n${i}`, qty: i, tags: [] });
    await first.sync.catchUp(30_000);
    await first.sync.stop();

    await loseEverything(names.prefix);
    const second = openShop(names);
    await second.ready();
    await second.sync.catchUp(30_000);
    expect((await second.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 25 });
  });

  it('leaves the views of a new key prefix to their projectors without calling it a loss, and calls a later emptying one', async () => {
    await admin.connect().catch(() => undefined);
    const names = freshNames();
    const lines: { level: string; message: string }[] = [];
    const record = (level: string) => (_fields: Record<string, unknown>, message: string) => {
      lines.push({ level, message });
    };
    const logger: Logger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const db = openShop(names, logger);
    await db.ready();
    await db.entity('items').create({ id: 'n1', name: 'n1', qty: 1, tags: [] });
    await db.sync.catchUp(30_000);
    await until(() => lines.some((l) => l.message.includes('new view store')), 'the new store recorded');
    expect(lines.filter((l) => l.message.includes('new view store'))).toHaveLength(1);
    expect(lines.filter((l) => l.message.includes('views rebuilt'))).toEqual([]);
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 1 });
    expect(lines.filter((l) => l.message.includes('lost its data'))).toEqual([]);

    await loseEverything(names.prefix);
    await db.entity('items').update('n1', { qty: 2 });
    await db.sync.catchUp(30_000);
    expect(lines.filter((l) => l.level === 'warn' && l.message.includes('lost its data'))).toHaveLength(1);
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0 });
  });
});
