import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnalyticsRow, AnalyticsStore, AnalyticsTableSpec } from '../../src/contracts/analytics-store.js';
import type { VersionedChange } from '../../src/contracts/view-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { uniqueName } from '../support/temp-dir.js';

export interface AnalyticsContractContext {
  readonly store: AnalyticsStore;
  /** Opens the same data again; the contract closes `store` first. */
  readonly reopen?: () => Promise<AnalyticsStore>;
  /** Closes every store the context opened and removes its data. */
  readonly cleanup: () => Promise<void>;
  /**
   * For a store whose query language is not SQL (InfluxQL): every row of a
   * table as the store holds it (each declared column, null where absent;
   * dates and timestamps as text). The contract then checks the rows it
   * holds with the same expectations, worked out from these rows rather than
   * by the SQL query, and skips the case that tests SQL parameter binding.
   */
  readonly readRows?: (table: string) => Promise<AnalyticsRow[]>;
}

type Facts = readonly AnalyticsRow[];
const num = (value: unknown) => value as number;

/** What `revenueSql` answers, worked out from the rows. */
function revenueOf(rows: Facts): Record<string, unknown>[] {
  const groups = new Map<string, { category: unknown; day: unknown; revenue: number; units: number; lines: number }>();
  for (const row of rows) {
    const id = JSON.stringify([row.day, row.category]);
    const group = groups.get(id) ?? { category: row.category, day: row.day, revenue: 0, units: 0, lines: 0 };
    group.revenue += num(row.amount) * num(row.qty);
    group.units += num(row.qty);
    group.lines += 1;
    groups.set(id, group);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, group]) => group);
}

const totalOf = (rows: Facts) => rows.reduce((sum, row) => sum + num(row.amount) * num(row.qty), 0);

/** `columns` of each row, ordered by them. */
function columnsOf(rows: Facts, columns: readonly string[]): Record<string, unknown>[] {
  const picked = rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
  return picked.sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
}

export function orderLinesSpec(table: string): AnalyticsTableSpec {
  return {
    table,
    columns: {
      order_id: 'varchar',
      day: 'date',
      category: 'varchar',
      amount: 'double',
      qty: 'bigint',
      paid: 'boolean',
      placed_at: 'timestamp',
    },
  };
}

type Line = readonly [category: string, amount: number, qty: number];

/** The fact rows one order owns: one per line. */
export function orderLines(orderId: string, day: string, lines: readonly Line[]): AnalyticsRow[] {
  return lines.map(([category, amount, qty]) => ({
    order_id: orderId,
    day,
    category,
    amount,
    qty,
    paid: true,
    placed_at: `${day}T10:00:00Z`,
  }));
}

const ORDERS: VersionedChange<readonly AnalyticsRow[]>[] = [
  {
    key: 'o1',
    version: 1,
    value: orderLines('o1', '2024-05-01', [
      ['books', 12.5, 2],
      ['games', 40, 1],
    ]),
  },
  { key: 'o2', version: 1, value: orderLines('o2', '2024-05-01', [['books', 7.25, 4]]) },
  {
    key: 'o3',
    version: 1,
    value: orderLines('o3', '2024-05-02', [
      ['books', 10, 1],
      ['toys', 3.5, 2],
    ]),
  },
];

export function revenueSql(table: string): string {
  return `SELECT category, day, sum(amount * qty) AS revenue, sum(qty) AS units, count(*) AS lines
    FROM ${table} GROUP BY category, day ORDER BY day, category`;
}

/**
 * The behaviour every analytics adapter must show. `make` returns a fresh,
 * empty store per test.
 */
export function describeAnalyticsContract(name: string, make: () => Promise<AnalyticsContractContext>): void {
  describe(`analytics store contract: ${name}`, () => {
    let ctx: AnalyticsContractContext;
    let table: string;
    /** Runs `sql` on a SQL store; on another, works its answer out from the rows the store holds. */
    const ask = async (
      target: string,
      sql: string,
      fromRows: (rows: Facts) => unknown[],
      params: readonly (string | number)[] = [],
      store: AnalyticsStore = ctx.store,
    ): Promise<unknown[]> => (ctx.readRows ? fromRows(await ctx.readRows(target)) : store.query(sql, params));

    beforeEach(async () => {
      ctx = await make();
      table = uniqueName('order_lines');
      await ctx.store.ensureTable(orderLinesSpec(table));
    });

    afterEach(async () => {
      await ctx.cleanup();
    });

    it('aggregates revenue by category and day exactly', async () => {
      await ctx.store.ensureTable(orderLinesSpec(table));
      expect(await ctx.store.applyIfNewer(table, ORDERS)).toEqual({ applied: 3, skipped: 0 });
      expect(await ask(table, revenueSql(table), revenueOf)).toEqual([
        { category: 'books', day: '2024-05-01', revenue: 54, units: 6, lines: 2 },
        { category: 'games', day: '2024-05-01', revenue: 40, units: 1, lines: 1 },
        { category: 'books', day: '2024-05-02', revenue: 10, units: 1, lines: 1 },
        { category: 'toys', day: '2024-05-02', revenue: 7, units: 2, lines: 1 },
      ]);
    });

    it('replaces the rows of a key with those of a newer version, without double counting', async () => {
      await ctx.store.applyIfNewer(table, ORDERS);
      const result = await ctx.store.applyIfNewer(table, [
        { key: 'o1', version: 2, value: orderLines('o1', '2024-05-01', [['books', 12.5, 1]]) },
      ]);
      expect(result).toEqual({ applied: 1, skipped: 0 });
      expect(await ask(table, revenueSql(table), revenueOf)).toEqual([
        { category: 'books', day: '2024-05-01', revenue: 41.5, units: 5, lines: 2 },
        { category: 'books', day: '2024-05-02', revenue: 10, units: 1, lines: 1 },
        { category: 'toys', day: '2024-05-02', revenue: 7, units: 2, lines: 1 },
      ]);
    });

    it('skips duplicate and older versions', async () => {
      await ctx.store.applyIfNewer(table, ORDERS);
      await ctx.store.applyIfNewer(table, [
        { key: 'o1', version: 3, value: orderLines('o1', '2024-05-01', [['games', 5, 1]]) },
      ]);
      const result = await ctx.store.applyIfNewer(table, [
        { key: 'o1', version: 3, value: orderLines('o1', '2024-05-01', [['games', 999, 9]]) },
        { key: 'o2', version: 1, value: orderLines('o2', '2024-05-01', [['books', 999, 9]]) },
        { key: 'o3', version: 0, value: null },
      ]);
      expect(result).toEqual({ applied: 0, skipped: 3 });
      const totals = (rows: Facts) => [{ total: totalOf(rows), lines: rows.length }];
      expect(await ask(table, `SELECT sum(amount * qty) AS total, count(*) AS lines FROM ${table}`, totals)).toEqual([
        { total: 5 + 29 + 10 + 7, lines: 4 },
      ]);
    });

    it('deletes the rows of a key, and a later older version stays deleted', async () => {
      await ctx.store.applyIfNewer(table, ORDERS);
      expect(await ctx.store.applyIfNewer(table, [{ key: 'o3', version: 2, value: null }])).toEqual({
        applied: 1,
        skipped: 0,
      });
      const sql = `SELECT count(*) AS n FROM ${table} WHERE order_id = $1`;
      const count = () =>
        ask(table, sql, (rows) => [{ n: rows.filter((row) => row.order_id === 'o3').length }], ['o3']);
      expect(await count()).toEqual([{ n: 0 }]);
      expect(
        await ctx.store.applyIfNewer(table, [
          { key: 'o3', version: 1, value: orderLines('o3', '2024-05-02', [['toys', 1, 1]]) },
        ]),
      ).toEqual({ applied: 0, skipped: 1 });
      expect(await count()).toEqual([{ n: 0 }]);
      await ctx.store.applyIfNewer(table, [
        { key: 'o3', version: 3, value: orderLines('o3', '2024-05-02', [['toys', 1, 1]]) },
      ]);
      expect(await count()).toEqual([{ n: 1 }]);
    });

    it('lists the versions of one table, tombstones included', async () => {
      await ctx.store.applyIfNewer(table, ORDERS);
      await ctx.store.applyIfNewer(table, [
        { key: 'o2', version: 4, value: null },
        { key: 'o3', version: 2, value: [] },
      ]);
      const versions = await ctx.store.listVersions(table);
      expect([...versions].sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: 'o1', version: 1, deleted: false },
        { key: 'o2', version: 4, deleted: true },
        { key: 'o3', version: 2, deleted: false },
      ]);
      expect(await ctx.store.listVersions(uniqueName('other'))).toEqual([]);
    });

    it('keeps rows and versions through a reopen', async (testCtx) => {
      if (!ctx.reopen) return testCtx.skip();
      await ctx.store.applyIfNewer(table, ORDERS);
      await ctx.store.applyIfNewer(table, [{ key: 'o2', version: 2, value: null }]);
      await ctx.store.flush();
      await ctx.store.close();
      const reopened = await ctx.reopen();
      const sql = `SELECT count(*) AS n, sum(amount * qty) AS total FROM ${table}`;
      expect(await ask(table, sql, (rows) => [{ n: rows.length, total: totalOf(rows) }], [], reopened)).toEqual([
        { n: 4, total: 82 },
      ]);
      expect(await reopened.listVersions(table)).toContainEqual({ key: 'o2', version: 2, deleted: true });
      expect(
        await reopened.applyIfNewer(table, [
          { key: 'o2', version: 1, value: orderLines('o2', '2024-05-01', [['books', 1, 1]]) },
          { key: 'o1', version: 2, value: [] },
        ]),
      ).toEqual({ applied: 1, skipped: 1 });
      const n = await ask(table, `SELECT count(*) AS n FROM ${table}`, (rows) => [{ n: rows.length }], [], reopened);
      expect(n).toEqual([{ n: 2 }]);
    });

    it('binds parameters, so injection-looking values stay literal', async (testCtx) => {
      if (ctx.readRows) return testCtx.skip();
      const hostile = "books'; DROP TABLE _ps_versions; --";
      await ctx.store.applyIfNewer(table, [
        { key: "it's", version: 1, value: orderLines("it's", '2024-05-01', [[hostile, 1.5, 2]]) },
      ]);
      expect(await ctx.store.query(`SELECT category, order_id FROM ${table} WHERE category = $1`, [hostile])).toEqual([
        { category: hostile, order_id: "it's" },
      ]);
      expect(await ctx.store.query(`SELECT count(*) AS n FROM ${table} WHERE category = $1`, ["' OR 1=1 --"])).toEqual([
        { n: 0 },
      ]);
      expect(await ctx.store.listVersions(table)).toEqual([{ key: "it's", version: 1, deleted: false }]);
    });

    it('fills omitted columns with NULL and returns dates and timestamps as strings', async () => {
      await ctx.store.applyIfNewer(table, [
        {
          key: 'o9',
          version: 1,
          value: [{ order_id: 'o9', day: '2024-02-29', placed_at: '2024-02-29T23:30:00+02:00' }],
        },
        { key: 'o8', version: 1, value: [{ order_id: 'o8', placed_at: Date.UTC(2024, 0, 2, 3, 4, 5, 6) }] },
      ]);
      const columns = ['order_id', 'day', 'category', 'qty', 'placed_at'];
      const sql = `SELECT ${columns.join(', ')} FROM ${table} ORDER BY order_id`;
      expect(await ask(table, sql, (rows) => columnsOf(rows, columns))).toEqual([
        { order_id: 'o8', day: null, category: null, qty: null, placed_at: '2024-01-02T03:04:05.006Z' },
        { order_id: 'o9', day: '2024-02-29', category: null, qty: null, placed_at: '2024-02-29T21:30:00.000Z' },
      ]);
    });

    it('rejects an undeclared column or a mistyped value, naming the column and writing nothing', async () => {
      const undeclared = await ctx.store
        .applyIfNewer(table, [
          { key: 'ok', version: 1, value: orderLines('ok', '2024-05-01', [['books', 1, 1]]) },
          { key: 'bad', version: 1, value: [{ order_id: 'bad', coupon: 'SECRET-CODE' }] },
        ])
        .catch((err: unknown) => err);
      expect(isPolystoreError(undeclared, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      expect((undeclared as Error).message).toContain('coupon');
      expect((undeclared as Error).message).not.toContain('SECRET-CODE');

      const mistyped: AnalyticsRow[] = [{ qty: 1.5 }, { day: '2024-02-30' }, { paid: 'yes' }, { amount: '12' }];
      for (const row of mistyped) {
        const error = await ctx.store
          .applyIfNewer(table, [{ key: 'bad', version: 1, value: [row] }])
          .catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
        expect((error as { field?: string }).field).toBe(Object.keys(row)[0]);
      }
      expect(await ctx.store.listVersions(table)).toEqual([]);
      expect(await ask(table, `SELECT count(*) AS n FROM ${table}`, (rows) => [{ n: rows.length }])).toEqual([
        { n: 0 },
      ]);
    });

    it('applies a batch larger than one append chunk', async () => {
      const changes = Array.from({ length: 1000 }, (_, i) => ({
        key: `o${i}`,
        version: 1,
        value: orderLines(`o${i}`, '2024-05-03', [
          ['books', 1, 1],
          ['games', 2, 1],
          ['toys', 3, i % 2],
        ]),
      }));
      expect(await ctx.store.applyIfNewer(table, changes)).toEqual({ applied: 1000, skipped: 0 });
      const sql = `SELECT count(*) AS n, sum(amount * qty) AS total FROM ${table}`;
      expect(await ask(table, sql, (rows) => [{ n: rows.length, total: totalOf(rows) }])).toEqual([
        { n: 3000, total: 1000 * 3 + 500 * 3 },
      ]);
    });

    it('leaves the same table whatever the order and repetition of the changes', async () => {
      const v = (key: string, version: number, amount: number | null) => ({
        key,
        version,
        value: amount === null ? null : orderLines(key, '2024-05-04', [['books', amount, 1]]),
      });
      const history = [v('a', 1, 1), v('b', 1, 2), v('a', 2, 3), v('c', 1, 4), v('b', 2, null), v('c', 3, 5)];
      const pick = (...at: number[]) => at.map((i) => history[i]!);
      // Each delivery is a list of batches. Within one batch a key appears once: the newest version given wins.
      const deliveries = [
        [history],
        [pick(0, 1, 3), pick(2, 4, 5)],
        [pick(5, 4, 2), pick(0, 1, 3), pick(5)],
        [pick(0, 1), pick(0, 1, 3), pick(2, 4, 5)],
      ].map((batches) => batches.map((batch) => [...new Map(batch.map((change) => [change.key, change])).values()]));
      const outcomes: unknown[] = [];
      for (const batches of deliveries) {
        const target = uniqueName('order_lines');
        await ctx.store.ensureTable(orderLinesSpec(target));
        for (const batch of batches) await ctx.store.applyIfNewer(target, batch);
        outcomes.push({
          rows: await ask(target, `SELECT order_id, amount FROM ${target} ORDER BY order_id, amount`, (rows) =>
            columnsOf(rows, ['order_id', 'amount']),
          ),
          versions: [...(await ctx.store.listVersions(target))].sort((x, y) => x.key.localeCompare(y.key)),
        });
      }
      expect(outcomes[0]).toEqual({
        rows: [
          { order_id: 'a', amount: 3 },
          { order_id: 'c', amount: 5 },
        ],
        versions: [
          { key: 'a', version: 2, deleted: false },
          { key: 'b', version: 2, deleted: true },
          { key: 'c', version: 3, deleted: false },
        ],
      });
      for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
    });

    it('keeps the versions of each table apart', async () => {
      const other = uniqueName('order_lines');
      await ctx.store.ensureTable(orderLinesSpec(other));
      await ctx.store.applyIfNewer(table, [{ key: 'o1', version: 5, value: orderLines('o1', '2024-05-01', []) }]);
      expect(await ctx.store.applyIfNewer(other, ORDERS)).toEqual({ applied: 3, skipped: 0 });
      expect(await ctx.store.applyIfNewer(other, ORDERS)).toEqual({ applied: 0, skipped: 3 });
      expect(await ctx.store.listVersions(table)).toEqual([{ key: 'o1', version: 5, deleted: false }]);
    });

    it('refuses use after close', async () => {
      await ctx.store.close();
      const error = await ctx.store.listVersions(table).catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_STORE_CLOSED')).toBe(true);
    });
  });
}
