import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { jetstreamLog } from '../../src/adapters/nats/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { cacheView, createPolystore, silentLogger } from '../../src/index.js';
import { expectHomeHoldsModel, expectItemsViewMatches, type ItemsModel } from '../support/home-model.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { deleteJetStream, deleteRedisKeys, dropPostgresSchema } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

await describeWithServer(['postgres', 'mysql', 'redis', 'nats'], 'moving the home with a broker log', () => {
  it('moves a PostgreSQL home to MariaDB while the relay publishes to JetStream and a Redis view follows', async () => {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    const schema = `test_${id}`;
    const target = await HOME_VARIANTS.find((v) => v.name === 'mariadb')!.space();
    cleanups.push(target.cleanup);
    const db = createPolystore({
      home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      stores: { cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: `ps_test_${id}:` }) },
      entities: [items],
      views: [cacheView(items, { store: 'cache' })],
      log: jetstreamLog({ servers: SERVER_URLS.nats, stream: `ps_test_${id}`, partitions: 4 }),
      sync: { pollIntervalMs: 10, flushIntervalMs: 50, pruneIntervalMs: 100 },
      logger: silentLogger,
    });
    cleanups.push(async () => {
      await db.close();
      await dropPostgresSchema(schema);
      await deleteRedisKeys(`ps_test_${id}:`);
      await deleteJetStream(`ps_test_${id}`);
    });
    await db.ready();
    const client = db.entity('items');
    const model: ItemsModel = new Map();
    await client.createMany(
      Array.from({ length: 150 }, (_, i) => {
        const record = { name: `item ${i}`, qty: i, tags: [] };
        model.set(`i${i}`, record);
        return { id: `i${i}`, ...record };
      }),
    );
    let stop = false;
    let writes = 0;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const id = `i${(i * 7) % 170}`;
        const record = { name: `w${i}`, qty: i, tags: ['w'] };
        if (model.get(id) === undefined || model.get(id) === null) await client.create({ id, ...record });
        else if (i % 6 === 0) {
          await client.delete(id);
          model.set(id, null);
          writes++;
          continue;
        } else await client.update(id, record);
        model.set(id, record);
        writes++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const newHome = target.home();
    const outcome = await db.moveHome(newHome);
    const during = writes;
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await writer;
    expect(writes).toBeGreaterThan(during);
    expect(outcome.repairedAfterFence).toBe(0);

    // A read of this process's newest write waits for the view on the new home's positions.
    const last = await client.update('i1', { name: 'after' });
    model.set('i1', { ...(model.get('i1') as object), name: 'after' });
    expect(await client.get('i1', { consistency: 'read-your-writes', timeoutMs: 10_000 })).toMatchObject({
      name: 'after',
      $version: last.$version,
    });
    await db.sync.catchUp(60_000);
    const truth = await expectHomeHoldsModel(newHome, model);
    await expectItemsViewMatches(db.views[0]!.store as KeyValueStore, 'items_cache', truth);
    expect(await db.sync.deadLetters()).toEqual([]);
  });
});
