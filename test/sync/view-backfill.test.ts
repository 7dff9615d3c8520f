import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { type BackfillShop, type Item, openBackfillShop, summary } from '../support/backfill-shop.js';
import { clean, diffView, jsonFormOf, keyValueEntries, readHomeTruth } from '../support/e2e-compare.js';
import { HOME_VARIANTS, type HomeVariant } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { describeWithServer } from '../support/servers.js';
import { tempDir } from '../support/temp-dir.js';

const RUNNER = fileURLToPath(new URL('../fixtures/backfill-runner.ts', import.meta.url));
const REBUILDER = fileURLToPath(new URL('../fixtures/rebuild-runner.ts', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

/** 300 items, 60 updated, 40 deleted, every view caught up, then the outbox pruned: the log no longer has them. */
async function seed(variant: HomeVariant, dir: string) {
  const space = await variant.space();
  cleanups.push(space.cleanup);
  const db = openBackfillShop(space.home(), dir, false);
  await db.ready();
  const client = db.entity('items');
  await client.createMany(
    Array.from({ length: 300 }, (_, i) => ({
      id: `it${String(i).padStart(3, '0')}`,
      name: `item ${i}`,
      qty: i,
      tags: [],
    })),
  );
  for (let i = 0; i < 60; i++) await client.update(`it${String(i * 5).padStart(3, '0')}`, { tags: ['a', 'b'] });
  for (let i = 0; i < 40; i++) await client.delete(`it${String(i * 7 + 1).padStart(3, '0')}`);
  await db.sync.catchUp(30_000);
  expect(await db.sync.prune()).toBeGreaterThan(0);
  await db.close();
  return space;
}

async function expectCopyMatchesHome(shop: BackfillShop): Promise<void> {
  const truth = await readHomeTruth(shop.home, items);
  const copy = shop.db.views.find((v) => v.view.name === 'items_copy')!.store as KeyValueStore;
  const diff = diffView('items_copy', truth, await keyValueEntries(copy, 'items_copy'), (row) =>
    summary(jsonFormOf(items, row) as Item),
  );
  expect(clean(diff) ? 'clean' : diff).toBe('clean');
  // The search view holds every live record at its version, and no deleted one live.
  const held = new Map(
    (await shop.db.views.find((v) => v.view.name === 'items_search')!.store.listVersions!('items_search')).map((e) => [
      e.key,
      e,
    ]),
  );
  for (const [id, row] of truth.live)
    expect({ id, version: held.get(id)?.version }).toEqual({ id, version: row.version });
  for (const [id, entry] of held) if (!entry.deleted) expect(truth.live.has(id)).toBe(true);
  const found = await shop.db.entity('items').search({ text: 'item', typoTolerance: 0, limit: 1 });
  const named = [...truth.live.values()].filter((row) => String(row.data.name).startsWith('item ')).length;
  expect(found.total).toBe(named);
}

/** Writes that race the backfill: updates of ids it has not reached yet, deletes, re-creates and new ids. */
async function writeDuring(db: ReturnType<typeof openBackfillShop>, rounds: number): Promise<void> {
  const client = db.entity('items');
  for (let r = 0; r < rounds; r++) {
    const id = `it${String(299 - r * 3).padStart(3, '0')}`;
    const current = await client.get(id, { consistency: 'strong' });
    if (current) await client.update(id, { qty: -r, name: `late ${r}` });
    await client.create({ id: `new${r}`, name: `new ${r}`, qty: r, tags: ['n'] });
    if (r % 4 === 0) await client.delete(`it${String(r * 7 + 2).padStart(3, '0')}`).catch(() => undefined);
    if (r % 5 === 0)
      await client.create({ id: `it${String(r * 7 + 1).padStart(3, '0')}`, name: 'back', qty: 1, tags: [] });
  }
}

function describeBackfill(variant: HomeVariant): void {
  it('fills a view added after the outbox was pruned, by content, while writes go on; reports it backfilling until done', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const space = await seed(variant, dir.path);
    const home = space.home();
    const db = openBackfillShop(home, dir.path, true, { minChunk: 10, maxChunk: 10 });
    cleanups.push(() => db.close());
    await db.ready();
    // Recorded before ready() returns: from then on every process reports the view backfilling, never up to date.
    const first = (await db.sync.stats()).backfills.find((b) => b.view === 'items_copy');
    expect(first).toMatchObject({ status: 'running', reason: 'new-view', entity: 'items', total: 260 });
    await writeDuring(db, 30);
    await db.sync.catchUp(60_000);
    const done = await db.sync.backfills.status('items_copy');
    expect(done).toMatchObject({ status: 'done', phase: 'tombstones', owner: null, unprojectable: 0 });
    // Every record and tombstone that existed at the start was read once (the end was fixed at the start).
    expect(done!.examined).toBeGreaterThanOrEqual(300);
    expect(done!.examined).toBeLessThan(300 + 60);
    expect((await db.sync.backfills.status('items_search'))?.status).toBe('done');
    // The old view had handled everything before the prune: it needed no backfill.
    expect(await db.sync.backfills.status('items_cache')).toBeNull();
    await expectCopyMatchesHome({ db, home });
    await db.close();

    // Opened again, a finished backfill is not run again.
    const again = openBackfillShop(space.home(), dir.path, true);
    cleanups.push(() => again.close());
    await again.ready();
    await again.sync.catchUp(30_000);
    expect(await again.sync.backfills.status('items_copy')).toMatchObject({
      startedAt: done!.startedAt,
      status: 'done',
    });
  }, 120_000);

  it('pauses, reports paused, resumes from where it stopped, and cancels', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const space = await seed(variant, dir.path);
    const home = space.home();
    // Slow chunks of 10: the pause lands mid-way.
    const db = openBackfillShop(home, dir.path, true, { minChunk: 10, maxChunk: 10, pollMs: 50 });
    cleanups.push(() => db.close());
    await db.ready();
    let record = await db.sync.backfills.status('items_copy');
    for (let i = 0; i < 400 && !(record && record.examined > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      record = await db.sync.backfills.status('items_copy');
    }
    const paused = await db.sync.backfills.pause('items_copy');
    expect(paused).toMatchObject({ status: 'paused', owner: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const still = await db.sync.backfills.status('items_copy');
    // Nothing moved while paused (a chunk in flight when the pause landed is not saved over it).
    expect(still).toMatchObject({ status: 'paused', examined: paused!.examined, after: paused!.after });
    expect(still!.examined).toBeLessThan(300);
    expect((await db.sync.stats()).backfills.map((b) => [b.view, b.status])).toContainEqual(['items_copy', 'paused']);
    await expect(db.sync.backfills.pause('items_copy')).resolves.toMatchObject({ status: 'paused' });
    await db.sync.backfills.resume('items_copy');
    await db.sync.catchUp(60_000);
    const done = await db.sync.backfills.status('items_copy');
    expect(done).toMatchObject({ status: 'done' });
    // Resumed from the cursor: no chunk read twice beyond the one in flight at the pause.
    expect(done!.examined).toBeLessThanOrEqual(300 + 10);
    await expectCopyMatchesHome({ db, home });
    await expect(db.sync.backfills.resume('items_copy')).rejects.toMatchObject({ code: 'PS_ERR_BACKFILL_STATE' });

    // A search while its view is being refilled says so (its results cover what the view holds); once done, not.
    await db.sync.backfills.request('items_search');
    await db.sync.backfills.pause('items_search');
    const during = await db.entity('items').search({ text: 'item', limit: 1 });
    expect(during.backfilling).toMatchObject({ examined: expect.any(Number), total: expect.any(Number) });
    await db.sync.backfills.resume('items_search');
    await db.sync.catchUp(60_000);
    // The search reads the view's backfill record at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await db.entity('items').search({ text: 'item', limit: 1 })).backfilling).toBeUndefined();

    // A requested backfill can be cancelled; a cancelled one is final.
    await db.sync.backfills.request('items_copy');
    const cancelled = await db.sync.backfills.cancel('items_copy');
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'requested' });
    await expect(db.sync.backfills.pause('items_copy')).rejects.toMatchObject({ code: 'PS_ERR_BACKFILL_STATE' });
    await expect(db.sync.backfills.status('nope')).rejects.toMatchObject({ code: 'PS_ERR_INVALID_ARGUMENT' });
  }, 120_000);

  it('resumes a backfill whose process was killed (SIGKILL) from its saved cursor, and ends with the view equal to the home', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const space = await seed(variant, dir.path);
    const { lastSeen, finished } = await killMidway(JSON.stringify(space.locator), dir.path, 60);
    expect(finished).toBe(false);
    expect(lastSeen).toBeGreaterThanOrEqual(60);
    const home = space.home();
    // A worker takes it over once the dead process's lease (1 s) runs out.
    const db = openBackfillShop(home, dir.path, true, { minChunk: 5, maxChunk: 5, leaseMs: 1000 });
    cleanups.push(() => db.close());
    await db.ready({ sync: false });
    const left = await db.sync.backfills.status('items_copy');
    expect(left).toMatchObject({ status: 'running', reason: 'requested', phase: 'rows' });
    expect(left!.examined).toBeGreaterThanOrEqual(lastSeen);
    expect(left!.examined).toBeLessThan(300);
    await db.sync.start();
    await db.sync.catchUp(60_000);
    const done = await db.sync.backfills.status('items_copy');
    expect(done).toMatchObject({ status: 'done', startedAt: left!.startedAt });
    // Resumed, not restarted: each record and tombstone read once, give or take the chunk in flight at the kill.
    expect(done!.examined).toBeGreaterThanOrEqual(300);
    expect(done!.examined).toBeLessThanOrEqual(300 + 5);
    expect(done!.owner).toBeNull();
    await expectCopyMatchesHome({ db, home });
  }, 120_000);

  it('resumes a rebuild whose process was killed (SIGKILL) mid-copy: reads stayed on the old generation, the new one ends equal to the home', async () => {
    const dir = await tempDir();
    cleanups.push(dir.cleanup);
    const space = await seed(variant, dir.path);
    const { lastSeen, finished } = await killMidway(JSON.stringify(space.locator), dir.path, 60, REBUILDER, 'copied');
    expect(finished).toBe(false);
    const home = space.home();
    const db = openBackfillShop(home, dir.path, false, { minChunk: 5, maxChunk: 5, leaseMs: 1000 });
    cleanups.push(() => db.close());
    await db.ready();
    // Reads are still on generation 0; writes go to both until the rebuild is resumed.
    expect(db.generations('items_cache')).toMatchObject({ active: 0, building: 1 });
    expect(await db.entity('items').get('it003')).toMatchObject({ name: 'item 3' });
    await db.entity('items').update('it003', { name: 'changed while stopped' });
    const outcome = await db.rebuild('items_cache');
    expect(outcome).toMatchObject({ from: 0, to: 1 });
    // Resumed from the saved cursor, not started again: the rest of the 300 records and tombstones, give or take a chunk.
    expect(outcome.examined).toBeGreaterThanOrEqual(300);
    expect(outcome.examined).toBeLessThanOrEqual(300 + 5);
    expect(lastSeen).toBeGreaterThanOrEqual(60);
    expect(db.generations('items_cache')).toMatchObject({ active: 1, building: null, retiring: null, dropping: null });
    await db.sync.catchUp(30_000);
    const truth = await readHomeTruth(home, items);
    const { view, store } = db.views.find((v) => v.view.name === 'items_cache')!;
    const diff = diffView(
      'items_cache_g1',
      truth,
      await keyValueEntries(store as KeyValueStore, 'items_cache_g1'),
      (row) => view.project(jsonFormOf(items, row)),
    );
    expect(clean(diff) ? 'clean' : diff).toBe('clean');
    expect(await db.entity('items').get('it003')).toMatchObject({ name: 'changed while stopped' });
  }, 120_000);
}

/**
 * Runs `fixture` (a backfill or a rebuild) in a child process and SIGKILLs it
 * once it has saved `killAt` examined records (lines `<word> <examined>`).
 */
async function killMidway(
  home: string,
  dir: string,
  killAt: number,
  fixture = RUNNER,
  word = 'progress',
): Promise<{ lastSeen: number; finished: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, '--home', home, '--dir', dir, '--chunk', '5'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let lastSeen = 0;
  let finished = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line === 'done' || line.startsWith('rebuilt ')) finished = true;
    const examined = Number(line.split(' ')[1]);
    if (line.startsWith(`${word} `)) lastSeen = examined;
    if (lastSeen >= killAt) {
      child.kill('SIGKILL');
      break;
    }
  }
  await exited;
  return { lastSeen, finished };
}

describe('view backfill: pglite home', () => describeBackfill(HOME_VARIANTS[0]!));
for (const variant of HOME_VARIANTS.slice(1))
  await describeWithServer(variant.server!, `view backfill: ${variant.name} home`, () => describeBackfill(variant));
