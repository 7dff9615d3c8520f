import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../src/contracts/change-event.js';
import type { FilterNode, JsonValue } from '../../src/contracts/filter-ast.js';
import type { EntityTableSpec, FindOptions, HomeStore } from '../../src/contracts/home-store.js';
import { comparePositions, type LogPosition } from '../../src/contracts/log-position.js';
import { uniqueName } from '../support/temp-dir.js';
import {
  change,
  documentSpec,
  eventsOf,
  expectCode,
  relationalSpec,
  settledThrough,
  strictlyIncreasing,
} from './home-contract-support.js';
import { describeHomeDigests } from './home-digests.js';
import { describeFusedBatch } from './home-fused-batch.js';
import { describeHomeIds } from './home-ids.js';
import { describeHomeMove } from './home-move.js';
import { describeHomeRacers } from './home-racers.js';
import { describeHomeScanAndState } from './home-scan-state.js';

export interface HomeContractCapabilities {
  /** Two transactions can be open at once (server homes); false for single-connection PGlite. */
  readonly concurrentTransactions?: boolean;
  /** The home's transactions offer `insertMany` and `appendOutboxMany` (one statement per batch). */
  readonly batchWrites?: boolean;
  /**
   * The home's transactions offer `insertWithEvent` (row and create event in
   * one call), and with `batchWrites` `insertManyWithEvents` (a batch's rows and events).
   */
  readonly fusedCreate?: boolean;
  /** How many transactions the home runs at once (its pool size); the racers line up that many. */
  readonly connections?: number;
}

/** Each call returns a new home whose outbox no other test writes to (e.g. in a fresh schema). */
export type MakeHome = () => Promise<{ home: HomeStore; cleanup: () => Promise<void> }>;

const INJECTION = "x'); DROP TABLE users; --";
const ALL: FindOptions = { limit: 100, offset: 0, orderBy: [] };

/** The behaviour every home adapter must show; run it from the adapter's test file. */
export function describeHomeContract(name: string, make: MakeHome, capabilities: HomeContractCapabilities = {}): void {
  describe(`home contract: ${name}`, () => {
    let home: HomeStore;
    let cleanup: () => Promise<void>;
    let products: EntityTableSpec;
    let docs: EntityTableSpec;

    beforeEach(async () => {
      ({ home, cleanup } = await make());
      products = relationalSpec();
      docs = documentSpec();
      await home.ensureSchema([products, docs]);
    });
    afterEach(() => cleanup());

    const insert = (spec: EntityTableSpec, id: string, data: Record<string, unknown>) =>
      home.transaction((tx) => tx.insert(spec, id, data));
    const ids = async (spec: EntityTableSpec, filter: FilterNode | null, options = ALL) =>
      (await home.find(spec, filter, options)).map((row) => row.id);

    it('ensureSchema is idempotent', async () => {
      await home.ensureSchema([products, docs]);
      await home.ensureSchema([products]);
      expect(await insert(products, 'p1', { name: 'Laptop' })).toBe(1);
      await home.ensureSchema([products, docs]);
      expect((await home.get(products, 'p1'))?.data.name).toBe('Laptop');
    });

    it('versions rows through insert, update and delete', async () => {
      expect(await insert(products, 'p1', { name: 'Laptop', price: 999.5 })).toBe(1);
      expect(await home.get(products, 'p1')).toMatchObject({
        id: 'p1',
        version: 1,
        data: { id: 'p1', name: 'Laptop' },
      });
      expect(await home.transaction((tx) => tx.update(products, 'p1', { name: 'Laptop 2', price: 5 }, 1))).toBe(2);
      expect(await home.get(products, 'p1')).toMatchObject({ version: 2, data: { name: 'Laptop 2', price: 5 } });
      expect(await home.transaction((tx) => tx.delete(products, 'p1', 2))).toBe(3);
      expect(await home.get(products, 'p1')).toBeNull();
    });

    it('reports ALREADY_EXISTS, NOT_FOUND and VERSION_CONFLICT', async () => {
      await insert(products, 'p1', { name: 'Laptop' });
      const exists = await expectCode(insert(products, 'p1', { name: 'Again' }), 'PS_ERR_ALREADY_EXISTS');
      expect(exists.field).toBe('id');
      await expectCode(
        home.transaction((tx) => tx.update(products, 'nope', { name: 'x' }, 1)),
        'PS_ERR_NOT_FOUND',
      );
      await expectCode(
        home.transaction((tx) => tx.delete(products, 'nope')),
        'PS_ERR_NOT_FOUND',
      );
      await home.transaction((tx) => tx.update(products, 'p1', { name: 'v2' }, 1));
      const stale = await expectCode(
        home.transaction((tx) => tx.update(products, 'p1', { name: 'x' }, 1)),
        'PS_ERR_VERSION_CONFLICT',
      );
      expect(stale.details).toEqual({ expectedVersion: 1, currentVersion: 2 });
      await expectCode(
        home.transaction((tx) => tx.delete(products, 'p1', 1)),
        'PS_ERR_VERSION_CONFLICT',
      );
      expect((await home.get(products, 'p1'))?.data.name).toBe('v2');
    });

    it('continues the version after a delete (tombstone + 1)', async () => {
      await insert(docs, 'd1', { title: 'a' });
      await home.transaction((tx) => tx.update(docs, 'd1', { title: 'b' }, 1));
      expect(await home.transaction((tx) => tx.delete(docs, 'd1'))).toBe(3);
      expect(await insert(docs, 'd1', { title: 'c' })).toBe(4);
      expect(await home.transaction((tx) => tx.delete(docs, 'd1', 4))).toBe(5);
      expect(await insert(docs, 'd1', { title: 'd' })).toBe(6);
      expect(await insert(products, 'd1', { name: 'another entity starts at 1' })).toBe(1);
    });

    it('round-trips typed columns and documents', async () => {
      const full = {
        name: 'Laptop',
        price: 1.5,
        stock: 3,
        active: false,
        released: new Date(day(10)),
        specs: { ram: [16] },
      };
      await insert(products, 'p1', full);
      expect((await home.get(products, 'p1'))?.data).toEqual({ id: 'p1', ...full });
      await insert(products, 'p2', { name: 'Bare', released: '2024-01-01T00:00:00Z' });
      const bare = (await home.get(products, 'p2'))!.data;
      expect(bare).toMatchObject({ id: 'p2', name: 'Bare', price: null, stock: null, active: null, specs: null });
      expect(bare.released).toEqual(new Date(day(1)));
      const doc = { title: 'T', nested: { list: [1, 'two', null, { deep: true }] } };
      await insert(docs, 'd1', doc);
      expect((await home.get(docs, 'd1'))?.data).toEqual({ id: 'd1', ...doc });
      await expectCode(insert(products, 'p3', { name: 'x', colour: 'red' }), 'PS_ERR_UNKNOWN_FIELD');
      await expectCode(insert(products, 'p3', { price: 1 }), 'PS_ERR_VALIDATION');
    });

    it('reads inside a transaction, with a row lock', async () => {
      await insert(products, 'p1', { name: 'Laptop' });
      const row = await home.transaction(async (tx) => {
        const locked = await tx.get(products, 'p1', { lock: true });
        await tx.update(products, 'p1', { name: 'Locked' }, locked!.version);
        return tx.get(products, 'p1');
      });
      expect(row).toMatchObject({ version: 2, data: { name: 'Locked' } });
    });

    it('rolls back the row and its outbox event when the transaction throws', async () => {
      const boom = new Error('boom');
      const failed = home.transaction(async (tx) => {
        const version = await tx.insert(products, 'p1', { name: 'Laptop' });
        await tx.appendOutbox(change(products, 'p1', version));
        throw boom;
      });
      await expect(failed).rejects.toBe(boom);
      expect(await home.get(products, 'p1')).toBeNull();
      expect(await eventsOf(home, products.entity)).toEqual([]);
      expect(await insert(products, 'p1', { name: 'Laptop' })).toBe(1);
    });

    it('reads the outbox in order, with payloads, ids and positions', async () => {
      const appended: LogPosition[] = [];
      for (let i = 1; i <= 5; i++) {
        appended.push(
          await home.transaction((tx) => tx.appendOutbox(change(docs, `k${i}`, i, { n: i, nested: { s: 'x' } }))),
        );
      }
      appended.push(
        ...(await home.transaction(async (tx) => [
          await tx.appendOutbox(change(docs, 'k6', 1)),
          await tx.appendOutbox({ entity: docs.entity, key: 'k6', version: 2, op: 'delete', payload: null }),
        ])),
      );
      await settledThrough(home, appended.at(-1)!);
      const events = await eventsOf(home, docs.entity);
      expect(events.map((e) => e.key)).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k6']);
      expect(events.map((e) => e.position)).toEqual(appended);
      expect(strictlyIncreasing(events.map((e) => e.position))).toBe(true);
      expect(events[0]).toMatchObject({
        entity: docs.entity,
        version: 1,
        op: 'create',
        eventId: `${docs.entity}/k1@1`,
      });
      expect(events[0]?.payload).toEqual({ n: 1, nested: { s: 'x' } });
      expect(events[6]).toMatchObject({ op: 'delete', payload: null, version: 2 });
      expect(Math.abs(events[0]!.committedAt - Date.now())).toBeLessThan(60_000);
      expect(await home.outboxHead()).toBe(appended.at(-1));
    });

    it('pages through the outbox and resumes from a position', async () => {
      const start = await home.outboxHead();
      const keys = Array.from({ length: 13 }, (_, i) => `k${i}`);
      await home.transaction(async (tx) => {
        for (const key of keys.slice(0, 11)) await tx.appendOutbox(change(docs, key, 1));
      });
      let last: LogPosition | null = start;
      for (const key of keys.slice(11)) last = await home.transaction((tx) => tx.appendOutbox(change(docs, key, 1)));
      await settledThrough(home, last!);
      const all = await home.readOutbox(start, 100);
      expect(all.map((e) => e.key)).toEqual(keys);
      const paged: ChangeEvent[] = [];
      let after = start;
      for (let page = await home.readOutbox(after, 3); page.length > 0; page = await home.readOutbox(after, 3)) {
        expect(page.length).toBeLessThanOrEqual(3);
        paged.push(...page);
        after = page.at(-1)!.position;
      }
      expect(paged).toEqual(all);
      expect((await home.readOutbox(all[9]!.position, 100)).map((e) => e.key)).toEqual(keys.slice(10));
      expect(await home.readOutbox(all.at(-1)!.position, 100)).toEqual([]);
    });

    it('prunes the outbox up to a position', async () => {
      let last: LogPosition | null = null;
      for (let i = 0; i < 4; i++) last = await home.transaction((tx) => tx.appendOutbox(change(docs, `k${i}`, 1)));
      await settledThrough(home, last!);
      const events = await eventsOf(home, docs.entity);
      expect(await home.pruneOutbox(events[1]!.position)).toBeGreaterThanOrEqual(2);
      expect((await eventsOf(home, docs.entity)).map((e) => e.key)).toEqual(['k2', 'k3']);
      expect(await home.pruneOutbox(events[1]!.position)).toBe(0);
      await home.pruneOutbox(events[3]!.position);
      expect(await eventsOf(home, docs.entity)).toEqual([]);
    });

    it('keeps and updates checkpoints', async () => {
      const [a, b] = [uniqueName('consumer'), uniqueName('consumer')];
      expect(await home.getCheckpoint(a)).toBeNull();
      const p1 = await home.transaction((tx) => tx.appendOutbox(change(docs, 'k1', 1)));
      const p2 = await home.transaction((tx) => tx.appendOutbox(change(docs, 'k2', 1)));
      await home.setCheckpoint(a, p1);
      expect(await home.getCheckpoint(a)).toBe(p1);
      await home.setCheckpoint(a, p2);
      await home.setCheckpoint(b, p1);
      expect([await home.getCheckpoint(a), await home.getCheckpoint(b)]).toEqual([p2, p1]);
    });

    it('adds, lists, filters and removes dead letters', async () => {
      const positions = await home.transaction(async (tx) => [
        await tx.appendOutbox(change(docs, 'k1', 1, { a: 1 })),
        await tx.appendOutbox(change(docs, 'k2', 1, { a: 2 })),
      ]);
      await settledThrough(home, positions[1]!);
      const [event, other] = (await home.readOutbox(null, 100)).filter((e) => positions.includes(e.position));
      const first = await home.addDeadLetter({
        consumer: 'search',
        event: event!,
        attempts: 5,
        error: 'PS_ERR_X: failed',
      });
      const second = await home.addDeadLetter({ consumer: 'cache', event: event!, attempts: 1, error: 'e2' });
      const third = await home.addDeadLetter({ consumer: 'search', event: other!, attempts: 2, error: 'e3' });
      expect(first).toMatchObject({ consumer: 'search', event, attempts: 5, error: 'PS_ERR_X: failed' });
      expect(typeof first.id).toBe('string');
      expect(first.failedAt).toBeInstanceOf(Date);
      expect((await home.listDeadLetters()).map((d) => d.id)).toEqual([first.id, second.id, third.id]);
      expect((await home.listDeadLetters('search')).map((d) => d.id)).toEqual([first.id, third.id]);
      expect((await home.listDeadLetters('search'))[0]).toEqual(first);
      expect(await home.removeDeadLetter(first.id)).toBe(true);
      expect(await home.removeDeadLetter(first.id)).toBe(false);
      expect(await home.removeDeadLetter('not-an-id')).toBe(false);
      expect((await home.listDeadLetters('search')).map((d) => d.id)).toEqual([third.id]);
      const bulk: string[] = [];
      for (let i = 2; i <= 10; i++) {
        const letter = {
          ...first,
          consumer: 'bulk',
          event: { ...event!, version: i, eventId: `${docs.entity}/k1@${i}` },
        };
        bulk.push((await home.addDeadLetter(letter)).id);
      }
      expect((await home.listDeadLetters('bulk')).map((d) => d.id)).toEqual(bulk);
    });

    it('keeps one dead letter per consumer and event, with the latest failure', async () => {
      const position = await home.transaction((tx) => tx.appendOutbox(change(docs, 'k1', 1, { a: 1 })));
      await settledThrough(home, position);
      const [event] = (await home.readOutbox(null, 100)).filter((e) => e.position === position);
      const first = await home.addDeadLetter({ consumer: 'search', event: event!, attempts: 5, error: 'e1' });
      // The same event dead-lettered again (redelivered after a crash before its ack).
      const again = await home.addDeadLetter({ consumer: 'search', event: event!, attempts: 3, error: 'e2' });
      expect(again).toMatchObject({ id: first.id, consumer: 'search', event, attempts: 3, error: 'e2' });
      const letters = await home.listDeadLetters();
      expect(letters.map((d) => [d.id, d.attempts, d.error])).toEqual([[first.id, 3, 'e2']]);
      expect(await home.removeDeadLetter(first.id)).toBe(true);
      expect((await home.addDeadLetter({ consumer: 'search', event: event!, attempts: 1, error: 'e3' })).id).not.toBe(
        first.id,
      );
    });

    it('lists the tombstones of deleted ids with the version of their delete', async () => {
      for (const id of ['d1', 'd2', 'd3']) await insert(docs, id, { title: id });
      await home.transaction((tx) => tx.delete(docs, 'd2'));
      await home.transaction((tx) => tx.update(docs, 'd3', { title: 'again' }, 1));
      await home.transaction((tx) => tx.delete(docs, 'd3'));
      await insert(products, 'd1', { name: 'another entity' });
      await home.transaction((tx) => tx.delete(products, 'd1'));
      expect(await home.listTombstones(docs)).toEqual([
        { id: 'd2', version: 2 },
        { id: 'd3', version: 3 },
      ]);
      // A re-created id is live again: its tombstone is gone.
      await insert(docs, 'd2', { title: 'back' });
      expect(await home.listTombstones(docs)).toEqual([{ id: 'd3', version: 3 }]);
      expect(await home.listTombstones(products)).toEqual([{ id: 'd1', version: 2 }]);
    });

    it('finds relational rows with every operator', async () => {
      for (const [id, data] of PRODUCTS) await insert(products, id, data);
      const cases: [FilterNode, string[]][] = [
        [cmp('name', 'eq', 'Mouse'), ['p2']],
        [cmp('active', 'ne', true), ['p3', 'p4']],
        [cmp('price', 'gt', 100), ['p1', 'p3']],
        [cmp('price', 'gte', 249), ['p1', 'p3']],
        [cmp('stock', 'lt', 3), ['p2', 'p5']],
        [cmp('stock', 'lte', 3), ['p1', 'p2', 'p5']],
        [cmp('released', 'lte', day(10)), ['p1', 'p2']],
        [and(cmp('name', 'gte', 'M'), cmp('name', 'lt', 'N')), ['p2', 'p3']],
        [cmp('stock', 'eq', null), ['p3']],
        [cmp('stock', 'ne', null), ['p1', 'p2', 'p4', 'p5']],
        [inList('name', ['Mouse', 'Laptop']), ['p1', 'p2']],
        [inList('stock', [null, 12]), ['p3', 'p4']],
        [inList('stock', [0, 3], true), ['p3', 'p4', 'p5']],
        [inList('stock', [null, 0], true), ['p1', 'p4', 'p5']],
        [inList('name', []), []],
        [inList('id', ['p1', 'p3', 'zz']), ['p1', 'p3']],
        [exists('stock', true), ['p1', 'p2', 'p4', 'p5']],
        [exists('stock', false), ['p3']],
        [cmp('specs.ram', 'gte', 8), ['p1', 'p4']],
        [cmp('specs.ports', 'eq', 'usb'), ['p1']],
        [or(and(cmp('active', 'eq', true), cmp('price', 'lt', 100)), cmp('name', 'eq', 'Monitor')), ['p2', 'p3', 'p5']],
        [and(), ['p1', 'p2', 'p3', 'p4', 'p5']],
        [or(), []],
        [cmp('name', 'eq', INJECTION), ['p5']],
      ];
      for (const [filter, expected] of cases)
        expect(await ids(products, filter), JSON.stringify(filter)).toEqual(expected);
    });

    it('finds documents with dotted paths, arrays, $exists, ne/nin on absent fields and nesting', async () => {
      for (const [id, data] of DOCS) await insert(docs, id, data);
      const cases: [FilterNode, string[]][] = [
        [cmp('title', 'eq', 'Alpha'), ['d1']],
        [cmp('tags', 'eq', 'red'), ['d1', 'd4']],
        [cmp('tags', 'eq', ['green']), ['d2']],
        [cmp('dims.w', 'eq', 5), ['d1', 'd3']],
        [cmp('dims', 'eq', { w: 7 }), ['d2']],
        [cmp('dims', 'eq', { w: 5 }), []],
        [cmp('items.0.sku', 'eq', 'a'), ['d3']],
        [cmp('matrix', 'eq', [3]), ['d4']],
        [cmp('matrix', 'eq', [1]), []],
        [cmp('tags', 'ne', 'red'), ['d2', 'd3']],
        [cmp('dims.h', 'ne', 2), ['d2', 'd3', 'd4']],
        [cmp('price', 'gt', 9), ['d1', 'd2']],
        [and(cmp('price', 'gte', 7), cmp('price', 'lte', 10)), ['d1', 'd3']],
        [and(cmp('title', 'gte', 'B'), cmp('title', 'lt', 'H')), ['d2', 'd3']],
        [cmp('score', 'gt', 5), []],
        [cmp('score', 'gt', '1'), ['d2']],
        [cmp('price', 'eq', null), ['d4']],
        [cmp('note', 'eq', null), ['d1', 'd2', 'd3', 'd4']],
        [cmp('price', 'ne', null), ['d1', 'd2', 'd3']],
        [inList('price', [7, 10]), ['d1', 'd3']],
        [inList('price', [7, 10], true), ['d2', 'd4']],
        [inList('tags', ['red'], true), ['d2', 'd3']],
        [inList('id', ['d2', 'd4', 'zz']), ['d2', 'd4']],
        [exists('note', true), ['d1']],
        [exists('note', false), ['d2', 'd3', 'd4']],
        [exists('dims.h', true), ['d1', 'd3']],
        [and(or(cmp('tags', 'eq', 'red'), cmp('price', 'lt', 8)), exists('dims', true)), ['d1', 'd3']],
        [cmp('title', 'eq', INJECTION), ['d4']],
      ];
      for (const [filter, expected] of cases) expect(await ids(docs, filter), JSON.stringify(filter)).toEqual(expected);
    });

    it('orders, pages and counts', async () => {
      for (const [id, data] of PRODUCTS) await insert(products, id, data);
      for (const [id, data] of DOCS) await insert(docs, id, data);
      const byPrice: FindOptions = { limit: 2, offset: 1, orderBy: [{ path: ['price'], direction: 'desc' }] };
      expect(await ids(products, null, byPrice)).toEqual(['p3', 'p4']);
      const nested: FindOptions['orderBy'] = [
        { path: ['dims', 'w'], direction: 'asc' },
        { path: ['title'], direction: 'desc' },
      ];
      expect(await ids(docs, null, { limit: 100, offset: 0, orderBy: nested })).toEqual(['d4', 'd3', 'd1', 'd2']);
      expect(await ids(docs, null, { limit: 2, offset: 1, orderBy: nested })).toEqual(['d3', 'd1']);
      expect(await home.count(products, null)).toBe(5);
      expect(await home.count(products, cmp('active', 'eq', true))).toBe(3);
      expect(await home.count(docs, cmp('tags', 'eq', 'red'))).toBe(2);
    });

    it('stores and matches SQL-looking values literally', async () => {
      await insert(products, INJECTION, { name: INJECTION });
      await insert(docs, 'd1', { k: INJECTION, list: [INJECTION] });
      expect((await home.get(products, INJECTION))?.data.name).toBe(INJECTION);
      expect(await ids(products, cmp('id', 'eq', INJECTION))).toEqual([INJECTION]);
      expect(await ids(docs, cmp('list', 'eq', INJECTION))).toEqual(['d1']);
      expect(await home.count(products, null)).toBe(1);
    });

    it('rejects unknown fields and ill-typed comparisons in filters', async () => {
      const unknown = await expectCode(home.find(products, cmp('colour', 'eq', 'red'), ALL), 'PS_ERR_UNKNOWN_FIELD');
      expect(unknown.field).toBe('colour');
      await expectCode(home.count(products, cmp('name.first', 'eq', 'x')), 'PS_ERR_INVALID_FILTER');
      const typed = await expectCode(home.find(products, cmp('price', 'eq', { a: 1 }), ALL), 'PS_ERR_INVALID_FILTER');
      expect(typed.field).toBe('price');
      expect(typed.message).not.toContain('"a"');
    });

    it('lists versions by id and gets many rows', async () => {
      await insert(docs, 'b', { t: 1 });
      await insert(docs, 'a', { t: 1 });
      await insert(docs, 'c', { t: 1 });
      await home.transaction((tx) => tx.update(docs, 'c', { t: 2 }, 1));
      await home.transaction((tx) => tx.delete(docs, 'b'));
      expect(await home.listVersions(docs)).toEqual([
        { id: 'a', version: 1 },
        { id: 'c', version: 2 },
      ]);
      const many = await home.getMany(docs, ['c', 'missing', 'a', 'b']);
      expect(many.map((row) => [row.id, row.version])).toEqual([
        ['c', 2],
        ['a', 1],
      ]);
      expect(await home.getMany(docs, [])).toEqual([]);
    });

    it('refuses use after close', async () => {
      await home.close();
      await expectCode(home.get(products, 'p1'), 'PS_ERR_STORE_CLOSED');
      await expectCode(
        home.transaction((tx) => tx.insert(products, 'p1', { name: 'x' })),
        'PS_ERR_STORE_CLOSED',
      );
      await expectCode(home.readOutbox(null, 10), 'PS_ERR_STORE_CLOSED');
    });

    describe.runIf(capabilities.fusedCreate)('insert with its create event in one call', () => {
      const create = (spec: EntityTableSpec, id: string, data: Record<string, unknown>) =>
        home.transaction((tx) => tx.insertWithEvent!(spec, id, data, { id, ...data }));

      it('inserts the row and appends its create event at the returned position', async () => {
        const full = { name: "O'Brien; DROP TABLE x", price: 1.5, stock: 3, active: true, specs: { ram: [16] } };
        const first = await create(products, 'p1', full);
        expect(first.version).toBe(1);
        expect((await home.get(products, 'p1'))?.data).toMatchObject({ id: 'p1', ...full });
        const second = await create(docs, 'd1', { title: 'T', nested: { list: [1, null] } });
        await settledThrough(home, second.position);
        expect(comparePositions(first.position, second.position)).toBeLessThan(0);
        const [event] = await eventsOf(home, products.entity);
        expect(event).toMatchObject({ key: 'p1', version: 1, op: 'create', position: first.position });
        expect(event?.payload).toEqual({ id: 'p1', ...full });
        expect((await home.get(docs, 'd1'))?.data).toEqual({ id: 'd1', title: 'T', nested: { list: [1, null] } });
      });

      it('continues after a tombstone and clears it; a taken id writes nothing', async () => {
        await create(docs, 'd1', { title: 'a' });
        await home.transaction((tx) => tx.delete(docs, 'd1'));
        expect(await home.listTombstones(docs)).toEqual([{ id: 'd1', version: 2 }]);
        expect((await create(docs, 'd1', { title: 'b' })).version).toBe(3);
        expect(await home.listTombstones(docs)).toEqual([]);
        const head = await home.outboxHead();
        await expectCode(create(docs, 'd1', { title: 'c' }), 'PS_ERR_ALREADY_EXISTS');
        expect(await home.outboxHead()).toBe(head);
        expect((await home.get(docs, 'd1'))?.data.title).toBe('b');
        await expectCode(create(products, 'p3', { price: 1 }), 'PS_ERR_VALIDATION');
      });

      it('rolls back with the transaction', async () => {
        const boom = new Error('boom');
        const failed = home.transaction(async (tx) => {
          await tx.insertWithEvent!(products, 'p1', { name: 'Laptop' }, { id: 'p1', name: 'Laptop' });
          throw boom;
        });
        await expect(failed).rejects.toBe(boom);
        expect(await home.get(products, 'p1')).toBeNull();
        expect(await eventsOf(home, products.entity)).toEqual([]);
      });
    });

    describe.runIf(capabilities.batchWrites)('batch writes', () => {
      const many = (spec: EntityTableSpec, rows: [string, Record<string, unknown>][]) =>
        home.transaction((tx) =>
          tx.insertMany!(
            spec,
            rows.map(([id, data]) => ({ id, data })),
          ),
        );

      if (capabilities.fusedCreate) describeFusedBatch(() => ({ home, products, docs }));

      it('declares insertMany and appendOutboxMany', async () => {
        await home.transaction(async (tx) => {
          expect(typeof tx.insertMany).toBe('function');
          expect(typeof tx.appendOutboxMany).toBe('function');
        });
      });

      it('inserts many rows in one call, each version continuing after its tombstone', async () => {
        await insert(docs, 'd2', { title: 'old' });
        await home.transaction((tx) => tx.delete(docs, 'd2'));
        expect(await many(docs, DOCS)).toEqual([1, 3, 1, 1]);
        for (const [id, data] of DOCS) expect((await home.get(docs, id))?.data).toEqual({ id, ...data });
        // The tombstone is gone: the next delete and insert continue from version 3.
        expect(await home.transaction((tx) => tx.delete(docs, 'd2'))).toBe(4);
        expect(await insert(docs, 'd2', { title: 'again' })).toBe(5);
        expect(await many(docs, [])).toEqual([]);
      });

      it('round-trips typed columns through insertMany, nulls and SQL-looking text included', async () => {
        expect(await many(products, PRODUCTS)).toEqual([1, 1, 1, 1, 1]);
        for (const [id, data] of PRODUCTS) {
          const row = await home.get(products, id);
          const expected: Record<string, unknown> = {
            id,
            price: null,
            stock: null,
            active: null,
            released: null,
            specs: null,
            ...data,
          };
          if (typeof expected.released === 'string') expected.released = new Date(expected.released);
          expect(row?.data).toEqual(expected);
        }
        await expectCode(many(products, [['p9', { name: 'x', colour: 'red' }]]), 'PS_ERR_UNKNOWN_FIELD');
        await expectCode(many(products, [['p9', { price: 1 }]]), 'PS_ERR_VALIDATION');
      });

      it('inserts none when one id is taken or repeated', async () => {
        await insert(docs, 'taken', { title: 'first' });
        const taken = await expectCode(
          many(docs, [
            ['fresh', { title: 'a' }],
            ['taken', { title: 'b' }],
          ]),
          'PS_ERR_ALREADY_EXISTS',
        );
        expect(taken.field).toBe('id');
        await expectCode(
          many(docs, [
            ['twice', { title: 'a' }],
            ['twice', { title: 'b' }],
          ]),
          'PS_ERR_ALREADY_EXISTS',
        );
        expect(await home.getMany(docs, ['fresh', 'twice'])).toEqual([]);
        expect((await home.get(docs, 'taken'))?.data.title).toBe('first');
        // Past one statement's worth of rows, the taken id sorting last.
        const big = Array.from({ length: 1200 }, (_, i): [string, Record<string, unknown>] => [`big${i}`, { n: i }]);
        await insert(docs, 'zz-taken', { title: 'first' });
        await expectCode(many(docs, [...big, ['zz-taken', { title: 'b' }]]), 'PS_ERR_ALREADY_EXISTS');
        expect(await home.count(docs, null)).toBe(2);
      });

      it('appends many events in input order, after earlier ones and before later ones', async () => {
        const keys = Array.from({ length: 60 }, (_, i) => `m${59 - i}`);
        const { first, batch, last } = await home.transaction(async (tx) => ({
          first: await tx.appendOutbox(change(docs, 'first', 1)),
          batch: await tx.appendOutboxMany!([
            ...keys.map((key, i) => change(docs, key, i + 1, { n: i, nested: { s: "x'); --" } })),
            { entity: docs.entity, key: 'gone', version: 7, op: 'delete', payload: null },
          ]),
          last: await tx.appendOutbox(change(docs, 'last', 1)),
        }));
        await settledThrough(home, last);
        const events = await eventsOf(home, docs.entity);
        expect(events.map((e) => e.key)).toEqual(['first', ...keys, 'gone', 'last']);
        expect(strictlyIncreasing(events.map((e) => e.position))).toBe(true);
        expect(events[0]!.position).toBe(first);
        expect(events.at(-2)!.position).toBe(batch);
        expect(events.at(-1)!.position).toBe(last);
        expect(events[1]).toMatchObject({ version: 1, op: 'create', payload: { n: 0, nested: { s: "x'); --" } } });
        expect(events.at(-2)).toMatchObject({ key: 'gone', version: 7, op: 'delete', payload: null });
        expect(await home.transaction((tx) => tx.appendOutboxMany!([]))).toBeNull();
      });

      it('rolls back batch rows and events with the transaction', async () => {
        const boom = new Error('boom');
        await expect(
          home.transaction(async (tx) => {
            await tx.insertMany!(docs, [{ id: 'r1', data: { title: 'x' } }]);
            await tx.appendOutboxMany!([change(docs, 'r1', 1)]);
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await home.get(docs, 'r1')).toBeNull();
        expect(await eventsOf(home, docs.entity)).toEqual([]);
      });
    });

    it.runIf(capabilities.concurrentTransactions)(
      'does not skip a transaction that took its id first but commits last',
      async () => {
        const start = await home.outboxHead();
        let appended!: (position: LogPosition) => void;
        let release!: () => void;
        const aAppended = new Promise<LogPosition>((resolve) => (appended = resolve));
        const aMayCommit = new Promise<void>((resolve) => (release = resolve));
        const txA = home.transaction(async (tx) => {
          appended(await tx.appendOutbox(change(docs, 'a', 1)));
          await aMayCommit;
        });
        let positions: LogPosition[];
        try {
          const a = await aAppended;
          // B starts after A holds its transaction id and commits while A is open.
          // A home that serialises transactions would make B wait for A forever.
          let timer: NodeJS.Timeout | undefined;
          const txB = home.transaction((tx) => tx.appendOutbox(change(docs, 'b', 1)));
          const b = await Promise.race([
            txB,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('B waited for A: the home serialises transactions')), 10_000);
            }),
          ]).finally(() => clearTimeout(timer));
          positions = [a, b];
          expect(a < b).toBe(true);
          // B is committed but sorts after A, still open: returning B now would let a
          // consumer checkpoint past A and never see it.
          expect(await home.readOutbox(start, 100)).toEqual([]);
          expect(await home.outboxHead()).toBe(start);
        } finally {
          release(); // never leave A open: it would hold back every reader of the server
          await txA;
        }
        // Settled events may be held back by other sessions' open transactions, never lost.
        let events: ChangeEvent[] = [];
        for (let i = 0; i < 200 && events.length < 2; i++) {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve, 25));
          events = await home.readOutbox(start, 100);
        }
        expect(events.map((e) => e.key)).toEqual(['a', 'b']);
        expect(events.map((e) => e.position)).toEqual(positions);
        expect(await home.outboxHead()).toBe(positions[1]);
      },
    );

    describeHomeIds(() => home, capabilities);
    describeHomeRacers(() => home, capabilities);
    describeHomeScanAndState(() => home, capabilities.concurrentTransactions === true);
    describeHomeMove(() => home, capabilities.concurrentTransactions === true);
    describeHomeDigests(() => home);
  });
}

const PRODUCTS: [string, Record<string, unknown>][] = [
  [
    'p1',
    { name: 'Laptop', price: 999.5, stock: 3, active: true, released: day(10), specs: { ram: 16, ports: ['usb'] } },
  ],
  ['p2', { name: 'Mouse', price: 19.99, stock: 0, active: true, released: day(1), specs: { ram: null } }],
  ['p3', { name: 'Monitor', price: 249, active: false }],
  ['p4', { name: 'Keyboard', price: 49, stock: 12, released: day(30), specs: { ram: 8 } }],
  ['p5', { name: INJECTION, price: 1, stock: 1, active: true }],
];

const DOCS: [string, Record<string, unknown>][] = [
  ['d1', { title: 'Alpha', tags: ['red', 'blue'], price: 10, dims: { w: 5, h: 2 }, note: null }],
  ['d2', { title: 'Beta', tags: ['green'], price: 25.5, dims: { w: 7 }, score: '10' }],
  ['d3', { title: 'Gamma', tags: [], price: 7, dims: { w: 5, h: 9 }, items: [{ sku: 'a' }, { sku: 'b' }] }],
  ['d4', { title: INJECTION, tags: ['red'], price: null, matrix: [[1, 2], [3]] }],
];

function day(n: number): string {
  return `2024-01-${String(n).padStart(2, '0')}T00:00:00Z`;
}

function cmp(path: string, op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte', value: JsonValue): FilterNode {
  return { kind: 'compare', path: path.split('.'), op, value };
}
function inList(path: string, values: JsonValue[], negate = false): FilterNode {
  return { kind: 'in', path: path.split('.'), negate, values };
}
function exists(path: string, present: boolean): FilterNode {
  return { kind: 'exists', path: path.split('.'), exists: present };
}
function and(...nodes: FilterNode[]): FilterNode {
  return { kind: 'and', nodes };
}
function or(...nodes: FilterNode[]): FilterNode {
  return { kind: 'or', nodes };
}
