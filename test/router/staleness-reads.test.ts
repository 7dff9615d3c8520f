import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPolystoreError, type KeyValueStore, polystoreMetrics } from '../../src/index.js';
import { openSyncFixture, type SyncFixture } from '../support/sync-fixture.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reads bounded by staleness (PGlite home, LMDB cache, Orama search)', () => {
  let fixture: SyncFixture;
  beforeAll(async () => {
    fixture = await openSyncFixture();
  });
  afterAll(() => fixture.cleanup());

  it('serves from the view while it is fresh enough, from the home while its projector is paused, and waits where the home cannot answer', async () => {
    const { db } = fixture;
    const items = db.entity('items');
    await items.create({ id: 'a', name: 'first lamp', qty: 1, tags: [] });
    await db.sync.catchUp(10_000);
    await db.sync.stop();
    try {
      const v2 = await items.update('a', { name: 'second lamp', qty: 2 });
      await sleep(300);
      // The cache is behind: an unbounded read shows it.
      expect((await items.get('a'))?.$version).toBe(v2.$version - 1);
      expect((await items.get('a', { maxStalenessMs: 200 }))?.$version).toBe(v2.$version);
      expect((await items.getMany(['a'], { maxStalenessMs: 200 }))[0]?.$version).toBe(v2.$version);
      // A bound wider than the lag accepts the view.
      expect((await items.get('a', { maxStalenessMs: 60_000 }))?.$version).toBe(v2.$version - 1);
      const health = db.health().views.find((v) => v.view === 'items_cache')!;
      expect(health.staleness).toEqual({ view: 1, home: 2, waited: 0, cheaperHome: 0 });
      // Search has no home to fall back on: it waits, and gives up with a coded error.
      const refused = await items
        .search({ text: 'lamp' }, { maxStalenessMs: 100, timeoutMs: 300 })
        .catch((err: unknown) => err);
      expect(isPolystoreError(refused, 'PS_ERR_CONSISTENCY_TIMEOUT')).toBe(true);
      await expect(items.get('a', { maxStalenessMs: -1 })).rejects.toMatchObject({ code: 'PS_ERR_INVALID_ARGUMENT' });
      await expect(items.get('a', { maxStalenessMs: 5, onStale: 'later' as never })).rejects.toMatchObject({
        field: 'onStale',
      });
      // onStale 'wait' for a get: it waits for the view rather than reading the home.
      const waiting = items.get('a', { maxStalenessMs: 100, onStale: 'wait', timeoutMs: 10_000 });
      await sleep(100);
      await db.sync.start();
      expect((await waiting)?.$version).toBe(v2.$version);
      const found = await items.search({ text: 'second' }, { maxStalenessMs: 100, timeoutMs: 10_000 });
      expect(found.hits.map((h) => [h.record.id, h.record.$version])).toEqual([['a', v2.$version]]);
    } finally {
      if (!db.sync.running) await db.sync.start();
    }
  }, 60_000);

  it('never returns data older than its bound, whatever the writes and pauses (model-based)', async () => {
    const { db } = fixture;
    const items = db.entity('items');
    let run = 0;
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), key: fc.integer({ min: 0, max: 2 }) }),
      fc.record({
        kind: fc.constant('read' as const),
        key: fc.integer({ min: 0, max: 2 }),
        bound: fc.constantFrom(0, 30, 120, 400),
        many: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('pause' as const), running: fc.boolean() }),
      fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 5, max: 150 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 25 }), async (ops) => {
        run++;
        const id = (k: number) => `m${run}-${k}`;
        /** Per key: each version's acknowledgement time (its commit was no later). */
        const acked = new Map<string, { version: number; at: number }[]>();
        try {
          for (const o of ops) {
            if (o.kind === 'write') {
              const key = id(o.key);
              const record = acked.has(key)
                ? await items.update(key, { qty: Date.now() % 1000 })
                : await items.create({ id: key, name: 'm', qty: 0, tags: [] });
              acked.set(key, [...(acked.get(key) ?? []), { version: record.$version, at: Date.now() }]);
            } else if (o.kind === 'read') {
              const key = id(o.key);
              const started = Date.now();
              const record = o.many
                ? (await items.getMany([key], { maxStalenessMs: o.bound }))[0]
                : await items.get(key, { maxStalenessMs: o.bound });
              // Every version acknowledged before (start - bound) must be reflected.
              const owed = (acked.get(key) ?? []).filter((v) => v.at < started - o.bound).at(-1)?.version ?? 0;
              expect({ key, bound: o.bound, version: record?.$version ?? 0 }).toEqual({
                key,
                bound: o.bound,
                version: expect.toSatisfy((v: number) => v >= owed),
              });
            } else if (o.kind === 'pause') {
              if (o.running && !db.sync.running) await db.sync.start();
              if (!o.running && db.sync.running) await db.sync.stop();
            } else await sleep(o.ms);
          }
        } finally {
          if (!db.sync.running) await db.sync.start();
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});

describe('bounded reads either store can answer go to the one measured faster', () => {
  /** The cache store answering 25 ms late: a remote cache farther than the home. */
  const slow = (store: KeyValueStore): KeyValueStore =>
    new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getVersionedSync') return undefined;
        const value = Reflect.get(target, prop, receiver);
        if ((prop === 'getVersioned' || prop === 'mgetVersioned') && typeof value === 'function')
          return async (...args: unknown[]) => {
            await sleep(25);
            return value.apply(target, args);
          };
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  for (const [name, wrap, expectHome] of [
    ['a slow cache', slow, true],
    ['a fast cache', undefined, false],
  ] as const) {
    it(`with ${name}: ${expectHome ? 'the home' : 'the cache'} serves most reads, each as fresh as its bound`, async () => {
      const fixture = await openSyncFixture(wrap ? { wrapCache: wrap } : {});
      try {
        const { db } = fixture;
        const items = db.entity('items');
        for (let i = 0; i < 5; i++) await items.create({ id: `c${i}`, name: `n${i}`, qty: i, tags: [] });
        await db.sync.catchUp(10_000);
        for (let i = 0; i < 40; i++) {
          const id = `c${i % 5}`;
          const record =
            i % 2
              ? await items.get(id, { maxStalenessMs: 60_000 })
              : (await items.getMany([id], { maxStalenessMs: 60_000 }))[0];
          expect(record).toMatchObject({ id, qty: i % 5 });
        }
        const { staleness } = db.health().views.find((v) => v.view === 'items_cache')!;
        expect(staleness.view).toBe(40);
        if (expectHome) expect(staleness.cheaperHome).toBeGreaterThanOrEqual(30);
        else expect(staleness.cheaperHome).toBeLessThanOrEqual(10);
        // The same counts as Prometheus sees them (route, never an id).
        const metrics = await polystoreMetrics(db);
        try {
          const text = (await metrics.render()).body;
          const sample = (route: string) =>
            Number(
              new RegExp(`^polystore_bounded_reads_total\\{view="items_cache",route="${route}"\\} (\\d+)`, 'm').exec(
                text,
              )?.[1],
            );
          expect(sample('home_cheaper')).toBe(staleness.cheaperHome);
          expect(sample('view') + sample('home_cheaper')).toBe(40);
        } finally {
          metrics.close();
        }
      } finally {
        await fixture.cleanup();
      }
    }, 60_000);
  }
});
