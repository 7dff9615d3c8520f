import { afterAll, expect, it } from 'vitest';
import { isPolystoreError, type SagaRecord } from '../../src/index.js';
import { checkShop, expectedOf } from '../saga/saga-model.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { openShop } from '../support/saga-shop.js';
import { crashOrders, runSagaWorker, startOrders } from '../support/saga-worker-process.js';
import { describeWithRestarts, restartPostgres } from '../support/server-control.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

const STOCK = 1000;
const ORDERS = crashOrders(3);
const postgres = HOME_VARIANTS.find((v) => v.name === 'postgres')!;

/** Reads again while the server is away (a restart cuts every connection). */
async function retrying<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isPolystoreError(err, 'PS_ERR_STORE_UNAVAILABLE') || attempt > 150) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

await describeWithRestarts(['postgres'], 'sagas across a PostgreSQL restart', () => {
  it('a worker taking over a dead worker’s sagas loses its home mid-recovery, and still drives every saga to the end the model says', async () => {
    const space = await postgres.space();
    cleanups.push(space.cleanup);
    await startOrders(space.home(), ORDERS, STOCK);

    // The first worker dies inside a shipment, leaving its sagas leased and half done.
    expect(await runSagaWorker(JSON.stringify(space.locator), 'ship:before', 4)).toEqual({
      signal: 'SIGKILL',
      done: false,
    });

    // The recovering worker: each shipment takes 150 ms, so recovery is still going when the home restarts.
    const { db } = openShop(space.home(), {
      sagaOptions: { leaseMs: 1000, concurrency: 4 },
      hook: (point) => (point === 'ship:before' ? new Promise((resolve) => setTimeout(resolve, 150)) : undefined),
    });
    cleanups.push(() => db.close());
    await db.ready({ sync: false });
    const openBefore = await db.sagas.list({ states: ['running', 'compensating'] });
    expect(openBefore.length, 'sagas the dead worker left open').toBeGreaterThan(4);
    db.sagas.start();

    // Mid-recovery: some taken-over sagas have ended, others have not.
    const ended = async () =>
      (await db.sagas.list({ states: ['completed', 'compensated', 'stuck'], limit: 1000 })).length;
    const before = await ended();
    for (let i = 0; i < 200 && (await ended()) === before; i++) await new Promise((r) => setTimeout(r, 25));
    const openAtRestart = (await db.sagas.list({ states: ['running', 'compensating'] })).length;
    expect(openAtRestart, 'sagas still open when the home restarts').toBeGreaterThan(0);
    restartPostgres();

    // Nothing stranded: the same worker claims again once the home is back (no other worker, no restart of it).
    const deadline = Date.now() + 120_000;
    let final: SagaRecord[] = [];
    while (Date.now() < deadline) {
      final = await retrying(() => db.sagas.list({ states: ['running', 'compensating'], limit: 1000 }));
      if (final.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(final.map((s) => s.id)).toEqual([]);
    await retrying(() =>
      checkShop(
        db,
        space.home(),
        { p1: STOCK },
        ORDERS.map((o) => expectedOf(o, STOCK)),
      ),
    );
  }, 300_000);
});
