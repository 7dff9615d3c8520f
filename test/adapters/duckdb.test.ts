import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import type { AnalyticsStore } from '../../src/contracts/analytics-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeAnalyticsContract, orderLinesSpec } from '../contracts/analytics-contract.js';
import { tempDir, uniqueName } from '../support/temp-dir.js';

/** A store on a file in a fresh temp dir; cleanup closes every store it opened before removing the dir. */
async function makeDuckDB() {
  const dir = await tempDir('polystore-duckdb-');
  const path = join(dir.path, 'analytics.duckdb');
  const opened: AnalyticsStore[] = [];
  const open = async () => {
    const store = duckdbStore({ path });
    opened.push(store);
    await store.ready();
    return store;
  };
  return {
    store: await open(),
    reopen: open,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await dir.cleanup();
    },
  };
}

describeAnalyticsContract('duckdb', makeDuckDB);

describeAnalyticsContract('duckdb :memory:', async () => {
  const store = duckdbStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describe('duckdb store', () => {
  it('validates its options at construction', () => {
    expect(() => duckdbStore({ path: '' })).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
  });

  it('refuses applies to a table nobody declared', async () => {
    const ctx = await makeDuckDB();
    try {
      const error = await ctx.store.applyIfNewer(uniqueName('nope'), []).catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
    } finally {
      await ctx.cleanup();
    }
  });

  it('adds declared columns to an existing table and refuses a changed type', async () => {
    const ctx = await makeDuckDB();
    try {
      const table = uniqueName('facts');
      await ctx.store.ensureTable({ table, columns: { amount: 'double' } });
      await ctx.store.applyIfNewer(table, [{ key: 'a', version: 1, value: [{ amount: 1.5 }] }]);
      await ctx.store.ensureTable({ table, columns: { amount: 'double', region: 'varchar' } });
      await ctx.store.applyIfNewer(table, [{ key: 'b', version: 1, value: [{ amount: 2, region: 'eu' }] }]);
      expect(await ctx.store.query(`SELECT amount, region FROM ${table} ORDER BY amount`)).toEqual([
        { amount: 1.5, region: null },
        { amount: 2, region: 'eu' },
      ]);
      const error = await ctx.store.ensureTable({ table, columns: { amount: 'bigint' } }).catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
    } finally {
      await ctx.cleanup();
    }
  });

  it('converts wide integers, decimals and timestamps in query results', async () => {
    const ctx = await makeDuckDB();
    try {
      expect(
        await ctx.store.query(
          `SELECT 42::BIGINT AS big, 9007199254740993::BIGINT AS huge, 1.25::DECIMAL(10, 2) AS dec,
             '2024-01-02'::DATE AS d, '2024-01-02 03:04:05.123456'::TIMESTAMP AS ts, $1::VARCHAR AS p`,
          ['x'],
        ),
      ).toEqual([
        { big: 42, huge: '9007199254740993', dec: 1.25, d: '2024-01-02', ts: '2024-01-02T03:04:05.123456Z', p: 'x' },
      ]);
    } finally {
      await ctx.cleanup();
    }
  });

  // A constraint added behind the store's back makes the append of the refused batch's rows fail.
  it.each([
    ['new keys only', [{ key: 'b', version: 1, value: [{ order_id: 'b' }] }]],
    [
      'a replacement after its delete',
      [
        { key: 'a', version: 2, value: [{ order_id: 'a2' }] },
        { key: 'b', version: 1, value: [{ order_id: 'b', category: 'toys' }] },
      ],
    ],
  ])('rolls back a batch whose append fails (%s), then applies the next batch alone', async (_, refused) => {
    const ctx = await makeDuckDB();
    try {
      const table = uniqueName('facts');
      await ctx.store.ensureTable(orderLinesSpec(table));
      await ctx.store.query(`ALTER TABLE ${table} ALTER COLUMN category SET NOT NULL`);
      await ctx.store.applyIfNewer(table, [{ key: 'a', version: 1, value: [{ order_id: 'a', category: 'books' }] }]);
      const error = await ctx.store.applyIfNewer(table, refused).catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_STORE_QUERY')).toBe(true);
      // No query in between: the store's kept appenders must not carry the refused rows into the next batch.
      expect(
        await ctx.store.applyIfNewer(table, [{ key: 'c', version: 1, value: [{ order_id: 'c', category: 'toys' }] }]),
      ).toEqual({ applied: 1, skipped: 0 });
      expect(await ctx.store.query(`SELECT order_id FROM ${table} ORDER BY order_id`)).toEqual([
        { order_id: 'a' },
        { order_id: 'c' },
      ]);
      expect(await ctx.store.listVersions(table)).toEqual([
        { key: 'a', version: 1, deleted: false },
        { key: 'c', version: 1, deleted: false },
      ]);
    } finally {
      await ctx.cleanup();
    }
  });
});
