import { postgresHome } from '../../src/adapters/postgres/index.js';
import { postgresSearchStore } from '../../src/adapters/postgres-search/index.js';
import { createPolystore, searchView, silentLogger } from '../../src/index.js';
import type { E2eTarget } from './e2e-shop.js';
import { items } from './items-entity.js';
import { dropPostgresSchema } from './server-cleanup.js';

/** The home schema and the search schema of a run. */
export function searchShopSchemas(target: E2eTarget) {
  return { home: `pss_${target.id}`, search: `pss_${target.id}_search` };
}

/**
 * Items on PostgreSQL with a search view in the postgres search store, for
 * the test of a search seen from two processes. The `worker` relays the
 * outbox and projects; a `reader` only writes and reads (`sync: { relay:
 * false, projectors: false }`), as an application server beside it would.
 */
export function openSearchShop(target: E2eTarget, role: 'worker' | 'reader') {
  const schemas = searchShopSchemas(target);
  return createPolystore({
    home: postgresHome({ connectionString: target.postgres, schema: schemas.home, max: 3 }),
    stores: { search: postgresSearchStore({ connectionString: target.postgres, schema: schemas.search, max: 3 }) },
    entities: [items],
    views: [
      searchView(items, {
        store: 'search',
        name: 'items_search',
        fields: { name: 'string', qty: 'number', tags: 'string[]' },
        searchable: ['name', 'tags'],
      }),
    ],
    sync: role === 'worker' ? { pollIntervalMs: 20 } : { relay: false, projectors: false },
    readTimeoutMs: 10_000,
    logger: silentLogger,
  });
}

export async function cleanSearchShop(target: E2eTarget): Promise<void> {
  const schemas = searchShopSchemas(target);
  await dropPostgresSchema(schemas.home);
  await dropPostgresSchema(schemas.search);
}
