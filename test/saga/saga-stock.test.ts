import { afterEach, expect, it } from 'vitest';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { type OrderInput, openShop } from '../support/saga-shop.js';
import { describeWithServer } from '../support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const STOCK = 25;
const ORDERS = 60;
const WORKERS = 3;

for (const variant of HOME_VARIANTS.filter((v) => v.server)) {
  await describeWithServer(variant.server!, `sagas on shared stock (${variant.name})`, () => {
    it('never oversells: reservations equal the completed orders, and stock never goes below zero', async () => {
      const space = await variant.space();
      cleanups.push(space.cleanup);
      // Three processes' worth of workers on one home, each starting a third of the orders.
      const workers = Array.from({ length: WORKERS }, () =>
        openShop(space.home(), { sagaOptions: { concurrency: 8 } }),
      );
      for (const { db } of workers) {
        cleanups.push(() => db.close());
        await db.ready();
      }
      const [first] = workers;
      await first!.db.entity('stock').create({ id: 'p1', qty: STOCK });
      const inputs: OrderInput[] = Array.from({ length: ORDERS }, (_, i) => ({
        orderId: `o${i}`,
        sku: 'p1',
        qty: 1 + (i % 3),
        // Some orders fail after reserving (card declined, carrier down) and must give their stock back.
        fail: (i % 7 === 0 ? { charge: 3 } : i % 11 === 0 ? { ship: 3 } : {}) as Record<string, number>,
        undo: {},
      }));
      await Promise.all(
        inputs.map((input, i) => workers[i % WORKERS]!.db.saga('order').start(input, { id: input.orderId })),
      );
      const ended = await Promise.all(
        inputs.map((input, i) => workers[i % WORKERS]!.db.sagas.wait(input.orderId, { timeoutMs: 60_000 })),
      );
      const db = first!.db;
      expect(new Set(ended.map((s) => s.state))).toEqual(new Set(['completed', 'compensated']));
      const completed = inputs.filter((_, i) => ended[i]!.state === 'completed');
      const left = (await db.entity('stock').get('p1', { consistency: 'strong' }))!.qty;
      expect(left).toBeGreaterThanOrEqual(0);
      let reserved = 0;
      for (const input of inputs) {
        const reservation = await db.entity('reservations').get(input.orderId, { consistency: 'strong' });
        const done = completed.includes(input);
        expect({ order: input.orderId, reserved: reservation !== null }).toEqual({
          order: input.orderId,
          reserved: done,
        });
        reserved += reservation?.qty ?? 0;
      }
      const sold = completed.reduce((sum, o) => sum + o.qty, 0);
      expect(reserved).toBe(sold);
      expect(STOCK - left).toBe(sold);
      // More was asked than there was: some orders were refused for want of stock.
      expect(ended.some((s) => s.state === 'compensated' && s.error?.includes('out of stock'))).toBe(true);
    }, 120_000);
  });
}
