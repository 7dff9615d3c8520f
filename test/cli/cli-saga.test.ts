import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import configure from '../fixtures/saga-shop.config.js';
import { itemsConfigDir, runCli } from '../support/cli-runner.js';

const CONFIG = new URL('../fixtures/saga-shop.config.ts', import.meta.url).pathname;

describe('polystore saga', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const cli = (...args: string[]) => runCli(CONFIG, args, { POLYSTORE_TEST_DIR: dir.path });

  beforeAll(async () => {
    dir = await itemsConfigDir();
    const db = configure();
    await db.ready();
    await db.entity('stock').create({ id: 'p1', qty: 10 });
    const orders = [
      { orderId: 'ok', sku: 'p1', qty: 1, fail: {}, undo: {} },
      { orderId: 'stuck', sku: 'p1', qty: 1, fail: { confirm: 3 }, undo: { charge: 99 } },
    ];
    for (const input of orders) await db.saga('order').start(input, { id: input.orderId });
    for (const input of orders) await db.sagas.wait(input.orderId);
    // Started by a process that does not run sagas: it waits for a worker.
    await db.close();
    const idle = configure();
    await idle.ready({ sync: false });
    await idle.saga('order').start({ orderId: 'waiting', sku: 'p1', qty: 1, fail: {}, undo: {} }, { id: 'waiting' });
    await idle.close();
  }, 60_000);
  afterAll(() => dir.cleanup());

  it('lists sagas filtered by state and error, and shows a stuck saga with its timeline', async () => {
    const all = await cli('saga', 'list', '--json');
    expect(all.code).toBe(0);
    expect(
      JSON.parse(all.stdout)
        .map((s: { id: string }) => s.id)
        .sort(),
    ).toEqual(['ok', 'stuck', 'waiting']);
    const stuck = await cli('saga', 'list', '--state', 'stuck', '--errors');
    expect(stuck.stdout).toMatch(
      /^stuck {2}order v1 {2}stuck {2}step 3 .*error: injected compensation failure of charge/,
    );
    expect((await cli('saga', 'list', '--state', 'running')).stdout).toMatch(
      /^waiting {2}order v1 {2}running {2}step 0/,
    );
    const show = await cli('saga', 'show', 'stuck');
    expect(show.stdout).toContain(
      'charge compensate  failed  attempts 4  error: injected compensation failure of charge',
    );
    expect(show.stdout).toContain('ship compensate  done');
    expect((await cli('saga', 'list', '--state', 'nope')).code).toBe(1);
    expect((await cli('saga', 'show', 'missing')).stderr).toContain('PS_ERR_UNKNOWN_SAGA');
  }, 60_000);

  it('retries a stuck compensation and cancels a saga, refusing what its state does not allow', async () => {
    const retried = await cli('saga', 'retry', 'stuck', '--json');
    expect(JSON.parse(retried.stdout)).toMatchObject({ id: 'stuck', state: 'compensating', owner: null });
    expect((await cli('saga', 'retry', 'ok')).stderr).toContain('PS_ERR_SAGA_STATE');
    const cancelled = await cli('saga', 'cancel', 'waiting', '--json');
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: 'waiting', state: 'cancelled' });
  }, 60_000);
});
