import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { cacheView, createPolystore, isPolystoreError, silentLogger } from '../../src/index.js';
import { items } from '../support/items-entity.js';
import { freshPgliteDir } from '../support/pglite-template.js';
import { tempDir } from '../support/temp-dir.js';

/** A real store whose `close` is `close` (methods stay bound to the store: its private fields need it). */
function withClose<S extends object>(store: S, close: () => Promise<void>): S {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'close') return close;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Real stores; `close` of the cache fails once closed underneath, as a store whose close errors does. */
async function open(failingClose: boolean) {
  const home = await freshPgliteDir();
  const dir = await tempDir();
  const homeStore = pgliteHome({ dataDir: home.path });
  const closed: string[] = [];
  const realCache = lmdbStore({ path: join(dir.path, 'cache') });
  const cache: KeyValueStore = withClose(realCache, async () => {
    await realCache.close();
    closed.push('cache');
    if (failingClose) throw new Error('cache close failed');
  });
  const trackedHome: HomeStore = withClose(homeStore, async () => {
    await homeStore.close();
    closed.push('home');
  });
  const db = createPolystore({
    home: trackedHome,
    stores: { cache },
    entities: [items],
    views: [cacheView(items, { store: 'cache' })],
    sync: { pollIntervalMs: 10 },
    logger: silentLogger,
  });
  return {
    db,
    closed,
    cleanup: async () => {
      await home.cleanup();
      await dir.cleanup();
    },
  };
}

describe('Polystore lifecycle', () => {
  it('closes the home even when a store fails to close, then reports that failure', async () => {
    const { db, closed, cleanup } = await open(true);
    try {
      await db.ready();
      await db.entity('items').create({ id: 'a', name: 'a', qty: 1, tags: [] });
      await expect(db.close()).rejects.toThrow('cache close failed');
      expect(closed.sort()).toEqual(['cache', 'home']);
      // Closing again is a no-op answer, not a second round of closes.
      await expect(db.close()).rejects.toThrow('cache close failed');
      expect(closed).toHaveLength(2);
    } finally {
      await cleanup();
    }
  });

  it('waits for a ready() in flight before closing, and refuses ready() after close', async () => {
    const { db, closed, cleanup } = await open(false);
    try {
      const ready = db.ready();
      const closing = db.close();
      await ready;
      await closing;
      expect(closed.sort()).toEqual(['cache', 'home']);
      expect(db.sync.running).toBe(false);
      const err = await db.ready().catch((e: unknown) => e);
      expect(isPolystoreError(err, 'PS_ERR_STORE_CLOSED')).toBe(true);
    } finally {
      await cleanup();
    }
  });
});
