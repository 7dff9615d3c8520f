import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { type LmdbStoreOptions, lmdbStore } from '../../src/adapters/lmdb/index.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { isPolystoreError } from '../../src/errors/index.js';
import { describeKeyValueContract } from '../contracts/key-value-contract.js';
import { tempDir } from '../support/temp-dir.js';

/** A store in a fresh temp dir; cleanup closes every store it opened before removing the dir. */
async function makeLmdb(options: Partial<LmdbStoreOptions> = {}, file = 'cache') {
  const dir = await tempDir('polystore-lmdb-');
  const path = join(dir.path, file);
  const opened: KeyValueStore[] = [];
  const openStore = async () => {
    const store = lmdbStore({ path, ...options });
    opened.push(store);
    await store.ready();
    return store;
  };
  return {
    path,
    dir: dir.path,
    store: await openStore(),
    reopen: openStore,
    cleanup: async () => {
      for (const store of opened) await store.close();
      await dir.cleanup();
    },
  };
}

describeKeyValueContract('lmdb', () => makeLmdb());

describe('lmdb store', () => {
  it('validates its options at construction', () => {
    for (const options of [{ path: '' }, { path: 'x', sweepIntervalMs: 0 }, { path: 'x', sweepIntervalMs: 1.5 }]) {
      expect(() => lmdbStore(options)).toThrow(expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }));
    }
  });

  it('rejects malformed keys, scopes and changes before writing anything', async () => {
    const ctx = await makeLmdb();
    try {
      const attempts: Promise<unknown>[] = [
        ctx.store.get(''),
        ctx.store.set('k'.repeat(2000), 1),
        ctx.store.set('k', undefined),
        ctx.store.listVersions('a:b'),
        ctx.store.applyIfNewer('s', [
          { key: 'ok', version: 1, value: 1 },
          { key: 'bad', version: Number.NaN, value: 1 },
        ]),
      ];
      for (const attempt of attempts) {
        const error = await attempt.catch((err: unknown) => err);
        expect(isPolystoreError(error, 'PS_ERR_INVALID_ARGUMENT')).toBe(true);
      }
      expect(await ctx.store.listVersions('s')).toEqual([]);
    } finally {
      await ctx.cleanup();
    }
  });

  it('keeps a single-file environment when the path has an extension', async () => {
    const ctx = await makeLmdb({}, 'cache.mdb');
    try {
      await ctx.store.set('k', 'v');
      expect(await ctx.store.get('k')).toBe('v');
      expect((await readdir(ctx.dir)).sort()).toEqual(['cache.mdb', 'cache.mdb-lock']);
    } finally {
      await ctx.cleanup();
    }
  });

  it('sweeps expired entries from disk and leaves live ones', async () => {
    const ctx = await makeLmdb({ sweepIntervalMs: 20 });
    try {
      ctx.store.setScopeTtl('cart', 30);
      await ctx.store.set('session', 'short', { ttlMs: 30 });
      await ctx.store.set('renewed', 'short', { ttlMs: 30 });
      await ctx.store.set('renewed', 'long');
      await ctx.store.applyIfNewer('cart', [{ key: 'c1', version: 1, value: { items: 2 } }]);
      await ctx.store.set('forever', 'kept');
      await sleep(300);
      await ctx.store.close();

      const root = open({ path: ctx.path });
      try {
        const kv = root.openDB<{ v: unknown }, string>({ name: 'kv' });
        const expiry = root.openDB<true, [number, string]>({ name: 'expiry' });
        expect([...kv.getKeys()].sort()).toEqual(['forever', 'renewed']);
        expect(kv.get('renewed')?.v).toBe('long');
        expect([...expiry.getKeys()]).toEqual([]);
      } finally {
        await root.close();
      }
    } finally {
      await ctx.cleanup();
    }
  });

  it('loses no applied batch when the store is closed right after applying', async () => {
    const ctx = await makeLmdb();
    try {
      const changes = Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, version: 1, value: { i } }));
      const pending = [
        ctx.store.applyIfNewer('bulk', changes.slice(0, 100)),
        ctx.store.applyIfNewer('bulk', changes.slice(100)),
      ];
      expect(await Promise.all(pending)).toEqual([
        { applied: 100, skipped: 0 },
        { applied: 100, skipped: 0 },
      ]);
      await ctx.store.close();
      const reopened = await ctx.reopen();
      expect(await reopened.listVersions('bulk')).toHaveLength(200);
    } finally {
      await ctx.cleanup();
    }
  });
});
