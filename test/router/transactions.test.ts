import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { defineEntity, isPolystoreError, type KeyValueStore, PolystoreError } from '../../src/index.js';
import { HOME_VARIANTS, type HomeVariant, openWithCacheViews } from '../support/home-variants.js';
import { describeWithServer } from '../support/servers.js';
import { until } from '../support/until.js';

const stock = defineEntity({
  name: 'stock',
  schema: z.object({ id: z.string(), qty: z.number().int().nonnegative() }),
});
const orders = defineEntity({
  name: 'orders',
  storage: 'document',
  schema: z.object({ id: z.string(), productId: z.string(), qty: z.number().int().positive() }),
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

async function open(variant: HomeVariant) {
  const { db, cleanup } = await openWithCacheViews(variant, [stock, orders]);
  cleanups.push(cleanup);
  return db;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return isPolystoreError(err) ? err.code : `uncoded: ${String(err)}`;
  }
}

/**
 * The same home, whose first `failures` transactions run their writes for real
 * and are then aborted as the database aborts a deadlock victim.
 */
function abortingFirst(variant: HomeVariant, failures: number, homes: HomeStore[] = []): HomeVariant {
  return {
    ...variant,
    async open() {
      const opened = await variant.open();
      homes.push(opened.home);
      let left = failures;
      const home = new Proxy(opened.home, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
          return (fn: Parameters<HomeStore['transaction']>[0]) =>
            target.transaction(async (tx) => {
              const out = await fn(tx);
              if (left-- > 0) throw new PolystoreError('PS_ERR_TRANSACTION_CONFLICT', 'injected deadlock victim');
              return out;
            });
        },
      });
      return { ...opened, home };
    },
  };
}

async function describeHome(variant: HomeVariant, body: () => void): Promise<void> {
  const name = `db.transaction on ${variant.name}`;
  if (variant.server) await describeWithServer(variant.server, name, body);
  else describe(name, body);
}

for (const variant of HOME_VARIANTS) {
  await describeHome(variant, () => {
    it("commits several entities' writes and their events together, under one token", async () => {
      const db = await open(variant);
      await db.entity('stock').create({ id: 'p1', qty: 5 });
      const result = await db.transaction(async (tx) => {
        const item = await tx.entity('stock').get('p1', { lock: true });
        const updated = await tx
          .entity('stock')
          .update('p1', { qty: item!.qty - 2 }, { expectedVersion: item!.$version });
        const order = await tx.entity('orders').create({ id: 'o1', productId: 'p1', qty: 2 });
        // The transaction reads its own writes.
        expect(await tx.entity('orders').get('o1')).toMatchObject({ id: 'o1', $version: 1 });
        expect(tx.token).toBe(order.$token);
        return { updated, order };
      });
      expect(result.updated).toMatchObject({ qty: 3, $version: 2 });
      expect(result.order.$token > result.updated.$token).toBe(true);
      expect(db.lastWrite).toBe(result.order.$token);
      // One token covers both writes: waiting on it makes both visible in their views.
      const after = result.order.$token;
      expect(await db.entity('stock').get('p1', { consistency: 'read-your-writes', after })).toMatchObject({ qty: 3 });
      expect(await db.entity('orders').get('o1', { consistency: 'read-your-writes', after })).toMatchObject({ qty: 2 });
      const cache = db.views[0]!.store as KeyValueStore;
      expect(await cache.getVersioned('stock_cache', 'p1')).toMatchObject({ version: 2, value: { qty: 3 } });
      expect(await cache.getVersioned('orders_cache', 'o1')).toMatchObject({ version: 1 });
    });

    it('writes nothing at all when the callback or any write fails', async () => {
      const db = await open(variant);
      await db.entity('stock').create({ id: 'p1', qty: 5 });
      await db.sync.catchUp();
      const boom = new Error('payment declined');
      await expect(
        db.transaction(async (tx) => {
          await tx.entity('stock').update('p1', { qty: 4 });
          await tx.entity('orders').create({ id: 'o1', productId: 'p1', qty: 1 });
          throw boom;
        }),
      ).rejects.toBe(boom);
      // A version conflict inside rolls back the writes before it.
      expect(
        await codeOf(
          db.transaction(async (tx) => {
            await tx.entity('orders').create({ id: 'o2', productId: 'p1', qty: 1 });
            await tx.entity('stock').update('p1', { qty: 1 }, { expectedVersion: 7 });
          }),
        ),
      ).toBe('PS_ERR_VERSION_CONFLICT');
      // An invalid record anywhere rolls back everything too.
      expect(
        await codeOf(
          db.transaction(async (tx) => {
            await tx.entity('stock').update('p1', { qty: 2 });
            await tx.entity('orders').create({ id: 'o3', productId: 'p1', qty: -1 });
          }),
        ),
      ).toBe('PS_ERR_VALIDATION');
      expect(await db.entity('stock').get('p1', { consistency: 'strong' })).toMatchObject({ qty: 5, $version: 1 });
      expect(await db.entity('orders').count()).toBe(0);
      await db.sync.catchUp();
      // The outbox holds no event of the rolled-back writes: the views never saw them.
      const cache = db.views[0]!.store as KeyValueStore;
      expect(await cache.getVersioned('stock_cache', 'p1')).toMatchObject({ version: 1, value: { qty: 5 } });
      expect(await cache.listVersions!('orders_cache')).toEqual([]);
      expect((await db.sync.stats()).views.every((v) => v.applied <= 1)).toBe(true);
    });

    it('never oversells under concurrent transactions that reserve stock', async () => {
      const db = await open(variant);
      await db.entity('stock').create({ id: 'p1', qty: 10 });
      const attempts = Array.from({ length: 16 }, (_, i) =>
        codeOf(
          db.transaction(async (tx) => {
            const item = await tx.entity('stock').get('p1', { lock: true });
            if (!item || item.qty < 1) throw new Error('out of stock');
            await tx.entity('stock').update('p1', { qty: item.qty - 1 }, { expectedVersion: item.$version });
            await tx.entity('orders').create({ id: `o${i}`, productId: 'p1', qty: 1 });
          }),
        ),
      );
      const outcomes = await Promise.all(attempts);
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(10);
      expect(outcomes.filter((o) => o !== 'ok').every((o) => o.includes('out of stock'))).toBe(true);
      expect(await db.entity('stock').get('p1', { consistency: 'strong' })).toMatchObject({ qty: 0, $version: 11 });
      expect(await db.entity('orders').count()).toBe(10);
    });

    it.runIf(variant.server !== undefined)(
      'aborts the deadlock victim with PS_ERR_TRANSACTION_CONFLICT and writes nothing of it',
      async () => {
        const db = await open(variant);
        await db.entity('stock').createMany([
          { id: 'a', qty: 1 },
          { id: 'b', qty: 1 },
        ]);
        // Each transaction locks its first row, waits until the other has too, then wants the other's.
        const locked: (() => void)[] = [];
        const bothLocked = [0, 1].map((i) => new Promise<void>((resolve) => (locked[i] = resolve)));
        const crossing = (i: number, first: string, second: string) =>
          codeOf(
            db.transaction(async (tx) => {
              await tx.entity('stock').update(first, { qty: 100 + i });
              locked[i]!();
              await Promise.all(bothLocked);
              await tx.entity('stock').get(second, { lock: true });
              await tx.entity('stock').update(second, { qty: 100 + i });
              await tx.entity('orders').create({ id: `o${i}`, productId: first, qty: 1 });
            }),
          );
        const outcomes = await Promise.all([crossing(0, 'a', 'b'), crossing(1, 'b', 'a')]);
        expect([...outcomes].sort()).toEqual(['PS_ERR_TRANSACTION_CONFLICT', 'ok']);
        const winner = outcomes[0] === 'ok' ? 0 : 1;
        const home = await db.entity('stock').getMany(['a', 'b'], { consistency: 'strong' });
        expect(home).toMatchObject([
          { qty: 100 + winner, $version: 2 },
          { qty: 100 + winner, $version: 2 },
        ]);
        expect((await db.entity('orders').find({})).map((o) => o.id)).toEqual([`o${winner}`]);
        await db.sync.catchUp(10_000);
        const cache = db.views[0]!.store as KeyValueStore;
        expect(await cache.getVersioned('stock_cache', 'a')).toMatchObject({
          version: 2,
          value: { qty: 100 + winner },
        });
      },
      30_000,
    );

    it('runs a single write again when the home aborts it as a deadlock victim; one version, one event', async () => {
      const homes: HomeStore[] = [];
      const { db, cleanup } = await openWithCacheViews(abortingFirst(variant, 2, homes), [stock, orders]);
      cleanups.push(cleanup);
      const created = await db.entity('stock').create({ id: 'p1', qty: 5 });
      expect(created.$version).toBe(1);
      const updated = await db.entity('stock').update('p1', { qty: 4 });
      expect(updated).toMatchObject({ qty: 4, $version: 2 });
      expect(await db.entity('stock').get('p1', { consistency: 'strong' })).toMatchObject({ qty: 4, $version: 2 });
      // The server's outbox reader holds back events while older transactions (other tests') are open.
      let events: Awaited<ReturnType<HomeStore['readOutbox']>> = [];
      await until(
        async () => {
          events = (await homes[0]!.readOutbox(null, 100)).filter((e) => e.key === 'p1');
          return events.length >= 2;
        },
        20_000,
        'both events readable in the outbox',
      );
      expect(events.map((e) => [e.op, e.version])).toEqual([
        ['create', 1],
        ['update', 2],
      ]);
      await db.sync.catchUp(10_000);
      const cache = db.views[0]!.store as KeyValueStore;
      expect(await cache.getVersioned('stock_cache', 'p1')).toMatchObject({ version: 2, value: { qty: 4 } });
    });

    it('lets PS_ERR_TRANSACTION_CONFLICT reach the caller of db.transaction, whose callback may not be safe to run twice', async () => {
      const { db, cleanup } = await openWithCacheViews(abortingFirst(variant, 1), [stock, orders]);
      cleanups.push(cleanup);
      let runs = 0;
      const outcome = await codeOf(
        db.transaction(async (tx) => {
          runs++;
          await tx.entity('stock').create({ id: 'p1', qty: 5 });
        }),
      );
      expect({ outcome, runs }).toEqual({ outcome: 'PS_ERR_TRANSACTION_CONFLICT', runs: 1 });
      expect(await db.entity('stock').get('p1', { consistency: 'strong' })).toBeNull();
    });

    it('refuses use of the transaction after its callback returned', async () => {
      const db = await open(variant);
      let leaked: Parameters<Parameters<typeof db.transaction>[0]>[0] | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      expect(await codeOf(leaked!.entity('stock').create({ id: 'late', qty: 1 }))).toBe('PS_ERR_INVALID_ARGUMENT');
      expect(await db.entity('stock').get('late', { consistency: 'strong' })).toBeNull();
    });
  });
}
