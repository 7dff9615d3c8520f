import { z } from 'zod';
import { outboxPosition } from '../src/contracts/log-position.js';
import { analyticsView, type ChangeEvent, defineEntity, type GraphSchemaSpec, graphView } from '../src/index.js';

/** Orders as the e-commerce demo projects them: a graph of purchases and analytics rows per line. */
export const benchOrders = defineEntity({
  name: 'bench_orders',
  schema: z.object({
    id: z.string(),
    userId: z.string(),
    placedAt: z.string(),
    items: z.array(z.object({ productId: z.string(), category: z.string(), qty: z.number(), unitPrice: z.number() })),
  }),
});

export interface BenchOrder {
  readonly id: string;
  readonly userId: string;
  readonly placedAt: string;
  readonly items: readonly { productId: string; category: string; qty: number; unitPrice: number }[];
}

export const ORDER_GRAPH_SCHEMA: GraphSchemaSpec = {
  nodes: { Product: { name: 'string', price: 'double' }, User: {}, Purchase: { placedAt: 'string' } },
  edges: {
    PLACED: { from: 'User', to: 'Purchase' },
    CONTAINS: { from: 'Purchase', to: 'Product', properties: { qty: 'int64' } },
  },
};

export const benchOrderGraph = graphView(benchOrders, {
  store: 'graph',
  schema: ORDER_GRAPH_SCHEMA,
  project: (o) => ({
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
  }),
});

export const SALES_COLUMNS = {
  order_id: 'varchar',
  day: 'date',
  category: 'varchar',
  product_id: 'varchar',
  qty: 'bigint',
  revenue: 'double',
} as const;

export type SalesRow = {
  readonly order_id: string;
  readonly day: string;
  readonly category: string;
  readonly product_id: string;
  readonly qty: number;
  readonly revenue: number;
};

export function salesRows(o: BenchOrder): SalesRow[] {
  return o.items.map((item) => ({
    order_id: o.id,
    day: o.placedAt.slice(0, 10),
    category: item.category,
    product_id: item.productId,
    qty: item.qty,
    revenue: Math.round(item.qty * item.unitPrice * 100) / 100,
  }));
}

export const benchSales = analyticsView(benchOrders, {
  store: 'analytics',
  table: 'bench_sales',
  columns: SALES_COLUMNS,
  rows: (o) => salesRows(o),
});

const CATEGORIES = ['audio', 'video', 'computing', 'home', 'garden', 'toys', 'books', 'sport'];

/** Users and products orders point at; the demo's proportions (1 user per 5 orders, 2 products per 5). */
export function benchOrder(id: string, n: number, users = 10_000, products = 20_000): BenchOrder {
  const lines = 1 + (n % 3);
  return {
    id,
    userId: `u${(n * 7) % users}`,
    placedAt: new Date(Date.UTC(2024, 0, 1) + (n % 365) * 86_400_000).toISOString(),
    items: Array.from({ length: lines }, (_, k) => ({
      productId: `p${(n * 13 + k * 7919) % products}`,
      category: CATEGORIES[(n + k) % CATEGORIES.length]!,
      qty: 1 + ((n + k) % 4),
      unitPrice: 5 + ((n * 31 + k) % 200),
    })),
  };
}

/** `count` create events of orders `${prefix}${offset + i}`, as the outbox hands them out. */
export function orderEvents(prefix: string, count: number, txId: number, offset = 0): ChangeEvent[] {
  const committedAt = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const order = benchOrder(`${prefix}${offset + i}`, offset + i);
    return {
      entity: benchOrders.name,
      key: order.id,
      version: 1,
      op: 'create',
      payload: order as unknown as Record<string, unknown>,
      eventId: `${benchOrders.name}/${order.id}@1`,
      position: outboxPosition(txId, i + 1),
      committedAt,
    };
  });
}
