import { z } from 'zod';
import { analyticsView, cacheView, defineEntity, type EntityRecord, graphView, searchView } from '../src/index.js';

/** The entity every workload writes: a product document (~330 bytes of JSON), stored as JSONB. */
export const benchItems = defineEntity({
  name: 'bench_items',
  storage: 'document',
  schema: z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    price: z.number(),
    tags: z.array(z.string()),
    specs: z.object({ brand: z.string(), weightG: z.number().int() }),
  }),
});

export type BenchItem = EntityRecord<typeof benchItems>;

export const benchCacheView = cacheView(benchItems, { store: 'cache' });

export const benchSearchView = searchView(benchItems, {
  store: 'search',
  fields: { name: 'string', description: 'string', category: 'enum', price: 'number' },
  searchable: ['name', 'description'],
});

/** The graph view of an item: its node, and an edge to its (bare) category node. */
export const benchGraphView = graphView(benchItems, {
  store: 'graph',
  schema: {
    nodes: { Item: { name: 'string', price: 'double' }, Category: {} },
    edges: { IN_CATEGORY: { from: 'Item', to: 'Category' } },
  },
  project: (item) => ({
    nodes: [{ label: 'Item', id: item.id, properties: { name: item.name, price: item.price } }],
    edges: [
      { type: 'IN_CATEGORY', from: { label: 'Item', id: item.id }, to: { label: 'Category', id: item.category } },
    ],
  }),
});

/** The analytics view of an item: one fact row per tag. */
export const benchAnalyticsView = analyticsView(benchItems, {
  store: 'analytics',
  table: 'bench_item_tags',
  columns: { item_id: 'varchar', category: 'varchar', tag: 'varchar', brand: 'varchar', price: 'double' },
  rows: (item) =>
    item.tags.map((tag) => ({
      item_id: item.id,
      category: item.category,
      tag,
      brand: item.specs.brand,
      price: item.price,
    })),
});

const CATEGORIES = ['audio', 'video', 'computing', 'home', 'garden', 'toys', 'books', 'sport'];
const WORDS = [
  'wireless',
  'compact',
  'silent',
  'premium',
  'rugged',
  'smart',
  'classic',
  'portable',
  'solar',
  'modular',
];

/** A deterministic record for `id`; `n` varies the content. */
export function benchItem(id: string, n: number): BenchItem {
  const word = (k: number) => WORDS[(n * 7 + k * 3) % WORDS.length]!;
  return {
    id,
    name: `${word(0)} ${word(1)} gadget ${n}`,
    description: `A ${word(2)} and ${word(3)} device for everyday use, model ${n % 997}, with a ${word(4)} finish.`,
    category: CATEGORIES[n % CATEGORIES.length]!,
    price: Math.round((5 + (n % 500) * 1.37) * 100) / 100,
    tags: [word(5), word(6), CATEGORIES[(n + 3) % CATEGORIES.length]!],
    specs: { brand: `brand-${n % 41}`, weightG: 100 + (n % 900) },
  };
}

/** `count` records with ids `${prefix}${i}`. */
export function makeItems(prefix: string, count: number, offset = 0): BenchItem[] {
  return Array.from({ length: count }, (_, i) => benchItem(`${prefix}${offset + i}`, offset + i));
}
