import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import type { HomeVariant } from '../support/home-variants.js';
import { CACHE, describeOnEveryHome, dropEntry, openCheckWorld } from './check-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const item = (id: string, qty = 0) => ({ id, name: `item ${id}`, qty, tags: [] });

async function open(variant: HomeVariant, options: Parameters<typeof openCheckWorld>[1] = {}) {
  const world = await openCheckWorld(variant, options);
  cleanups.push(world.cleanup);
  return world;
}

type Corruption = 'drop' | 'stale' | 'extra';

await describeOnEveryHome('check: drift found and repaired', (variant) => {
  it('finds an entry deleted from the view behind the projector, repairs it, and a second check is clean', async () => {
    const { db, cache } = await open(variant);
    await db.entity('items').createMany(Array.from({ length: 30 }, (_, i) => item(`i${i}`, i)));
    await db.sync.catchUp();
    await dropEntry(cache, 'i7');
    const [found] = await db.check();
    expect(found).toMatchObject({ missing: 1, stale: 0, extra: 0, checked: 30, ok: false, lagging: false });
    expect(found!.sample.missing).toEqual(['i7']);
    expect((await db.check({ repair: true }))[0]).toMatchObject({ missing: 1, repaired: 1, unrepairable: 0 });
    expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, repaired: 0, ok: true });
    expect(await cache.getVersioned(CACHE, 'i7')).toEqual({ version: 1, value: item('i7', 7) });
  });

  it('finds exactly the entries corrupted behind the projector, for any set of corruptions, and repairs them', async () => {
    const { db, cache } = await open(variant);
    const entity = db.entity('items');
    await entity.createMany(Array.from({ length: 24 }, (_, i) => item(`i${i}`, i)));
    // i0..i11 at version 2 (a stale entry needs an older version to go back to); i23 deleted.
    for (let i = 0; i < 12; i++) await entity.update(`i${i}`, { qty: 100 + i });
    await entity.delete('i23');
    await db.sync.catchUp();
    const corruption = fc.constantFrom<Corruption>('drop', 'stale', 'extra');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.nat({ max: 23 }), corruption), { selector: ([i]) => i, maxLength: 20 }),
        async (plan) => {
          const expected = { missing: [] as string[], stale: [] as string[], extra: [] as string[] };
          for (const [i, what] of plan) {
            const id = `i${i}`;
            if (i === 23 || what === 'extra') {
              // A live entry for a deleted id, or for an id the home never had.
              const key = i === 23 ? id : `ghost${i}`;
              await cache.applyIfNewer(CACHE, [{ key, version: 9, value: item(key) }]);
              expected.extra.push(key);
            } else if (what === 'stale' && i < 12) {
              await dropEntry(cache, id);
              await cache.applyIfNewer(CACHE, [{ key: id, version: 1, value: item(id, i) }]);
              expected.stale.push(id);
            } else {
              await dropEntry(cache, id);
              expected.missing.push(id);
            }
          }
          const [found] = await db.check();
          expect({ ...found!.sample, changed: undefined }).toEqual({
            missing: expect.arrayContaining(expected.missing),
            stale: expect.arrayContaining(expected.stale),
            extra: expect.arrayContaining(expected.extra),
            changed: undefined,
          });
          expect(found).toMatchObject({
            missing: expected.missing.length,
            stale: expected.stale.length,
            extra: expected.extra.length,
            ok: plan.length === 0,
          });
          const drifted = plan.length;
          expect((await db.check({ repair: true }))[0]).toMatchObject({ repaired: drifted });
          expect((await db.check())[0]).toMatchObject({ missing: 0, stale: 0, extra: 0, ok: true });
          // Clears the tombstones the repair left for extra keys, so that a later run can plant them again.
          for (const key of expected.extra) await dropEntry(cache, key).catch(() => undefined);
        },
      ),
      { numRuns: variant.server ? 6 : 10 },
    );
  });

  it('finds a stored value changed at the home version only in deep mode, on key-value views; skips search', async () => {
    const { db, cache } = await open(variant, { search: true });
    const entity = db.entity('items');
    await entity.createMany(Array.from({ length: 12 }, (_, i) => item(`i${i}`, i)));
    await db.sync.catchUp();
    await db.sync.stop();
    // The home moves i3 to version 2; the cache gets other content at that same version, so the projector skips it.
    await entity.update('i3', { name: 'real' });
    await cache.applyIfNewer(CACHE, [{ key: 'i3', version: 2, value: { ...item('i3', 3), name: 'forged' } }]);
    await db.sync.start();
    await db.sync.catchUp();
    for (const result of await db.check())
      expect(result).toMatchObject({ missing: 0, stale: 0, extra: 0, changed: 0, deep: null, ok: true });
    const [cacheDeep, searchDeep] = await db.check({ deep: true });
    expect(cacheDeep).toMatchObject({ changed: 1, ok: false, deep: { compared: 12, skipped: null } });
    expect(cacheDeep!.sample.changed).toEqual(['i3']);
    expect(searchDeep).toMatchObject({ view: 'items_search', changed: 0, ok: true, deep: { compared: 0 } });
    expect(searchDeep!.deep!.skipped).toMatch(/search store cannot read an entry back/);
    const [sampled] = await db.check({ deep: { sample: 5 } });
    expect(sampled!.deep).toEqual({ compared: 5, skipped: null });
    expect(sampled!.changed).toBeLessThanOrEqual(1);
    // The fix for content at the home's version is a new version of the record.
    await entity.update('i3', { qty: 33 });
    await db.sync.catchUp();
    expect((await db.check({ deep: true }))[0]).toMatchObject({ changed: 0, ok: true });
  });
});
