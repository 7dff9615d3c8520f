import { afterEach, expect, it } from 'vitest';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { type Item, openBackfillShop, summary } from '../support/backfill-shop.js';
import { clean, diffView, jsonFormOf, keyValueEntries, readHomeTruth } from '../support/e2e-compare.js';
import { expectHomeHoldsModel, type ItemsModel } from '../support/home-model.js';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { describeWithServer } from '../support/servers.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

const variant = (name: string) => HOME_VARIANTS.find((v) => v.name === name)!;

/** What every acknowledged write left: each id's record, or null once deleted. */
type Model = ItemsModel & Map<string, Omit<Item, 'id'> | null>;

/**
 * Writes through `db` one at a time until `stop()` (creates, updates, deletes
 * and re-creates of deleted ids, seeded by `seed`), recording each write the
 * home acknowledged in `model`. Any error fails the test: during a move the
 * application's own writes wait at the cutover, they never fail.
 */
function writeUntilStopped(db: ReturnType<typeof openBackfillShop>, model: Model, seed: number) {
  const client = db.entity('items');
  let stopped = false;
  let writes = 0;
  let random = seed;
  const next = (n: number) => {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    return random % n;
  };
  const done = (async () => {
    for (let i = 0; !stopped; i++) {
      const id = `it${String(next(400)).padStart(3, '0')}`;
      const held = model.get(id);
      const record = { name: `w${i}`, qty: i, tags: i % 3 === 0 ? ['x'] : [] };
      if (held === undefined || held === null) {
        await client.create({ id, ...record });
        model.set(id, record);
      } else if (next(4) === 0) {
        await client.delete(id);
        model.set(id, null);
      } else {
        await client.update(id, record);
        model.set(id, record);
      }
      writes++;
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    get writes() {
      return writes;
    },
    async stop() {
      stopped = true;
      await done;
    },
  };
}

async function expectViewsMatchHome(db: ReturnType<typeof openBackfillShop>, home: HomeStore): Promise<void> {
  const truth = await readHomeTruth(home, items);
  for (const [name, project] of [
    ['items_cache', (row: Parameters<typeof jsonFormOf>[1]) => jsonFormOf(items, row)],
    ['items_copy', (row: Parameters<typeof jsonFormOf>[1]) => summary(jsonFormOf(items, row) as Item)],
  ] as const) {
    const store = db.views.find((v) => v.view.name === name)!.store as KeyValueStore;
    const diff = diffView(name, truth, await keyValueEntries(store, name), project);
    expect(clean(diff) ? 'clean' : diff).toBe('clean');
  }
  const found = await db.entity('items').search({ text: 'w', typoTolerance: 0, limit: 1 });
  expect(found.total).toBe([...truth.live.values()].filter((row) => /^w\d/.test(String(row.data.name))).length);
  for (const result of await db.check({ deep: true }))
    expect(result).toMatchObject({ ok: true, missing: 0, stale: 0, extra: 0 });
}

function describeMove(from: HomeVariant, to: HomeVariant): void {
  it(`moves a running application's home from ${from.name} to ${to.name} while it writes; views and content match`, async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const source = await from.space();
    cleanups.push(source.cleanup);
    const target = await to.space();
    cleanups.push(target.cleanup);

    const db = openBackfillShop(source.home(), dir.path, true);
    cleanups.push(() => db.close());
    await db.ready();
    const model: Model = new Map();
    await db.entity('items').createMany(
      Array.from({ length: 250 }, (_, i) => {
        const record = { name: `seed ${i}`, qty: i, tags: [] };
        model.set(`it${String(i).padStart(3, '0')}`, record);
        return { id: `it${String(i).padStart(3, '0')}`, ...record };
      }),
    );
    for (let i = 0; i < 30; i++) {
      await db.entity('items').delete(`it${String(i * 8).padStart(3, '0')}`);
      model.set(`it${String(i * 8).padStart(3, '0')}`, null);
    }
    await db.sync.catchUp(30_000);

    const writer = writeUntilStopped(db, model, 7);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const steps = new Set<string>();
    const newHome = target.home();
    const outcome = await db.moveHome(newHome, { onProgress: (p) => steps.add(p.step) });
    const during = writer.writes;
    // The application goes on writing, now to the new home.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await writer.stop();
    expect(writer.writes).toBeGreaterThan(during);
    expect(during).toBeGreaterThan(0);
    expect([...steps]).toEqual([
      'copying',
      'catching-up',
      'verifying',
      'fencing',
      'final-catch-up',
      'final-verify',
      'moving-outbox',
      'done',
    ]);
    expect(outcome).toMatchObject({ from: expect.stringContaining(from.name === 'mariadb' ? 'mysql' : from.name) });
    expect(outcome.rows).toBeGreaterThanOrEqual(200);
    expect(outcome.tombstones).toBeGreaterThanOrEqual(1);
    expect(outcome.writesPausedMs).toBeLessThan(10_000);
    // The final catch-up reads every event up to the fence: nothing is left to repair after it.
    expect(outcome.repairedAfterFence).toBe(0);

    await db.sync.catchUp(60_000);
    await expectHomeHoldsModel(newHome, model);
    await expectViewsMatchHome(db, newHome);
    expect(await db.sync.deadLetters()).toEqual([]);

    // The old home refuses writes from anyone else, naming the new one.
    await db.close();
    const old = source.home();
    cleanups.push(() => old.close());
    const refused = await old
      .transaction(async (tx) => {
        const version = await tx.insert(items.table, 'late', { id: 'late', name: 'x', qty: 1, tags: [] });
        await tx.appendOutbox({ entity: 'items', key: 'late', version, op: 'create', payload: { id: 'late' } });
      })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(isPolystoreError(refused, 'PS_ERR_HOME_MOVED')).toBe(true);
    expect((refused as Error).message).toContain(newHome.location);
    expect((refused as Error).message).not.toMatch(/password|secret/);
    expect(await old.get(items.table, 'late')).toBeNull();
  });
}

for (const [from, to] of [
  ['pglite', 'postgres'],
  ['postgres', 'mariadb'],
  ['mariadb', 'pglite'],
] as const) {
  const pair = [variant(from), variant(to)] as const;
  const servers = pair.flatMap((v) => (v.server ? [v.server] : []));
  await describeWithServer(servers, `moving the home from ${from} to ${to}`, () => describeMove(...pair));
}
