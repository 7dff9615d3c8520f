import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { cleanBrokerShop, openBrokerShop } from '../support/broker-shop.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** Ids the home accepts that a broker header or subject could not carry as they are. */
const ODD_IDS = ['a\nb', 'a b', 'ü/é:*>.', 'tab\there', 'x'.repeat(1_000)];

await describeWithServer(['postgres', 'redis', 'nats'], 'no event blocks the others', () => {
  for (const mode of ['outbox', 'cdc'] as const) {
    it(`carries odd ids end to end, and dead-letters an event the broker refuses while the rest flows (${mode})`, async () => {
      const id = randomUUID().replaceAll('-', '').slice(0, 12);
      const db = openBrokerShop(id, 'both', SERVER_URLS, mode);
      cleanups.push(async () => {
        await db.close();
        await cleanBrokerShop(id, SERVER_URLS);
      });
      await db.ready({ sync: false });
      if (mode === 'cdc') await db.sync.capture?.admin?.create();
      await db.sync.start();
      const client = db.entity('items');

      for (const odd of ODD_IDS) await client.create({ id: odd, name: 'odd', qty: 1, tags: [] });
      // Within the entity's 1 MiB record limit, but its event (record plus envelope) is over
      // the NATS server's max_payload (1 MiB): the broker refuses it every time.
      const name = 'h'.repeat(1_048_576 - JSON.stringify({ id: 'huge', name: '', qty: 1, tags: [] }).length);
      await client.create({ id: 'huge', name, qty: 1, tags: [] });
      for (let i = 0; i < 40; i++) await client.create({ id: `after${i}`, name: 'after', qty: i, tags: [] });
      const last = await client.update('a\nb', { qty: 2 });

      expect(await client.get('a\nb', { consistency: 'read-your-writes', timeoutMs: 30_000 })).toMatchObject({
        qty: 2,
        $version: last.$version,
      });
      await db.sync.catchUp(30_000);
      for (const odd of ODD_IDS) expect(await client.get(odd)).toMatchObject({ id: odd });
      expect(await client.get('after39')).toMatchObject({ qty: 39 });
      const letters = await db.sync.deadLetters();
      expect(letters).toEqual([
        expect.objectContaining({
          consumer: mode === 'cdc' ? `cdc_ps_test_${id}` : 'relay_jetstream',
          event: expect.objectContaining({ key: 'huge' }),
          attempts: 5,
        }),
      ]);
      // The view lacks only the refused event; the checker sees it and can repair it from the home.
      expect(await db.check()).toEqual([expect.objectContaining({ missing: 1, stale: 0, extra: 0 })]);
    }, 120_000);
  }
});
