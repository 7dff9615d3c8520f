import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { memcachedStore } from '../../src/adapters/memcached/index.js';
import { cacheView, createPolystore, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS, openOnHome } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { describeWithBinary, PrivateServer } from '../support/private-server.js';

const CACHE = 'items_cache';
const pglite = HOME_VARIANTS.find((variant) => variant.name === 'pglite')!;

describeWithBinary('memcached', 'consistency check of a memcached view (read back by key)', () => {
  let server: PrivateServer;
  beforeAll(async () => {
    const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
    server = await PrivateServer.start('memcached', (port) => [
      '-p',
      String(port),
      '-U',
      '0',
      '-l',
      '127.0.0.1',
      ...asRoot,
    ]);
  });
  afterAll(() => server.stop());

  it('finds missing, stale and extra entries among the ids the home knows, repairs them, and cannot see the rest', async () => {
    const cache = memcachedStore({ servers: `127.0.0.1:${server.port}`, keyPrefix: `ps_${randomUUID()}:` });
    const { db, cleanup } = await openOnHome(pglite, (home) =>
      createPolystore({
        home,
        stores: { cache },
        entities: [items],
        views: [cacheView(items, { store: 'cache' })],
        sync: { pollIntervalMs: 10, flushIntervalMs: 50 },
        logger: silentLogger,
      }),
    );
    try {
      const entity = db.entity('items');
      for (let i = 0; i < 6; i++) await entity.create({ id: `t${i}`, name: `n${i}`, qty: i, tags: [] });
      await entity.update('t1', { qty: 10 });
      await entity.delete('t5');
      await db.sync.catchUp();
      const [clean] = await db.check();
      expect(clean).toMatchObject({ method: 'by-key', checked: 5, missing: 0, stale: 0, extra: 0, ok: true });

      await cache.del(`${CACHE}:t0`); // lost: missing
      await cache.del(`${CACHE}:t1`);
      await cache.applyIfNewer(CACHE, [
        { key: 't1', version: 1, value: { id: 't1' } }, // behind the home: stale
        { key: 't5', version: 99, value: { id: 't5' } }, // deleted in the home: extra, found through its tombstone
        { key: 'never', version: 1, value: { id: 'never' } }, // an id the home never had: unseen
      ]);
      const [found] = await db.check();
      expect(found).toMatchObject({ method: 'by-key', missing: 1, stale: 1, extra: 1, ok: false });
      expect(found!.sample).toMatchObject({ missing: ['t0'], stale: ['t1'], extra: ['t5'] });

      await db.check({ repair: true });
      const [after] = await db.check();
      expect(after).toMatchObject({ missing: 0, stale: 0, extra: 0, ok: true });
      expect(await cache.getVersioned(CACHE, 't1')).toMatchObject({ version: 2, value: { qty: 10 } });
      expect(await cache.getVersioned(CACHE, 'never')).toMatchObject({ version: 1 });
    } finally {
      await cleanup();
    }
  });
});
