import { join } from 'node:path';
import { z } from 'zod';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { jetstreamLog, natsReplicas } from '../../src/adapters/nats/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import {
  analyticsView,
  createPolystore,
  defineEntity,
  type GraphSchemaSpec,
  graphView,
  searchView,
  silentLogger,
} from '../../src/index.js';
import { deleteJetStream, dropPostgresSchema } from './server-cleanup.js';
import { SERVER_URLS } from './servers-urls.js';

/** One run of the replica shop: its PostgreSQL schema, JetStream stream and NATS subject namespace. */
export interface ReplicaShopTarget {
  readonly id: string;
}

export const products = defineEntity({
  name: 'products',
  schema: z.object({
    id: z.string().min(1).max(64),
    name: z.string().min(1).max(200),
    category: z.string().min(1).max(64),
    price: z.number(),
  }),
});

export const orders = defineEntity({
  name: 'orders',
  schema: z.object({
    id: z.string().min(1).max(64),
    userId: z.string().min(1).max(64),
    productId: z.string().min(1).max(64),
    qty: z.number().int(),
    amount: z.number(),
  }),
});

const graphSchema: GraphSchemaSpec = {
  nodes: { User: {}, Product: {} },
  edges: { BOUGHT: { from: 'User', to: 'Product', properties: { qty: 'int64' } } },
};

/**
 * A shop whose search (Orama), graph (Kuzu) and analytics (DuckDB) views are
 * embedded, on a PostgreSQL home and a JetStream log. A `replica` process
 * projects its own copy of them (in `dataDir`) and answers queries; a
 * `client` runs no projectors and sends its queries to the replicas.
 */
export function openReplicaShop(
  target: ReplicaShopTarget,
  role: { kind: 'replica'; name: string; dataDir: string } | { kind: 'client' } | { kind: 'shared'; dataDir: string },
) {
  const dataDir = role.kind === 'client' ? '/nonexistent-never-opened' : role.dataDir;
  return createPolystore({
    home: postgresHome({ connectionString: SERVER_URLS.postgres, schema: `rs_${target.id}`, max: 4 }),
    log: jetstreamLog({ servers: SERVER_URLS.nats, stream: `rs_${target.id}`, ackWaitMs: 5_000 }),
    ...(role.kind === 'shared'
      ? {}
      : {
          replicas: natsReplicas({
            servers: SERVER_URLS.nats,
            namespace: `rs_${target.id}`,
            ...(role.kind === 'replica' ? { replica: role.name } : {}),
          }),
        }),
    stores: {
      search: oramaStore({ path: join(dataDir, 'search') }),
      graph: kuzuStore({ path: join(dataDir, 'graph.kuzu') }),
      analytics: duckdbStore({ path: join(dataDir, 'analytics.duckdb') }),
    },
    entities: [products, orders],
    views: [
      searchView(products, {
        store: 'search',
        fields: { name: 'string', category: 'enum', price: 'number' },
        searchable: ['name'],
      }),
      graphView(orders, {
        store: 'graph',
        schema: graphSchema,
        project: (o) => ({
          nodes: [
            { label: 'User', id: o.userId },
            { label: 'Product', id: o.productId },
          ],
          edges: [
            {
              type: 'BOUGHT',
              from: { label: 'User', id: o.userId },
              to: { label: 'Product', id: o.productId },
              properties: { qty: o.qty },
            },
          ],
        }),
      }),
      analyticsView(orders, {
        store: 'analytics',
        table: 'sales',
        columns: { order_id: 'varchar', product_id: 'varchar', qty: 'bigint', amount: 'double' },
        rows: (o) => [{ order_id: o.id, product_id: o.productId, qty: o.qty, amount: o.amount }],
      }),
    ],
    sync: role.kind === 'client' ? { relay: false, projectors: false } : { pollIntervalMs: 20 },
    readTimeoutMs: 10_000,
    logger: silentLogger,
  });
}

export async function cleanReplicaShop(target: ReplicaShopTarget): Promise<void> {
  await dropPostgresSchema(`rs_${target.id}`);
  await deleteJetStream(`rs_${target.id}`);
}

/** Every BOUGHT edge with its quantity, ordered. */
export const GRAPH_EDGES =
  'MATCH (u:User)-[b:BOUGHT]->(p:Product) RETURN u.id AS user, p.id AS product, b.qty AS qty ORDER BY user, product, qty';
/** Sales per product. */
export const SALES_BY_PRODUCT =
  'SELECT product_id, sum(qty) AS qty, round(sum(amount), 2) AS amount, count(*) AS orders FROM sales GROUP BY product_id ORDER BY product_id';

/** Rows with their bigints as plain numbers (DuckDB sums are bigints). */
export function plainRows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

/** Waits until the replica process serves `stores` stores (its views filled). */
export async function untilServing(
  proc: { name: string; call<R>(cmd: string, args?: unknown): Promise<R> },
  stores: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await proc.call<{ serving: string[] }>('replicas');
    if (state.serving.length === stores) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} serves only ${state.serving.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The order GRAPH_EDGES returns edges in. */
export function byEdge(
  a: { user: string; product: string; qty: number },
  b: { user: string; product: string; qty: number },
): number {
  if (a.user !== b.user) return a.user < b.user ? -1 : 1;
  if (a.product !== b.product) return a.product < b.product ? -1 : 1;
  return a.qty - b.qty;
}
