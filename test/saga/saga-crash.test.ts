import { afterEach, describe, expect, it } from 'vitest';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { openShop } from '../support/saga-shop.js';
import { crashOrders, runSagaWorker, startOrders } from '../support/saga-worker-process.js';
import { describeWithServer } from '../support/servers.js';
import { checkShop, expectedOf } from './saga-model.js';

const STOCK = 1000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const ORDERS = crashOrders();

/** Where the worker dies: at step boundaries, inside a home step's transaction, after an external effect, inside compensations. */
const POINTS: readonly [string, number][] = [
  ['reserve:in-transaction', 3],
  ['charge:after-effect', 2],
  ['ship:before', 2],
  ['confirm:in-transaction', 1],
  ['charge:after-refund', 1],
  ['reserve:compensating', 1],
  ['ship:compensating', 2],
];

function describeCrashes(variant: HomeVariant): void {
  for (const [point, nth] of POINTS) {
    it(`a worker SIGKILLed at ${point} (#${nth}): another takes its sagas over by lease, each ends as the model says, home steps once, effects once per key`, async () => {
      const space = await variant.space();
      cleanups.push(space.cleanup);
      await startOrders(space.home(), ORDERS, STOCK);

      const outcome = await runSagaWorker(JSON.stringify(space.locator), point, nth);
      expect(outcome).toEqual({ signal: 'SIGKILL', done: false });

      const { db } = openShop(space.home(), { sagaOptions: { leaseMs: 1000 } });
      cleanups.push(() => db.close());
      // What the dead worker left open, read before this worker starts taking it over.
      await db.ready({ sync: false });
      const open = await db.sagas.list({ states: ['running', 'compensating'] });
      expect(open.length, 'sagas left open by the dead worker').toBeGreaterThan(0);
      db.sagas.start();
      const ended = await Promise.all(ORDERS.map((o) => db.sagas.wait(o.orderId, { timeoutMs: 60_000 })));
      expect(new Set(ended.map((s) => s.state))).toEqual(new Set(['completed', 'compensated']));
      await checkShop(
        db,
        space.home(),
        { p1: STOCK },
        ORDERS.map((o) => expectedOf(o, STOCK)),
      );
      if (point === 'charge:after-effect') {
        // The dead worker charged without recording it: the charge ran again under the same key, once in effect.
        const charges = await Promise.all(ORDERS.map((o) => db.entity('effects').get(`charge:${o.orderId}:charge`)));
        expect(charges.some((c) => (c?.calls ?? 0) > 1)).toBe(true);
      }
    }, 120_000);
  }
}

describe('saga crashes: pglite home', () => describeCrashes(HOME_VARIANTS[0]!));
for (const variant of HOME_VARIANTS.slice(1))
  await describeWithServer(variant.server!, `saga crashes: ${variant.name} home`, () => describeCrashes(variant));
