import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { s3ArchiveStore } from '../../src/adapters/s3-archive/index.js';
import { analyticsView, archiveView, cacheView, createPolystore, graphView, silentLogger } from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { type S3TestServer, startS3Server } from '../support/s3-server.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server(uniqueName('events').replaceAll('_', '-'));
});
afterAll(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  await s3?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function shop() {
  const home = await freshPgliteDir();
  const dir = await tempDir('polystore-archive-');
  cleanups.push(home.cleanup, dir.cleanup);
  const analytics = duckdbStore({ path: ':memory:' });
  const db = createPolystore({
    home: pgliteHome({ dataDir: home.path }),
    stores: {
      archive: s3ArchiveStore({ ...s3, prefix: uniqueName('shop'), forcePathStyle: true }),
      cache: lmdbStore({ path: join(dir.path, 'cache') }),
      analytics,
    },
    entities: [items],
    views: [
      archiveView(items, { store: 'archive' }),
      cacheView(items, { store: 'cache' }),
      analyticsView(items, {
        store: 'analytics',
        table: 'item_qty',
        columns: { name: 'varchar', qty: 'bigint' },
        rows: (item) => [{ name: item.name, qty: item.qty }],
      }),
    ],
    sync: { autoStart: false, pollIntervalMs: 10 },
    logger: silentLogger,
  });
  cleanups.push(() => db.close());
  await db.ready({ sync: true });
  return { db, analytics, dir };
}

describe('event archive and time travel', () => {
  it('lists a record history and rebuilds views as of a past time, equal by content to a snapshot taken then', async () => {
    const { db, analytics, dir } = await shop();
    const entity = db.entity('items');
    await entity.createMany(
      Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [`t${i % 2}`] })),
    );
    await entity.update('i1', { qty: 11 });
    await entity.update('i1', { name: 'first' });
    await entity.delete('i4');
    await db.sync.catchUp(30_000);
    const snapshot = await entity.find({}, { orderBy: { id: 'asc' } });
    await sleep(20);
    const asOf = new Date();
    await sleep(20);
    await entity.update('i1', { qty: 99 });
    await entity.delete('i2');
    await entity.delete('i3');
    await entity.create({ id: 'i3', name: 'again', qty: 3, tags: [] });
    await entity.create({ id: 'i4', name: 'back', qty: 4, tags: [] });
    await entity.create({ id: 'i9', name: 'late', qty: 9, tags: [] });
    await db.sync.catchUp(30_000);

    const history = await db.history('items', 'i3');
    expect(history.map((v) => [v.version, v.op, v.record?.name ?? null])).toEqual([
      [1, 'create', 'item 3'],
      [2, 'delete', null],
      [3, 'create', 'again'],
    ]);
    expect(history.every((v, i) => i === 0 || v.committedAt >= history[i - 1]!.committedAt)).toBe(true);
    expect((await db.history('items', 'i1')).map((v) => [v.version, v.op, v.record?.qty])).toEqual([
      [1, 'create', 1],
      [2, 'update', 11],
      [3, 'update', 11],
      [4, 'update', 99],
    ]);

    // The cache as of `asOf`, into a fresh store: record by record, the snapshot's content and version.
    const fresh = lmdbStore({ path: join(dir.path, 'replayed') });
    cleanups.push(() => fresh.close());
    const outcome = await db.replayFromArchive({
      view: 'items_cache',
      until: asOf.toISOString(),
      into: { store: fresh },
    });
    expect(outcome).toMatchObject({ view: 'items_cache', scope: 'items_cache', records: 6 });
    const live = (await fresh.listVersions('items_cache')).filter((e) => !e.deleted).map((e) => e.key);
    expect(live.sort()).toEqual(snapshot.map((r) => r.id));
    for (const { $version, ...record } of snapshot) {
      expect(await fresh.getVersioned('items_cache', record.id)).toEqual({ value: record, version: $version });
    }
    expect(await fresh.getVersioned('items_cache', 'i4')).toEqual({ value: null, version: 2 });
    expect(await fresh.getVersioned('items_cache', 'i9')).toBeNull();
    // The live cache is untouched and current.
    expect((await entity.get('i1'))?.qty).toBe(99);

    // The analytics view as of `asOf`, beside the live table.
    const replayed = await db.replayFromArchive({ view: 'items_analytics', until: asOf });
    expect(replayed.scope).toBe('item_qty_asof');
    const rows = await analytics.query<{ name: string; qty: number }>(
      'SELECT name, CAST(qty AS INTEGER) AS qty FROM item_qty_asof ORDER BY name',
    );
    const expected = snapshot.map((r) => ({ name: r.name, qty: r.qty })).sort((a, b) => a.name.localeCompare(b.name));
    expect(rows).toEqual(expected);
    await expect(db.replayFromArchive({ view: 'items_analytics', until: asOf })).rejects.toMatchObject({
      code: 'PS_ERR_ALREADY_EXISTS',
    });
    await expect(db.replayFromArchive({ view: 'items_cache', until: 'yesterday' })).rejects.toMatchObject({
      code: 'PS_ERR_INVALID_ARGUMENT',
    });
  }, 90_000);

  it('takes records written before it was added from the home, as snapshot lines, then every change', async () => {
    const home = await freshPgliteDir();
    const dir = await tempDir('polystore-archive-');
    cleanups.push(home.cleanup, dir.cleanup);
    const prefix = uniqueName('late');
    const open = (withArchive: boolean) =>
      createPolystore({
        home: pgliteHome({ dataDir: home.path }),
        stores: {
          archive: s3ArchiveStore({ ...s3, prefix, forcePathStyle: true }),
          cache: lmdbStore({ path: join(dir.path, 'cache') }),
        },
        entities: [items],
        views: [
          cacheView(items, { store: 'cache' }),
          ...(withArchive ? [archiveView(items, { store: 'archive' })] : []),
        ],
        sync: { pollIntervalMs: 10, pruneIntervalMs: 0, backfill: { pollMs: 20 } },
        logger: silentLogger,
      });
    const before = open(false);
    await before.ready();
    await before.entity('items').createMany([
      { id: 'a', name: 'a', qty: 1, tags: [] },
      { id: 'b', name: 'b', qty: 2, tags: [] },
    ]);
    await before.entity('items').update('a', { qty: 5 });
    await before.entity('items').delete('b');
    await before.sync.catchUp(30_000);
    expect(await before.sync.prune()).toBeGreaterThan(0);
    await before.close();

    const db = open(true);
    cleanups.push(() => db.close());
    await db.ready();
    await db.sync.catchUp(30_000);
    expect((await db.sync.backfills.status('items_archive'))?.status).toBe('done');
    await db.entity('items').update('a', { qty: 6 });
    await db.sync.catchUp(30_000);
    expect((await db.history('items', 'a')).map((v) => [v.version, v.op, v.record?.qty])).toEqual([
      [2, 'snapshot', 5],
      [3, 'update', 6],
    ]);
    expect((await db.history('items', 'b')).map((v) => [v.version, v.op, v.record])).toEqual([[2, 'delete', null]]);
    // The checker compares each id's newest archived version with the home.
    const [check] = await db.check({ views: ['items_archive'] });
    expect(check).toMatchObject({ view: 'items_archive', ok: true });
  }, 90_000);

  it('replays a graph view only into another store', async () => {
    const home = await freshPgliteDir();
    const dir = await tempDir('polystore-archive-');
    cleanups.push(home.cleanup, dir.cleanup);
    const db = createPolystore({
      home: pgliteHome({ dataDir: home.path }),
      stores: {
        archive: s3ArchiveStore({ ...s3, prefix: uniqueName('graph'), forcePathStyle: true }),
        graph: kuzuStore({ path: join(dir.path, 'graph.kuzu') }),
      },
      entities: [items],
      views: [
        archiveView(items, { store: 'archive' }),
        graphView(items, {
          store: 'graph',
          schema: { nodes: { Item: { name: 'string' } }, edges: {} },
          project: (item) => ({ nodes: [{ label: 'Item', id: item.id, properties: { name: item.name } }], edges: [] }),
        }),
      ],
      sync: { autoStart: false },
      logger: silentLogger,
    });
    cleanups.push(() => db.close());
    await expect(db.replayFromArchive({ view: 'items_graph', until: new Date() })).rejects.toMatchObject({
      code: 'PS_ERR_INVALID_ARGUMENT',
      field: 'into.store',
    });
    await expect(db.replayFromArchive({ view: 'items_archive', until: new Date() })).rejects.toMatchObject({
      code: 'PS_ERR_INVALID_ARGUMENT',
      field: 'view',
    });
  }, 60_000);
});
