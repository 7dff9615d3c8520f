import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { redisStore } from '../../src/adapters/redis/index.js';
import { DEFAULT_CHECK_SETTINGS } from '../../src/checker/check-settings.js';
import { checkConsistency, type ViewDrift } from '../../src/checker/consistency-checker.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { cacheView, createPolystore, defineEntity, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS, openOnHome } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { deleteRedisKeys } from '../support/server-cleanup.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';
import { describeOnEveryHome } from './check-fixture.js';

/** Ids whose bytes every side must hash alike. */
const ODD = ['a', 'A', "it's", 'x"); --', '日本', '😀', 'u\u0308', 'a:b', 'k*[1]', ' ', 'L'.repeat(300)];

/** What happens to one id in the home: created, then each step in turn where it applies. */
type Step = 'update' | 'delete' | 'create';
/** What the view holds for it, written through the store's own apply. */
type Held = 'same' | 'none' | 'older' | 'ahead' | 'tombstone';

const plans = fc
  .uniqueArray(
    fc.oneof(
      fc.constantFrom(...ODD),
      fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
    ),
    { minLength: 1, maxLength: 24 },
  )
  .chain((ids) =>
    fc.tuple(
      ...ids.map((id) =>
        fc.record({
          id: fc.constant(id),
          inHome: fc.boolean(),
          steps: fc.array(fc.constantFrom<Step>('update', 'delete', 'create'), { maxLength: 5 }),
          held: fc.constantFrom<Held>('same', 'same', 'none', 'older', 'ahead', 'tombstone'),
          by: fc.integer({ min: 1, max: 3 }),
        }),
      ),
    ),
  );

/** The answer, from the whole home and the whole view: what every check must report. */
function reference(
  live: ReadonlyMap<string, number>,
  entries: readonly { key: string; version: number; deleted: boolean }[],
): { missing: string[]; stale: string[]; extra: string[] } {
  const held = new Map(entries.map((entry) => [entry.key, entry]));
  const out = { missing: [] as string[], stale: [] as string[], extra: [] as string[] };
  for (const [id, version] of live) {
    const entry = held.get(id);
    if (!entry) out.missing.push(id);
    else if (entry.version < version) out.stale.push(id);
  }
  for (const entry of entries) if (!entry.deleted && !live.has(entry.key)) out.extra.push(entry.key);
  for (const list of Object.values(out)) list.sort();
  return out;
}

const found = (drift: ViewDrift) => ({
  missing: [...drift.sample.missing].sort(),
  stale: [...drift.sample.stale].sort(),
  extra: [...drift.sample.extra].sort(),
});

/** Every id settles at once: nothing is in flight, the view holds what was written to it. */
const settledProgress = { reached: async () => true, lagMs: async () => 0 };

await describeOnEveryHome('digest check against the scan and the reference (Redis view)', (variant) => {
  let home: HomeStore;
  let store: KeyValueStore;
  let cleanup: () => Promise<void>;
  const keyPrefix = `ps_test_${randomUUID().replaceAll('-', '')}:`;

  beforeAll(async () => {
    ({ home, cleanup } = await variant.open());
    store = redisStore({ url: SERVER_URLS.redis, keyPrefix });
    await store.ready();
  });
  afterAll(async () => {
    await store.close();
    await home.close();
    await cleanup();
    await deleteRedisKeys(keyPrefix);
  });

  it('finds exactly the missing, stale and extra ids the scan finds, for random homes and views', async () => {
    await fc.assert(
      fc.asyncProperty(plans, fc.boolean(), async (ids, builtFirst) => {
        const entity = defineEntity({
          name: uniqueName('digest'),
          storage: 'document',
          schema: z.object({ id: z.string(), n: z.number() }),
        });
        const view = cacheView(entity, { store: 'cache' });
        await home.ensureSchema([entity.table]);
        const spec = entity.table;
        // Built first: the applies below keep the digests; otherwise the check builds them from the entries.
        if (builtFirst) expect(await store.buildDigests!(view.scope)).toBe(true);
        for (const plan of ids.filter((p) => p.inHome)) {
          await home.transaction((tx) => tx.insert(spec, plan.id, { id: plan.id, n: 0 }));
          let alive = true;
          for (const step of plan.steps) {
            if (step === 'update' && alive)
              await home.transaction(async (tx) =>
                tx.update(spec, plan.id, { id: plan.id, n: 1 }, (await tx.get(spec, plan.id))!.version),
              );
            else if (step === 'delete' && alive) await home.transaction((tx) => tx.delete(spec, plan.id));
            else if (step === 'create' && !alive)
              await home.transaction((tx) => tx.insert(spec, plan.id, { id: plan.id, n: 2 }));
            alive = step === 'delete' ? false : step === 'create' ? true : alive;
          }
        }
        const live = new Map((await home.listVersions(spec)).map((row) => [row.id, row.version]));
        const deleted = new Map((await home.listTombstones(spec)).map((row) => [row.id, row.version]));
        // Each id's entries as a projector would have written them, version after version, then what it holds.
        const histories = ids.map((plan) => {
          const version = live.get(plan.id) ?? deleted.get(plan.id) ?? 0;
          const upTo = (last: number) =>
            Array.from({ length: Math.max(last, 0) }, (_, i) => ({ key: plan.id, version: i + 1, value: { n: i } }));
          const last = { key: plan.id, version: Math.max(version, 1), value: live.has(plan.id) ? { n: -1 } : null };
          if (plan.held === 'same') return version === 0 ? upTo(1) : [...upTo(version - 1), last];
          if (plan.held === 'older') return upTo(version - plan.by);
          if (plan.held === 'ahead') return upTo(version + plan.by);
          if (plan.held === 'tombstone')
            return [...upTo(version - plan.by), { key: plan.id, version: version - plan.by + 1, value: null }];
          return [];
        });
        for (let round = 0; histories.some((h) => h.length > round); round++)
          await store.applyIfNewer(
            view.scope,
            histories.flatMap((h) => (h[round] ? [h[round]!] : [])),
          );
        const expected = reference(live, await store.listVersions!(view.scope));
        const target = { view, store, entity, settings: { ...DEFAULT_CHECK_SETTINGS, maxLagSeconds: 5 } };
        const [byDigest] = await checkConsistency(home, [target], { progress: settledProgress });
        const [byScan] = await checkConsistency(home, [target], { progress: settledProgress, scan: true });
        expect(byDigest!.method).toBe('digest');
        expect(byScan!.method).toBe('scan');
        expect(found(byDigest!)).toEqual(expected);
        expect(found(byScan!)).toEqual(expected);
        expect(byDigest!.checked).toBe(live.size);
        expect(byDigest!).toMatchObject({ missing: expected.missing.length, stale: expected.stale.length });
        expect(byDigest!.extra).toBe(expected.extra.length);
        // An extra id the home never had is found only by listing the view, and the result says so.
        const strays = expected.extra.some((id) => !deleted.has(id));
        expect(byDigest!.listedBecause !== null).toBe(strays);
      }),
      { numRuns: 12 },
    );
  });
});

await describeWithServer('redis', 'digest check through db.check() (PGlite home, Redis view)', () => {
  it('builds the digests on the first check, finds stale and stray entries, repairs, and compares a deep sample', async () => {
    const keyPrefix = `ps_test_${randomUUID().replaceAll('-', '')}:`;
    const redis = new Redis(SERVER_URLS.redis);
    const pglite = HOME_VARIANTS.find((variant) => variant.name === 'pglite')!;
    const cache = redisStore({ url: SERVER_URLS.redis, keyPrefix });
    const { db, cleanup } = await openOnHome(pglite, (home) =>
      createPolystore({
        home,
        stores: { cache },
        entities: [items],
        views: [
          cacheView(items, {
            store: 'cache',
            select: (record) => {
              if (record.name === 'poison') throw new Error('poison');
              return record;
            },
          }),
        ],
        sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
        logger: silentLogger,
      }),
    );
    try {
      const entity = db.entity('items');
      await entity.createMany(
        Array.from({ length: 300 }, (_, i) => ({ id: `i${i}`, name: `n${i}`, qty: i, tags: [] })),
      );
      await db.sync.catchUp();
      const [first] = await db.check();
      expect(first).toMatchObject({ ok: true, method: 'digest', checked: 300, listedBecause: null, idsMoved: 0 });

      // An update whose projection throws never reaches the view (dead-lettered): a stale entry, found by reading a few ids.
      await entity.update('i7', { name: 'poison' });
      await db.sync.catchUp();
      const [stale] = await db.check();
      expect(stale).toMatchObject({ method: 'digest', stale: 1, listedBecause: null, lagging: false });
      expect(stale!.sample.stale).toEqual(['i7']);
      expect(stale!.idsMoved).toBeLessThan(20);
      // A live entry of an id the home never had: only listing the view finds it, and the result says so.
      await cache.applyIfNewer('items_cache', [{ key: 'ghost', version: 1, value: { id: 'ghost' } }]);
      const [repair] = await db.check({ repair: true });
      expect(repair).toMatchObject({ method: 'digest', stale: 1, extra: 1, repaired: 1, unrepairable: 1 });
      expect(repair!.listedBecause).toMatch(/ids the home has no record of/);
      const [after] = await db.check();
      expect(after).toMatchObject({ method: 'digest', stale: 1, extra: 0, listedBecause: null });

      // Content changed behind the store at the same version: the digests agree, a deep sample covering every record does not.
      const entry = await redis.get(`${keyPrefix}items_cache:i9`);
      await redis.set(`${keyPrefix}items_cache:i9`, entry!.replace('"n9"', '"tampered"'));
      const [deep] = await db.check({
        views: ['items_cache'],
        deep: { sample: 300 },
        checks: [{ view: 'items_cache', maxLagSeconds: 0.5 }],
      });
      expect(deep).toMatchObject({ method: 'digest', changed: 1, deep: { compared: 299, skipped: null } });
      expect(deep!.sample.changed).toEqual(['i9']);
    } finally {
      await cleanup();
      redis.disconnect();
      await deleteRedisKeys(keyPrefix);
    }
  });
});
