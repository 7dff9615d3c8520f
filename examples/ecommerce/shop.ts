import { join } from 'node:path';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { createPolystore, type Logger, type SyncOptions } from '../../src/index.js';
import { entities, keyspaces, views } from './model.js';

export interface ShopOptions {
  /** Where the embedded stores keep their files. */
  readonly dataDir: string;
  readonly sync?: SyncOptions & { readonly autoStart?: boolean };
  readonly logger?: Logger;
}

/**
 * The e-commerce system on embedded engines: PGlite home, LMDB cache, Orama
 * search, Kuzu graph, DuckDB analytics. No server needed.
 */
export function createShop(options: ShopOptions) {
  const { dataDir } = options;
  return createPolystore({
    home: pgliteHome({ dataDir: join(dataDir, 'home') }),
    stores: {
      cache: lmdbStore({ path: join(dataDir, 'cache') }),
      search: oramaStore({ path: join(dataDir, 'search') }),
      graph: kuzuStore({ path: join(dataDir, 'graph.kuzu') }),
      analytics: duckdbStore({ path: join(dataDir, 'analytics.duckdb') }),
    },
    entities,
    keyspaces,
    views,
    ...(options.sync ? { sync: options.sync } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

export type Shop = ReturnType<typeof createShop>;
