import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { influxStore } from '../../src/adapters/influxdb/index.js';
import type { AnalyticsRow, AnalyticsStore } from '../../src/contracts/analytics-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeAnalyticsContract, orderLines, orderLinesSpec } from '../contracts/analytics-contract.js';
import { startInfluxdb } from '../support/private-influxdb.js';
import { describeWithBinary } from '../support/private-server.js';
import { uniqueName } from '../support/temp-dir.js';

/** The contract's tables: `placed_at` gives the time, `category` and `day` are tags. */
const LAYOUT = { time: 'placed_at', tags: ['category', 'day'] } as const;

/** Runs InfluxQL over HTTP, past the store. */
async function influxql(url: string, database: string, q: string): Promise<Record<string, unknown>[]> {
  const reply = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ db: database, q }) });
  const { results } = (await reply.json()) as {
    results: { series?: { tags?: Record<string, string>; columns: string[]; values: unknown[][] }[] }[];
  };
  return (results[0]?.series ?? []).flatMap(({ tags, columns, values }) =>
    values.map((row) => ({ ...tags, ...Object.fromEntries(columns.map((column, i) => [column, row[i]])) })),
  );
}

async function writeLines(url: string, database: string, lines: string): Promise<void> {
  const reply = await fetch(`${url}/write?db=${database}&precision=ms`, { method: 'POST', body: lines });
  expect(reply.status).toBe(204);
}

describeWithBinary('influxd', 'influxdb store', () => {
  let influx: Awaited<ReturnType<typeof startInfluxdb>>;
  beforeAll(async () => {
    influx = await startInfluxdb();
  }, 60_000);
  afterAll(() => influx.stop());

  /** A store on a fresh database; cleanup closes every store it opened and drops the database. */
  async function makeStore(tables: Parameters<typeof influxStore>[0]['tables'] = () => LAYOUT) {
    const database = uniqueName('ps');
    const opened: AnalyticsStore[] = [];
    const open = async () => {
      const store = influxStore({ url: influx.url, database, tables });
      opened.push(store);
      await store.ready();
      return store;
    };
    return {
      database,
      store: await open(),
      reopen: open,
      /** The contract's rows as the store holds them: time back to `placed_at`, the store's own tags and field left out. */
      readRows: async (table: string): Promise<AnalyticsRow[]> => {
        const points = await influxql(influx.url, database, `SELECT * FROM "${table}"`);
        return points.map((point) =>
          Object.fromEntries(
            Object.keys(orderLinesSpec(table).columns).map((column) => {
              if (column !== 'placed_at') return [column, (point[column] ?? null) as AnalyticsRow[string]];
              const time = Date.parse(point.time as string);
              return [column, time === 0 ? null : new Date(time).toISOString()];
            }),
          ),
        );
      },
      cleanup: async () => {
        for (const store of opened) await store.close();
        await influxql(influx.url, database, `DROP DATABASE "${database}"`);
      },
    };
  }

  // Every case but SQL parameter binding (tested below in InfluxQL): the rows are read back and checked in JS.
  describeAnalyticsContract('influxdb', () => makeStore());

  describe('influxdb specifics', () => {
    it('validates its options at construction', () => {
      for (const options of [
        { url: 'not a url', database: 'd' },
        { url: 'redis://127.0.0.1:6379', database: 'd' },
        { url: 'http://127.0.0.1:8086', database: 'no-dash' },
        { url: 'http://127.0.0.1:8086', database: 'd', timeoutMs: 0 },
      ])
        expect(() => influxStore(options)).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    });

    it('refuses a tag that is not a varchar or date column, and a time column that is not a timestamp', async () => {
      const ctx = await makeStore((table) => (table.startsWith('tagged') ? { tags: ['amount'] } : { time: 'day' }));
      try {
        for (const table of [uniqueName('tagged'), uniqueName('timed')]) {
          const error = await ctx.store.ensureTable(orderLinesSpec(table)).catch((err: unknown) => err);
          expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
        }
      } finally {
        await ctx.cleanup();
      }
    });

    it('answers revenue per minute of orders written as points, in InfluxQL', async () => {
      const ctx = await makeStore({ orders: { time: 'placed_at', tags: ['region'] } });
      try {
        const columns = { region: 'varchar', revenue: 'double', placed_at: 'timestamp' } as const;
        await ctx.store.ensureTable({ table: 'orders', columns });
        const minute = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
        const at = (minutes: number, seconds: number) =>
          new Date(minute + minutes * 60_000 + seconds * 1000).toISOString();
        const orders = [
          ['o1', 'eu', 40, at(0, 5)],
          ['o2', 'us', 15.5, at(0, 40)],
          ['o3', 'eu', 10, at(1, 1)],
          ['o4', 'eu', 2.25, at(3, 59)],
        ] as const;
        await ctx.store.applyIfNewer(
          'orders',
          orders.map(([key, region, revenue, placed_at]) => ({
            key,
            version: 1,
            value: [{ region, revenue, placed_at }],
          })),
        );
        // A newer version of o2 moves it to another minute; a delete removes o4.
        await ctx.store.applyIfNewer('orders', [
          { key: 'o2', version: 2, value: [{ region: 'us', revenue: 15.5, placed_at: at(1, 30) }] },
          { key: 'o4', version: 2, value: null },
        ]);
        const perMinute = await ctx.store.query(
          'SELECT sum(revenue) AS revenue FROM orders WHERE time > now() - 1h GROUP BY time(1m) fill(none)',
        );
        expect(perMinute).toEqual([
          { time: new Date(minute).toISOString().replace('.000', ''), revenue: 40 },
          { time: new Date(minute + 60_000).toISOString().replace('.000', ''), revenue: 25.5 },
        ]);
        const perRegion = await ctx.store.query(
          'SELECT sum(revenue) AS revenue, count(revenue) AS orders FROM orders WHERE region = $1 GROUP BY region',
          ['eu'],
        );
        expect(perRegion).toEqual([{ region: 'eu', time: '1970-01-01T00:00:00Z', revenue: 50, orders: 2 }]);
      } finally {
        await ctx.cleanup();
      }
    });

    it('binds parameters in InfluxQL, so injection-looking values stay literal', async () => {
      const ctx = await makeStore();
      try {
        const table = uniqueName('order_lines');
        await ctx.store.ensureTable(orderLinesSpec(table));
        const hostile = "books'; DROP DATABASE x; --, with = signs";
        await ctx.store.applyIfNewer(table, [
          { key: "it's a key", version: 1, value: orderLines("it's a key", '2024-05-01', [[hostile, 1.5, 2]]) },
        ]);
        const sql = `SELECT order_id, category, amount FROM "${table}" WHERE category = $1`;
        expect(await ctx.store.query(sql, [hostile])).toEqual([
          { time: '2024-05-01T10:00:00Z', order_id: "it's a key", category: hostile, amount: 1.5 },
        ]);
        expect(await ctx.store.query(sql, ["' OR 1=1 --"])).toEqual([]);
        expect(await ctx.store.listVersions(table)).toEqual([{ key: "it's a key", version: 1, deleted: false }]);
      } finally {
        await ctx.cleanup();
      }
    });

    it('replaces rows a crashed apply left without its version when the change is delivered again', async () => {
      const ctx = await makeStore();
      try {
        const table = uniqueName('order_lines');
        await ctx.store.ensureTable(orderLinesSpec(table));
        // Version 1's two rows were written, then the process died before recording the version.
        await writeLines(
          influx.url,
          ctx.database,
          [0, 1].map((row) => `${table},_key=o1,_row=${row},category=books amount=1,qty=1i,_version=1i 0`).join('\n'),
        );
        expect(await ctx.store.listVersions(table)).toEqual([]);
        await ctx.store.applyIfNewer(table, [
          { key: 'o1', version: 2, value: orderLines('o1', '2024-05-01', [['toys', 5, 1]]) },
        ]);
        const rows = await ctx.readRows(table);
        expect(rows.map((row) => [row.category, row.amount])).toEqual([['toys', 5]]);
      } finally {
        await ctx.cleanup();
      }
    });

    it('reports a refused query as PS_ERR_STORE_QUERY without the bound values', async () => {
      const ctx = await makeStore();
      try {
        const error = await ctx.store
          .query('SELEKT nonsense FROM x WHERE a = $1', ['SECRET'])
          .catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_STORE_QUERY')).toBe(true);
        expect((error as Error).message).not.toContain('SECRET');
      } finally {
        await ctx.cleanup();
      }
    });

    it('fails with PS_ERR_STORE_UNAVAILABLE when the server does not answer', async () => {
      const stopped = await startInfluxdb();
      await stopped.stop();
      const store = influxStore({ url: stopped.url, database: 'd', timeoutMs: 1000 });
      const error = await store.ready().catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
      await store.close();
    }, 60_000);
  });
});
