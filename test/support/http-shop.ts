import { z } from 'zod';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import {
  analyticsView,
  cacheView,
  createPolystore,
  defineEntity,
  defineKeyspace,
  defineSaga,
  graphView,
  searchView,
  silentLogger,
  type ViewStore,
} from '../../src/index.js';

/** A relational entity with a date (its JSON form is an ISO string) and a document entity without views. */
export const products = defineEntity({
  name: 'products',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    category: z.string(),
    price: z.number(),
    createdAt: z.date(),
  }),
});
export const notes = defineEntity({
  name: 'notes',
  storage: 'document',
  schema: z.object({ id: z.string(), text: z.string(), tags: z.array(z.string()).default([]) }),
});
export const carts = defineKeyspace({
  name: 'carts',
  store: 'cache',
  ttlMs: 60_000,
  schema: z.object({ items: z.array(z.string()) }),
});

/** While true, the analytics projection throws for products named `poison...`: their events are dead-lettered. */
export const poison = { enabled: true };

/** Two external steps; `fail` fails the second (the saga compensates), `stuck` also fails the compensation. */
export const shipSaga = defineSaga({
  name: 'ship',
  version: 1,
  input: z.object({ fail: z.boolean(), stuck: z.boolean() }),
  steps: [
    {
      kind: 'external',
      name: 'reserve',
      retry: { maxAttempts: 1 },
      compensationRetry: { maxAttempts: 1 },
      run: async () => ({ reserved: true }),
      compensate: async ({ input }) => {
        if (input.stuck) throw new Error('the warehouse refused the release');
      },
    },
    {
      kind: 'external',
      name: 'ship',
      retry: { maxAttempts: 1 },
      run: async ({ input }) => {
        if (input.fail) throw new Error('the carrier is down');
      },
    },
  ],
});

export interface HttpShopStores {
  readonly cache: KeyValueStore;
  readonly search?: ViewStore;
  readonly graph?: ViewStore;
  readonly analytics?: ViewStore;
}

/** The HTTP tests' model over `home` and the given stores (views only on the stores given). */
export function openHttpShop(home: HomeStore, stores: HttpShopStores) {
  return createPolystore({
    home,
    stores: { ...stores },
    entities: [products, notes],
    keyspaces: [carts],
    views: [
      cacheView(products, { store: 'cache' }),
      ...(stores.search
        ? [
            searchView(products, {
              store: 'search',
              fields: { name: 'string', category: 'enum', price: 'number' },
              searchable: ['name'],
            }),
          ]
        : []),
      ...(stores.graph
        ? [
            graphView(products, {
              store: 'graph',
              schema: {
                nodes: { Product: { name: 'string' }, Category: {} },
                edges: { IN_CATEGORY: { from: 'Product', to: 'Category' } },
              },
              project: (p) => ({
                nodes: [{ label: 'Product', id: p.id, properties: { name: p.name } }],
                edges: [
                  {
                    type: 'IN_CATEGORY',
                    from: { label: 'Product', id: p.id },
                    to: { label: 'Category', id: p.category },
                  },
                ],
              }),
            }),
          ]
        : []),
      ...(stores.analytics
        ? [
            analyticsView(products, {
              store: 'analytics',
              table: 'prices',
              columns: { category: 'varchar', price: 'double' },
              rows: (p) => {
                if (poison.enabled && p.name.startsWith('poison'))
                  throw new Error(`cannot project product "${p.id}" (rule 17)`);
                return [{ category: p.category, price: p.price }];
              },
            }),
          ]
        : []),
    ],
    sagas: [shipSaga],
    sagaOptions: { pollIntervalMs: 50 },
    sync: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    logger: silentLogger,
  });
}
