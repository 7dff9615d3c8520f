import { afterEach, describe, expect, it } from 'vitest';
import { prng } from '../../examples/ecommerce/seed-data.js';
import { isPolystoreError, PolystoreError } from '../../src/errors/index.js';
import { faultyEventLog } from '../support/faulty-event-log.js';
import { intercept, recordVersions } from '../support/order-recorder.js';
import { openSyncFixture, type SyncFixture, totalDrift } from '../support/sync-fixture.js';

type Fixture = SyncFixture;
let fixture: Fixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A random mix of creates, updates and deletes over a few hot and many cold keys. */
async function randomWorkload(f: Fixture, ops: number, random: () => number): Promise<void> {
  const items = f.db.entity('items');
  const live = new Set<string>();
  for (let i = 0; i < ops; i++) {
    const key = `k${random() < 0.5 ? Math.floor(random() * 5) : Math.floor(random() * 150)}`;
    if (!live.has(key)) {
      await items.create({ id: key, name: `item ${key} ${i}`, qty: i, tags: [] });
      live.add(key);
    } else if (random() < 0.15) {
      await items.delete(key);
      live.delete(key);
    } else {
      await items.update(key, { qty: i, name: `item ${key} ${i}` });
    }
  }
}

describe('projectors under faults (real PGlite, LMDB, Orama)', () => {
  it('converge under duplicated, shuffled and re-delivered events, and never apply an older version', async () => {
    const random = prng(42);
    let faulty: ReturnType<typeof faultyEventLog> | undefined;
    let recorder: ReturnType<typeof recordVersions> | undefined;
    fixture = await openSyncFixture({
      sync: { batchSize: 25 },
      wrapLog: (log) => {
        faulty = faultyEventLog(log, { p: 0.3, random });
        return faulty;
      },
      wrapCache: (store) => {
        recorder = recordVersions(store);
        return recorder.store;
      },
    });
    await randomWorkload(fixture, 600, random);
    await fixture.db.sync.catchUp(30_000);
    expect(faulty!.redelivered()).toBeGreaterThan(5);
    expect(recorder!.regressions()).toEqual([]);
    expect([...recorder!.seen.values()].some((versions) => versions.length > 3)).toBe(true);
    const drift = await fixture.db.check();
    expect(drift.map((d) => d.view).sort()).toEqual(['items_cache', 'items_hooked', 'items_search']);
    expect(totalDrift(drift)).toBe(0);
    const stats = await fixture.db.sync.stats();
    expect(stats.deadLetters).toBe(0);
    expect(stats.views.every((v) => v.skipped > 0)).toBe(true);
  });

  it('retries a projection that fails N times, then applies it without dead-lettering', async () => {
    let failuresLeft = 3;
    fixture = await openSyncFixture({
      hook: (record) => {
        if (record.id === 'flaky' && failuresLeft-- > 0) throw new Error('transient projection failure');
      },
    });
    await fixture.db.entity('items').create({ id: 'flaky', name: 'flaky', qty: 1, tags: [] });
    await fixture.db.entity('items').create({ id: 'steady', name: 'steady', qty: 1, tags: [] });
    await fixture.db.sync.catchUp(10_000);
    const stats = await fixture.db.sync.stats();
    const hooked = stats.views.find((v) => v.view === 'items_hooked')!;
    expect(failuresLeft).toBe(-1);
    expect(hooked.failedAttempts).toBe(3);
    expect(hooked.deadLettered).toBe(0);
    expect(stats.deadLetters).toBe(0);
    expect(totalDrift(await fixture.db.check())).toBe(0);
  });

  it('sends a poison event to the dead-letter store, keeps going, and replays it once fixed', async () => {
    let poisoned = true;
    let poisonCalls = 0;
    fixture = await openSyncFixture({
      hook: (record) => {
        if (poisoned && record.name === 'poison') {
          poisonCalls++;
          throw new Error('cannot project this record');
        }
      },
    });
    const items = fixture.db.entity('items');
    await items.create({ id: 'p1', name: 'poison', qty: 1, tags: [] });
    for (let i = 0; i < 30; i++) await items.create({ id: `ok${i}`, name: `fine ${i}`, qty: i, tags: [] });
    await fixture.db.sync.catchUp(10_000);

    const letters = await fixture.db.sync.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      consumer: 'items_hooked',
      attempts: 4,
      event: { entity: 'items', key: 'p1', version: 1, op: 'create' },
    });
    expect(letters[0]!.error).toContain('cannot project this record');
    expect(poisonCalls).toBe(4);
    const before = await fixture.db.check();
    expect(before.find((d) => d.view === 'items_hooked')).toMatchObject({ missing: 1, stale: 0, extra: 0 });
    expect(before.filter((d) => d.view !== 'items_hooked').every((d) => d.missing + d.stale + d.extra === 0)).toBe(
      true,
    );

    poisoned = false;
    expect(await fixture.db.sync.replayDeadLetters()).toEqual({ replayed: 1, failed: 0 });
    expect(await fixture.db.sync.deadLetters()).toHaveLength(0);
    expect(totalDrift(await fixture.db.check())).toBe(0);
  });

  it('replays only the dead letters named by id, leaving the others', async () => {
    let poisoned = true;
    fixture = await openSyncFixture({
      hook: (record) => {
        if (poisoned && String(record.name).startsWith('poison')) throw new Error('cannot project this record');
      },
    });
    const items = fixture.db.entity('items');
    await items.create({ id: 'p1', name: 'poison 1', qty: 1, tags: [] });
    await items.create({ id: 'p2', name: 'poison 2', qty: 2, tags: [] });
    await fixture.db.sync.catchUp(10_000);
    const letters = await fixture.db.sync.deadLetters('items_hooked');
    expect(letters.map((l) => l.event.key).sort()).toEqual(['p1', 'p2']);

    poisoned = false;
    const first = letters.find((l) => l.event.key === 'p1')!;
    expect(await fixture.db.sync.replayDeadLetters('items_hooked', (l) => l.id === first.id)).toEqual({
      replayed: 1,
      failed: 0,
    });
    expect((await fixture.db.sync.deadLetters()).map((l) => l.event.key)).toEqual(['p2']);
    const hooked = (await fixture.db.check({ views: ['items_hooked'] }))[0]!;
    expect(hooked).toMatchObject({ missing: 1, stale: 0, extra: 0 });
  });

  it('retries an unavailable store without dead-lettering, then applies everything', async () => {
    let outages = 6;
    fixture = await openSyncFixture({
      wrapCache: (store) =>
        intercept(store, {
          applyIfNewer: (scope, changes) => {
            if (outages-- > 0) return Promise.reject(new PolystoreError('PS_ERR_STORE_UNAVAILABLE', 'cache is down'));
            return store.applyIfNewer(scope, changes);
          },
        }),
    });
    for (let i = 0; i < 20; i++)
      await fixture.db.entity('items').create({ id: `i${i}`, name: `n${i}`, qty: i, tags: [] });
    await fixture.db.sync.catchUp(10_000);
    expect(outages).toBeLessThan(0);
    expect((await fixture.db.sync.stats()).deadLetters).toBe(0);
    expect(totalDrift(await fixture.db.check())).toBe(0);
  });

  it('resumes from its checkpoint after a restart instead of re-applying everything', async () => {
    fixture = await openSyncFixture();
    for (let i = 0; i < 50; i++)
      await fixture.db.entity('items').create({ id: `i${i}`, name: `n${i}`, qty: i, tags: [] });
    await fixture.db.sync.catchUp(10_000);
    await fixture.reopen();
    const reopened = fixture;
    for (let i = 0; i < 5; i++) await reopened.db.entity('items').update(`i${i}`, { qty: 100 + i });
    await reopened.db.sync.catchUp(10_000);
    const stats = await reopened.db.sync.stats();
    for (const view of stats.views) expect(view.applied + view.skipped).toBe(5);
    expect(totalDrift(await reopened.db.check())).toBe(0);
    const cached = await reopened.db.entity('items').get('i3');
    expect(cached).toMatchObject({ qty: 103, $version: 2 });
  });

  it('reads its own writes through the cache and the index, and times out with a coded error when sync is stopped', async () => {
    fixture = await openSyncFixture();
    const items = fixture.db.entity('items');
    await items.create({ id: 'a', name: 'alpha widget', qty: 1, tags: [] });
    const updated = await items.update('a', { name: 'alpha gadget' });
    expect(await items.get('a', { consistency: 'read-your-writes' })).toMatchObject({
      name: 'alpha gadget',
      $version: updated.$version,
    });
    const found = await items.search({ text: 'gadget' }, { consistency: 'read-your-writes' });
    expect(found.hits.map((h) => h.record.id)).toEqual(['a']);

    await fixture.db.sync.stop();
    await items.update('a', { name: 'alpha gizmo' });
    const err = await items.get('a', { consistency: 'read-your-writes', timeoutMs: 150 }).catch((e: unknown) => e);
    expect(isPolystoreError(err, 'PS_ERR_CONSISTENCY_TIMEOUT')).toBe(true);
    expect(await items.get('a', { consistency: 'strong' })).toMatchObject({ name: 'alpha gizmo', $version: 3 });
    expect(await items.get('a')).toMatchObject({ name: 'alpha gadget', $version: 2 });
  });
});
