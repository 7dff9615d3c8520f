import { z } from 'zod';
import type { GraphSchemaSpec } from '../../src/index.js';
import { analyticsView, cacheView, defineEntity, defineKeyspace, graphView, searchView } from '../../src/index.js';

/** Users: relational rows in the home. */
export const users = defineEntity({
  name: 'users',
  schema: z.object({
    id: z.string().min(1).max(64),
    email: z.email().max(254),
    name: z.string().min(1).max(200),
    country: z.string().length(2),
    createdAt: z.date(),
  }),
});

/** The product catalog: nested documents, queried with Mongo-style filters. */
export const products = defineEntity({
  name: 'products',
  storage: 'document',
  schema: z.object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    category: z.string().min(1).max(64),
    price: z.number().nonnegative(),
    tags: z.array(z.string().max(40)).max(20),
    specs: z.object({ brand: z.string(), color: z.string().optional(), weightGrams: z.number().int().optional() }),
    stock: z.number().int().nonnegative(),
  }),
});

const orderItem = z.object({
  productId: z.string(),
  category: z.string(),
  qty: z.number().int().positive(),
  unitPrice: z.number().nonnegative(),
});

/** Orders: relational rows; their line items are a JSON column. */
export const orders = defineEntity({
  name: 'orders',
  schema: z.object({
    id: z.string().min(1).max(64),
    userId: z.string(),
    status: z.enum(['placed', 'paid', 'shipped', 'cancelled']),
    placedAt: z.date(),
    items: z.array(orderItem).min(1).max(50),
    total: z.number().nonnegative(),
  }),
});

/** Payments: the card gateway's ledger, relational rows in the home, one per idempotency key. */
export const payments = defineEntity({
  name: 'payments',
  schema: z.object({
    /** The idempotency key the order saga charged with: one payment per key, however often it is asked. */
    id: z.string().min(1).max(200),
    orderId: z.string(),
    amount: z.number().nonnegative(),
    status: z.enum(['charged', 'refunded']),
    /** How many charge requests carried this key (a retry after a lost reply asks again). */
    requests: z.number().int().positive(),
  }),
});

/** Shipments: one per shipped order, counted by carrier and day in the analytics store. */
export const shipments = defineEntity({
  name: 'shipments',
  schema: z.object({
    id: z.string().min(1).max(64),
    orderId: z.string(),
    carrier: z.string().min(1).max(40),
    items: z.number().int().positive(),
    createdAt: z.date(),
  }),
});

/** Carts live only in the key-value store and expire after 30 minutes. */
export const carts = defineKeyspace({
  name: 'carts',
  store: 'cache',
  ttlMs: 30 * 60_000,
  schema: z.object({
    userId: z.string(),
    items: z.array(z.object({ productId: z.string(), qty: z.number().int().positive() })).max(100),
    updatedAt: z.string(),
  }),
});

/** One graph shared by the product and order views. */
export const graphSchema: GraphSchemaSpec = {
  nodes: {
    Product: { name: 'string', price: 'double' },
    Category: {},
    User: {},
    Purchase: { placedAt: 'string' },
  },
  edges: {
    IN_CATEGORY: { from: 'Product', to: 'Category' },
    PLACED: { from: 'User', to: 'Purchase' },
    CONTAINS: { from: 'Purchase', to: 'Product', properties: { qty: 'int64' } },
  },
};

export const views = [
  cacheView(products, { store: 'cache', ttlMs: 60 * 60_000 }),
  cacheView(users, { store: 'cache', ttlMs: 60 * 60_000 }),
  searchView(products, {
    store: 'search',
    fields: {
      name: 'string',
      description: 'string',
      tags: 'string[]',
      category: 'enum',
      brand: 'enum',
      price: 'number',
      inStock: 'boolean',
    },
    searchable: ['name', 'description', 'tags'],
    document: (p) => ({
      name: p.name,
      description: p.description,
      tags: p.tags,
      category: p.category,
      brand: p.specs.brand,
      price: p.price,
      inStock: p.stock > 0,
    }),
  }),
  graphView(products, {
    store: 'graph',
    schema: graphSchema,
    project: (p) => ({
      nodes: [{ label: 'Product', id: p.id, properties: { name: p.name, price: p.price } }],
      edges: [{ type: 'IN_CATEGORY', from: { label: 'Product', id: p.id }, to: { label: 'Category', id: p.category } }],
    }),
  }),
  graphView(orders, {
    store: 'graph',
    schema: graphSchema,
    // A cancelled order leaves the graph: it says nothing about what sells together.
    project: (o) =>
      o.status === 'cancelled'
        ? null
        : {
            nodes: [{ label: 'Purchase', id: o.id, properties: { placedAt: o.placedAt } }],
            edges: [
              { type: 'PLACED', from: { label: 'User', id: o.userId }, to: { label: 'Purchase', id: o.id } },
              ...o.items.map((item) => ({
                type: 'CONTAINS',
                from: { label: 'Purchase', id: o.id },
                to: { label: 'Product', id: item.productId },
                properties: { qty: item.qty },
              })),
            ],
          },
  }),
  analyticsView(orders, {
    store: 'analytics',
    table: 'sales',
    columns: {
      order_id: 'varchar',
      day: 'date',
      category: 'varchar',
      product_id: 'varchar',
      qty: 'bigint',
      revenue: 'double',
    },
    rows: (o) =>
      o.status === 'cancelled'
        ? []
        : o.items.map((item) => ({
            order_id: o.id,
            day: o.placedAt.slice(0, 10),
            category: item.category,
            product_id: item.productId,
            qty: item.qty,
            revenue: Math.round(item.qty * item.unitPrice * 100) / 100,
          })),
  }),
  analyticsView(shipments, {
    store: 'analytics',
    table: 'shipments',
    columns: { shipment_id: 'varchar', order_id: 'varchar', day: 'date', carrier: 'varchar', items: 'bigint' },
    rows: (s) => [
      { shipment_id: s.id, order_id: s.orderId, day: s.createdAt.slice(0, 10), carrier: s.carrier, items: s.items },
    ],
  }),
];

export const entities = [users, products, orders, payments, shipments];
export const keyspaces = [carts];
