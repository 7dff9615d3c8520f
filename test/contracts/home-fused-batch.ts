import { describe, expect, it } from 'vitest';
import type { EntityTableSpec, HomeStore } from '../../src/contracts/home-store.js';
import { change, eventsOf, expectCode, settledThrough, strictlyIncreasing } from './home-contract-support.js';

/** What the fused batch tests write to: the contract's home and its two fresh tables. */
export interface FusedBatchTarget {
  readonly home: HomeStore;
  readonly products: EntityTableSpec;
  readonly docs: EntityTableSpec;
}

/**
 * `insertManyWithEvents`, where the home has it: the rows of `insertMany` and
 * the create events `appendOutboxMany` would append, from one call, with the
 * same all-or-none, version and ordering guarantees.
 */
export function describeFusedBatch(target: () => FusedBatchTarget): void {
  describe('batch insert with its create events in one call', () => {
    const createMany = (spec: EntityTableSpec, rows: [string, Record<string, unknown>][]) =>
      target().home.transaction((tx) =>
        tx.insertManyWithEvents!(
          spec,
          rows.map(([id, data]) => ({ id, data })),
          rows.map(([id, data]) => ({ id, ...data })),
        ),
      );

    it('inserts the rows and appends their events in input order, versions after tombstones', async () => {
      const { home, products, docs } = target();
      await home.transaction((tx) => tx.insert(docs, 'd2', { title: 'old' }));
      await home.transaction((tx) => tx.delete(docs, 'd2'));
      const rows: [string, Record<string, unknown>][] = [
        ['d9', { title: "x'); --", nested: { list: [1, null] } }],
        ['d2', { title: 'again' }],
        ['d1', { title: 'first' }],
      ];
      const { versions, position } = await createMany(docs, rows);
      expect(versions).toEqual([1, 3, 1]);
      expect(await home.listTombstones(docs)).toEqual([]);
      await settledThrough(home, position);
      const events = await eventsOf(home, docs.entity);
      const created = events.filter((e) => e.op === 'create').slice(-3);
      expect(created.map((e) => [e.key, e.version])).toEqual([
        ['d9', 1],
        ['d2', 3],
        ['d1', 1],
      ]);
      expect(created.at(-1)!.position).toBe(position);
      expect(strictlyIncreasing(created.map((e) => e.position))).toBe(true);
      for (const [i, [id, data]] of rows.entries()) {
        expect(created[i]!.payload).toEqual({ id, ...data });
        expect((await home.get(docs, id))?.data).toEqual({ id, ...data });
      }
      const typed = await createMany(products, [
        ['p1', { name: 'Laptop', price: 1.5, stock: 3, active: true, specs: { ram: [16] } }],
        ['p2', { name: 'Mouse', released: '2024-01-02T00:00:00Z' }],
      ]);
      expect(typed.versions).toEqual([1, 1]);
      expect((await home.get(products, 'p1'))?.data).toMatchObject({ name: 'Laptop', specs: { ram: [16] } });
      expect((await home.get(products, 'p2'))?.data.released).toEqual(new Date('2024-01-02T00:00:00Z'));
    });

    it('follows earlier appends of its transaction and precedes later ones', async () => {
      const { home, docs } = target();
      const { first, batch, last } = await home.transaction(async (tx) => ({
        first: await tx.appendOutbox(change(docs, 'before', 1)),
        batch: await tx.insertManyWithEvents!(
          docs,
          ['b', 'a', 'c'].map((id) => ({ id, data: { title: id } })),
          ['b', 'a', 'c'].map((id) => ({ id, title: id })),
        ),
        last: await tx.appendOutbox(change(docs, 'after', 1)),
      }));
      await settledThrough(home, last);
      const events = await eventsOf(home, docs.entity);
      expect(events.map((e) => e.key)).toEqual(['before', 'b', 'a', 'c', 'after']);
      expect(strictlyIncreasing(events.map((e) => e.position))).toBe(true);
      expect(events[0]!.position).toBe(first);
      expect(events[3]!.position).toBe(batch.position);
    });

    it('writes nothing when one id is taken or repeated, or a value is refused', async () => {
      const { home, products, docs } = target();
      await home.transaction((tx) => tx.insert(docs, 'taken', { title: 'first' }));
      const head = await home.outboxHead();
      const taken = await expectCode(
        createMany(docs, [
          ['fresh', { title: 'a' }],
          ['taken', { title: 'b' }],
        ]),
        'PS_ERR_ALREADY_EXISTS',
      );
      expect(taken.field).toBe('id');
      await expectCode(
        createMany(docs, [
          ['twice', { title: 'a' }],
          ['twice', { title: 'b' }],
        ]),
        'PS_ERR_ALREADY_EXISTS',
      );
      await expectCode(createMany(products, [['p9', { price: 1 }]]), 'PS_ERR_VALIDATION');
      expect(await home.getMany(docs, ['fresh', 'twice'])).toEqual([]);
      expect((await home.get(docs, 'taken'))?.data.title).toBe('first');
      expect(await home.outboxHead()).toBe(head);
    });

    it('rolls back with the transaction', async () => {
      const { home, docs } = target();
      const boom = new Error('boom');
      await expect(
        home.transaction(async (tx) => {
          await tx.insertManyWithEvents!(docs, [{ id: 'r1', data: { title: 'x' } }], [{ id: 'r1', title: 'x' }]);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await home.get(docs, 'r1')).toBeNull();
      expect(await eventsOf(home, docs.entity)).toEqual([]);
    });
  });
}
