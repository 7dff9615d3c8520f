import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type KuzuStoreOptions, kuzuStore } from '../../src/adapters/kuzu/index.js';
import type { GraphStore } from '../../src/contracts/graph-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeGraphContract, SHOP_SCHEMA } from '../contracts/graph-contract.js';
import { tempDir } from '../support/temp-dir.js';

/** A store in a fresh temp dir; cleanup closes every store it opened before removing the dir. */
async function makeKuzu(engine: Omit<KuzuStoreOptions, 'path'> = {}) {
  const dir = await tempDir('polystore-kuzu-');
  const path = join(dir.path, 'graph.kuzu');
  const opened: GraphStore[] = [];
  const open = async () => {
    const store = kuzuStore({ path, ...engine });
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

describeGraphContract('kuzu', () => makeKuzu());

describeGraphContract('kuzu with a 64 MiB buffer pool and 1 MiB checkpoints', () =>
  makeKuzu({ bufferPoolBytes: 64 * 1024 * 1024, checkpointThresholdBytes: 1024 * 1024 }),
);

describe('kuzu store', () => {
  it('validates its options at construction', () => {
    expect(() => kuzuStore({ path: '' })).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    for (const checkpointThresholdBytes of [0, 1000, 1024 * 1024 - 1, 2.5 * 1024 * 1024 + 0.5, Number.NaN]) {
      expect(() => kuzuStore({ path: 'x.kuzu', checkpointThresholdBytes })).toThrow(
        expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG', field: 'checkpointThresholdBytes' }),
      );
      expect(() => kuzuStore({ path: 'x.kuzu', bufferPoolBytes: checkpointThresholdBytes })).toThrow(
        expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG', field: 'bufferPoolBytes' }),
      );
    }
  });

  it('refuses a redeclared property with another type', async () => {
    const ctx = await makeKuzu();
    try {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      const error = await ctx.store
        .ensureSchema({ nodes: { User: { name: 'int64' } }, edges: {} })
        .catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
    } finally {
      await ctx.cleanup();
    }
  });

  it('adds properties declared later to existing tables, also after a reopen', async () => {
    const ctx = await makeKuzu();
    try {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      await ctx.store.close();
      const store = await ctx.reopen();
      await store.ensureSchema({ nodes: { User: { name: 'string', tier: 'int64' } }, edges: {} });
      await store.applyIfNewer('users', [
        { key: 'u1', version: 1, value: { nodes: [{ label: 'User', id: 'u1', properties: { tier: 3 } }], edges: [] } },
      ]);
      expect(await store.query('MATCH (u:User) RETURN u.id AS id, u.name AS name, u.tier AS tier')).toEqual([
        { id: 'u1', name: null, tier: 3 },
      ]);
    } finally {
      await ctx.cleanup();
    }
  });

  it('keeps mixed integral and fractional doubles exact in one batch', async () => {
    const ctx = await makeKuzu();
    try {
      await ctx.store.ensureSchema(SHOP_SCHEMA);
      const prices = [10, 2.5, 0.1 + 0.2, 1e21, -7];
      await ctx.store.applyIfNewer(
        'products',
        prices.map((price, i) => ({
          key: `p${i}`,
          version: 1,
          value: {
            nodes: [{ label: 'Product', id: `p${i}`, properties: { price, name: i === 1 ? null : 'x' } }],
            edges: [],
          },
        })),
      );
      const rows = await ctx.store.query<{ price: number; name: string | null }>(
        'MATCH (p:Product) RETURN p.id AS id, p.price AS price, p.name AS name ORDER BY id',
      );
      expect(rows.map((row) => row.price)).toEqual(prices);
      expect(rows.map((row) => row.name)).toEqual(['x', null, 'x', 'x', 'x']);
    } finally {
      await ctx.cleanup();
    }
  });

  it('wraps engine errors of queries without echoing parameter values', async () => {
    const ctx = await makeKuzu();
    try {
      const error = await ctx.store
        .query('MATCH (n:Nope) RETURN n', { secret: 'hunter2' })
        .catch((err: unknown) => err);
      expect(isPolystoreError(error, 'PS_ERR_STORE_QUERY')).toBe(true);
      expect(String((error as Error).message)).not.toContain('hunter2');
    } finally {
      await ctx.cleanup();
    }
  });

  it('refuses a database whose ledger predates node ownership, naming the fix', async () => {
    const dir = await tempDir('polystore-kuzu-');
    const path = join(dir.path, 'graph.kuzu');
    try {
      // What an earlier version of the store left: ledger rows that list owned edges by type only.
      const kuzu = (await import('kuzu')).default;
      const database = new kuzu.Database(path);
      const connection = new kuzu.Connection(database);
      for (const statement of [
        'CREATE NODE TABLE _PsVersion(k STRING, scope STRING, version INT64, deleted BOOLEAN, owned STRING, PRIMARY KEY(k))',
        `CREATE (:_PsVersion {k: 'orders/o1', scope: 'orders', version: 1, deleted: false, owned: '{"nodes":[],"edges":["PLACED"]}'})`,
      ]) {
        const results = await connection.query(statement);
        for (const result of Array.isArray(results) ? results : [results]) result.close();
      }
      await connection.close();
      await database.close();
      const store = kuzuStore({ path });
      const error = await store.ready().catch((err: unknown) => err);
      await store.close();
      expect(isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error & { fix?: string }).fix).toContain('check --repair');
    } finally {
      await dir.cleanup();
    }
  });
});
