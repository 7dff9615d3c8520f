import { afterEach, expect, it } from 'vitest';
import { CheckSchedule, readLastCheck } from '../../src/checker/check-schedule.js';
import { silentLogger } from '../../src/index.js';
import type { HomeVariant } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { until } from '../support/until.js';
import { CACHE, describeOnEveryHome, dropEntry, openCheckWorld } from './check-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const item = (id: string, qty = 0) => ({ id, name: `item ${id}`, qty, tags: [] });

async function open(variant: HomeVariant, checkEveryMs?: number) {
  const world = await openCheckWorld(variant, checkEveryMs ? { checkEveryMs } : {});
  cleanups.push(world.cleanup);
  return world;
}

await describeOnEveryHome('scheduled checks', (variant) => {
  it('checks on a schedule and records each view result in the home: ok, then the drift of a lost entry', async () => {
    const { db, cache } = await open(variant, 1000);
    await db.entity('items').createMany(Array.from({ length: 20 }, (_, i) => item(`i${i}`, i)));
    await db.sync.catchUp();
    const started = Date.now();
    await until(
      async () => (await db.lastCheck(CACHE))?.result.checked === 20,
      10_000,
      'a scheduled check of 20 records',
    );
    const first = await db.lastCheck(CACHE);
    expect(first).toMatchObject({ result: { view: CACHE, ok: true, missing: 0, checked: 20 } });
    await dropEntry(cache, 'i4');
    await until(async () => ((await db.lastCheck(CACHE))?.checkedAt ?? 0) > first!.checkedAt, 10_000, 'the next check');
    await until(
      async () => (await db.lastCheck(CACHE))?.result.missing === 1,
      10_000,
      'a check that found the lost entry',
    );
    expect((await db.lastCheck(CACHE))?.result).toMatchObject({ ok: false, sample: { missing: ['i4'] } });
    expect(Date.now() - started).toBeLessThan(20_000);
    await expect(db.lastCheck('nope')).rejects.toMatchObject({ code: 'PS_ERR_INVALID_ARGUMENT' });
  }, 30_000);

  it('runs the checks of one deployment in one process at a time (a lease in the home)', async () => {
    const { db, home } = await open(variant);
    let runs = 0;
    const check = async () => {
      runs++;
      return db.check();
    };
    // Two schedules over the same home, as two processes would hold them.
    const first = new CheckSchedule(home, check, 60_000, silentLogger);
    const second = new CheckSchedule(home, check, 60_000, silentLogger);
    expect(await first.runOnce()).toBe(true);
    expect(await second.runOnce()).toBe(false);
    expect(await first.runOnce()).toBe(true);
    expect(runs).toBe(2);
    expect(await readLastCheck(home, CACHE)).toMatchObject({ result: { ok: true } });
  });
});

it('refuses a schedule shorter than a second, naming checkEveryMs', async () => {
  const { pgliteHome } = await import('../../src/adapters/pglite/index.js');
  const { createPolystore } = await import('../../src/index.js');
  for (const checkEveryMs of [10, 1500.5, Number.NaN]) {
    let error: unknown;
    try {
      createPolystore({ home: pgliteHome({}), entities: [items], checkEveryMs, logger: silentLogger });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'PS_ERR_INVALID_CONFIG', field: 'checkEveryMs' });
  }
});
