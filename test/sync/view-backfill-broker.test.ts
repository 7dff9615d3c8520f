import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { createPolystore, silentLogger } from '../../src/index.js';
import { type CaptureMode, cleanBrokerShop, openBrokerShop } from '../support/broker-shop.js';
import { clean, diffView, jsonFormOf, keyValueEntries, readHomeTruth } from '../support/e2e-compare.js';
import { items } from '../support/items-entity.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** Records written before any broker existed: the stream a worker then reads starts after them. */
async function seedWithoutBroker(id: string): Promise<void> {
  const db = createPolystore({
    home: postgresHome({ connectionString: SERVER_URLS.postgres, schema: `test_${id}` }),
    entities: [items],
    views: [],
    logger: silentLogger,
  });
  await db.ready();
  const client = db.entity('items');
  await client.createMany(
    Array.from({ length: 200 }, (_, i) => ({ id: `s${i}`, name: `seeded ${i}`, qty: i, tags: [] })),
  );
  for (let i = 0; i < 200; i += 4) await client.update(`s${i}`, { tags: ['x'] });
  for (let i = 1; i < 200; i += 9) await client.delete(`s${i}`);
  await db.close();
}

await describeWithServer(['postgres', 'redis', 'nats'], 'view backfill with a broker log', () => {
  for (const mode of ['outbox', 'cdc'] as CaptureMode[]) {
    it(`fills a Redis view from the home when its ${mode === 'cdc' ? 'CDC' : 'relay'} stream starts after the data, by content, with writes racing`, async () => {
      const id = randomUUID().replaceAll('-', '').slice(0, 12);
      cleanups.push(() => cleanBrokerShop(id, SERVER_URLS));
      await seedWithoutBroker(id);
      const db = openBrokerShop(id, 'both', SERVER_URLS, mode);
      cleanups.push(() => db.close());
      await db.ready({ sync: false });
      if (mode === 'cdc') await db.sync.capture?.admin?.create();
      await db.sync.start();
      expect(await db.sync.backfills.status('items_cache')).toMatchObject({ reason: 'new-view', total: 177 });
      const client = db.entity('items');
      for (let i = 0; i < 40; i++) {
        await client.update(`s${198 - i * 4}`, { qty: -i }).catch(() => undefined);
        await client.create({ id: `late${i}`, name: 'late', qty: i, tags: [] });
        if (i % 5 === 0) await client.delete(`s${i * 4 + 3}`);
      }
      await db.sync.catchUp(60_000);
      expect(await db.sync.backfills.status('items_cache')).toMatchObject({ status: 'done' });
      const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema: `test_${id}` });
      cleanups.push(() => home.close());
      const truth = await readHomeTruth(home, items);
      const view = db.views[0]!;
      const diff = diffView(
        'items_cache',
        truth,
        await keyValueEntries(view.store as KeyValueStore, view.view.scope),
        (row) => view.view.project(jsonFormOf(items, row)),
      );
      expect(clean(diff) ? 'clean' : diff).toBe('clean');
      expect(truth.live.size).toBe(177 + 40 - 8);
    }, 120_000);
  }
});
