import { join } from 'node:path';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { cacheView, createPolystore, searchView, silentLogger } from '../../src/index.js';
import type { BackfillOptions } from '../../src/sync/sync-options.js';
import { items } from './items-entity.js';

export type Item = { id: string; name: string; qty: number; tags: string[] };
/** The added view's projection: not the record as is, so content is compared, not only versions. */
export const summary = (record: Item) => ({
  name: record.name.toUpperCase(),
  qty: record.qty,
  tagCount: record.tags.length,
});

export interface BackfillShop {
  readonly db: ReturnType<typeof openBackfillShop>;
  readonly home: HomeStore;
}

/**
 * The items model; `withCopy` adds the view `items_copy` (a second LMDB store,
 * projecting a summary) and a search view: views an application
 * adds to data it already has.
 */
export function openBackfillShop(home: HomeStore, dir: string, withCopy: boolean, backfill: BackfillOptions = {}) {
  return createPolystore({
    home,
    stores: {
      cache: lmdbStore({ path: join(dir, 'cache') }),
      copy: lmdbStore({ path: join(dir, 'copy') }),
      search: oramaStore({ path: join(dir, 'search') }),
    },
    entities: [items],
    views: [
      cacheView(items, { store: 'cache' }),
      ...(withCopy
        ? [
            cacheView(items, { store: 'copy', name: 'items_copy', select: summary }),
            searchView(items, { store: 'search', fields: { name: 'string', qty: 'number' }, searchable: ['name'] }),
          ]
        : []),
    ],
    sync: {
      pollIntervalMs: 10,
      flushIntervalMs: 20,
      pruneIntervalMs: 0,
      backfill: { pollMs: 20, minChunk: 25, maxChunk: 25, ...backfill },
    },
    logger: silentLogger,
  });
}
