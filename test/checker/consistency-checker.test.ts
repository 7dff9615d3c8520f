import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { cacheView, createPolystore, isPolystoreError } from '../../src/index.js';
import { HOME_VARIANTS } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { until } from '../support/until.js';
import { CACHE, type CheckWorldOptions, dropEntry, openCheckWorld } from './check-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const pglite = HOME_VARIANTS.find((variant) => variant.name === 'pglite')!;

async function open(options: CheckWorldOptions = {}) {
  const world = await openCheckWorld(pglite, options);
  cleanups.push(world.cleanup);
  return world;
}

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return isPolystoreError(err) ? `${err.code} ${err.field}` : String(err);
  }
  return 'no error';
};

describe('consistency checker', () => {
  it('does not report a TTL cache whose entries expired as drift, and still finds stale and extra entries', async () => {
    // Long enough for the stale and extra entries written below to outlive the check under load (300 ms did not).
    const { db, cache } = await open({ ttlMs: 3000 });
    const entity = db.entity('items');
    for (let i = 0; i < 5; i++) await entity.create({ id: `t${i}`, name: `n${i}`, qty: i, tags: [] });
    await entity.update('t1', { qty: 10 });
    await db.sync.catchUp();
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, ok: true });
    await until(async () => (await cache.listVersions!(CACHE)).length === 0, 20_000, 'entries to expire');
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, checked: 5, ok: true });
    // A stale entry is drift even in a TTL cache: t1 back at version 1 behind the projector, which is past it.
    await cache.applyIfNewer(CACHE, [{ key: 't1', version: 1, value: { id: 't1' } }]);
    await cache.applyIfNewer(CACHE, [{ key: 'gone', version: 1, value: { id: 'gone' } }]);
    const [found] = await db.check();
    expect(found).toMatchObject({ missing: 0, stale: 1, extra: 1, ok: false });
    expect(found!.sample).toMatchObject({ stale: ['t1'], extra: ['gone'] });
  });

  it('repairs every drifted record but one whose projection throws, and reports that one', async () => {
    const { db, cache } = await open({ poison: 'bad' });
    const entity = db.entity('items');
    for (let i = 0; i < 6; i++) await entity.create({ id: `r${i}`, name: i === 3 ? 'bad' : `n${i}`, qty: i, tags: [] });
    await db.sync.catchUp();
    // The projector dead-lettered r3; five more entries are lost behind its back.
    expect(await db.sync.deadLetters(CACHE)).toHaveLength(1);
    for (const id of ['r0', 'r1', 'r2', 'r4', 'r5']) await dropEntry(cache, id);
    const [before] = await db.check();
    expect(before).toMatchObject({ missing: 6, lagging: false });
    const [repaired] = await db.check({ repair: true });
    expect(repaired).toMatchObject({ missing: 6, repaired: 5, unrepairable: 1 });
    const [after] = await db.check();
    expect(after).toMatchObject({ missing: 1, stale: 0, extra: 0 });
    expect(after!.sample.missing).toEqual(['r3']);
    expect(await cache.getVersioned(CACHE, 'r5')).toMatchObject({ version: 1, value: { name: 'n5' } });
  });

  it('is ok within maxDriftRatio: 1 drifted of 200 passes 0.01, 5 do not; a call overrides the config', async () => {
    const { db, cache } = await open({ checks: [{ view: CACHE, maxDriftRatio: 0.01 }] });
    await db
      .entity('items')
      .createMany(
        Array.from({ length: 200 }, (_, i) => ({ id: `k${String(i).padStart(3, '0')}`, name: 'n', qty: i, tags: [] })),
      );
    await db.sync.catchUp();
    await dropEntry(cache, 'k000');
    expect((await db.check())[0]).toMatchObject({ missing: 1, checked: 200, driftRatio: 0.005, ok: true });
    for (const id of ['k050', 'k100', 'k150', 'k199']) await dropEntry(cache, id);
    expect((await db.check())[0]).toMatchObject({ missing: 5, driftRatio: 0.025, maxDriftRatio: 0.01, ok: false });
    expect((await db.check({ checks: [{ view: CACHE, maxDriftRatio: 0.05 }] }))[0]).toMatchObject({ ok: true });
    // Without a tolerance, any drift is not ok.
    expect((await db.check({ checks: [{ view: CACHE, maxDriftRatio: 0 }] }))[0]).toMatchObject({ ok: false });
  });

  it('refuses bad check settings in the config and in a call, with a coded error naming the field', async () => {
    const configured = (checks: unknown) => () =>
      createPolystore({
        home: pgliteHome(),
        stores: { cache: lmdbStore({ path: join(tmpdir(), 'never-opened') }) },
        entities: [items],
        views: [cacheView(items, { store: 'cache' })],
        checks: checks as never,
      });
    expect(codeOf(configured({ view: CACHE }))).toBe('PS_ERR_INVALID_CONFIG checks');
    expect(codeOf(configured([{ view: 'nope' }]))).toBe('PS_ERR_INVALID_CONFIG checks[0].view');
    expect(codeOf(configured([{ view: CACHE }, { view: CACHE }]))).toBe('PS_ERR_INVALID_CONFIG checks[1].view');
    expect(codeOf(configured([{ view: CACHE, maxDriftRatio: 1.5 }]))).toBe(
      'PS_ERR_INVALID_CONFIG checks[0].maxDriftRatio',
    );
    expect(codeOf(configured([{ view: CACHE, maxLagSeconds: -1 }]))).toBe(
      'PS_ERR_INVALID_CONFIG checks[0].maxLagSeconds',
    );
    expect(codeOf(configured([{ view: CACHE, deep: { sample: 0 } }]))).toBe('PS_ERR_INVALID_CONFIG checks[0].deep');
    expect(codeOf(configured([{ view: CACHE, maxDriftRatio: 0.01, maxLagSeconds: 0, deep: { sample: 3 } }]))).toBe(
      'no error',
    );
    const { db } = await open();
    const refused = async (options: Parameters<typeof db.check>[0]) => {
      const err = await db.check(options).catch((e: unknown) => e);
      return isPolystoreError(err) ? `${err.code} ${err.field}` : String(err);
    };
    expect(await refused({ checks: [{ view: 'nope' }] })).toBe('PS_ERR_INVALID_ARGUMENT checks[0].view');
    expect(await refused({ deep: 'yes' as never })).toBe('PS_ERR_INVALID_ARGUMENT deep');
  });
});
