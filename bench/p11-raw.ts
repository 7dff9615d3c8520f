import type { BenchItem } from './bench-model.js';
import type { BenchOrder } from './p11-model.js';
import { salesRows } from './p11-model.js';
import type { RawWriter } from './p11-projector.js';

type Row = Record<string, unknown>;

/**
 * Kuzu's bulk path for the rows the order graph view writes: per batch, in
 * one transaction, `COPY` of the new bare User and Product endpoints (the
 * writer remembers which exist), the Purchase nodes, and the PLACED and
 * CONTAINS edges (COPY finds endpoints through the primary-key index).
 */
export async function rawKuzu(path: string): Promise<RawWriter> {
  const kuzu = (await import('kuzu')).default;
  const database = new kuzu.Database(path);
  const connection = new kuzu.Connection(database);
  const prepared = new Map<string, Awaited<ReturnType<typeof connection.prepare>>>();
  const run = async (cypher: string, params: Record<string, unknown> = {}): Promise<void> => {
    let statement = prepared.get(cypher);
    if (!statement) {
      statement = await connection.prepare(cypher);
      if (!statement.isSuccess()) throw new Error(statement.getErrorMessage());
      prepared.set(cypher, statement);
    }
    const results = await connection.execute(statement, params as never);
    for (const result of Array.isArray(results) ? results : [results]) result.close();
  };
  for (const ddl of [
    'CREATE NODE TABLE Product(id STRING, name STRING, price DOUBLE, PRIMARY KEY(id))',
    'CREATE NODE TABLE User(id STRING, PRIMARY KEY(id))',
    'CREATE NODE TABLE Purchase(id STRING, placedAt STRING, PRIMARY KEY(id))',
    'CREATE REL TABLE PLACED(FROM User TO Purchase)',
    'CREATE REL TABLE CONTAINS(FROM Purchase TO Product, qty INT64)',
  ]) {
    await run(ddl);
  }
  const users = new Set<string>();
  const products = new Set<string>();
  const rows = 'UNWIND range(1, size($ids)) AS i WITH i, $ids[i] AS k';
  return {
    async batch(events) {
      const orders = events.map((e) => e.payload as unknown as BenchOrder);
      const newUsers = [...new Set(orders.map((o) => o.userId))].filter((id) => !users.has(id));
      const lines = orders.flatMap((o) => o.items.map((item) => ({ from: o.id, to: item.productId, qty: item.qty })));
      const newProducts = [...new Set(lines.map((line) => line.to))].filter((id) => !products.has(id));
      await run('BEGIN TRANSACTION');
      if (newUsers.length > 0) await run(`COPY User FROM (${rows} RETURN k)`, { ids: newUsers });
      if (newProducts.length > 0) {
        await run(`COPY Product FROM (${rows} RETURN k, CAST(NULL AS STRING) AS name, CAST(NULL AS DOUBLE) AS price)`, {
          ids: newProducts,
        });
      }
      await run(`COPY Purchase FROM (${rows}, $at[i] AS a RETURN k, concat(a, ''))`, {
        ids: orders.map((o) => o.id),
        at: orders.map((o) => o.placedAt),
      });
      await run(`COPY PLACED FROM (${rows}, $to[i] AS t RETURN k, t)`, {
        ids: orders.map((o) => o.userId),
        to: orders.map((o) => o.id),
      });
      await run(`COPY CONTAINS FROM (${rows}, $to[i] AS t, $qty[i] AS q RETURN k, t, CAST(concat(q, '') AS INT64))`, {
        ids: lines.map((line) => line.from),
        to: lines.map((line) => line.to),
        qty: lines.map((line) => String(line.qty)),
      });
      await run('COMMIT');
      for (const id of newUsers) users.add(id);
      for (const id of newProducts) products.add(id);
    },
    async close() {
      prepared.clear();
      await connection.close();
      await database.close();
    },
  };
}

/** DuckDB's appender writing the order lines, one transaction per batch. */
export async function rawDuckDB(path: string): Promise<RawWriter> {
  const duckdb = await import('@duckdb/node-api');
  const instance = await duckdb.DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(
    'CREATE TABLE bench_sales(order_id VARCHAR, day DATE, category VARCHAR, product_id VARCHAR, qty BIGINT, revenue DOUBLE)',
  );
  const { VARCHAR, BIGINT, DOUBLE } = duckdb;
  const types = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, BIGINT, DOUBLE];
  return {
    async batch(events) {
      const lines = events.flatMap((e) => salesRows(e.payload as unknown as BenchOrder));
      const columns: unknown[][] = [[], [], [], [], [], []];
      for (const line of lines) {
        columns[0]!.push(line.order_id);
        columns[1]!.push(line.day);
        columns[2]!.push(line.category);
        columns[3]!.push(line.product_id);
        columns[4]!.push(BigInt(line.qty));
        columns[5]!.push(line.revenue);
      }
      await connection.run('BEGIN TRANSACTION');
      const appender = await connection.createAppender('bench_sales');
      for (let start = 0; start < lines.length; start += 2048) {
        const end = Math.min(start + 2048, lines.length);
        const chunk = duckdb.DuckDBDataChunk.create(types, end - start);
        chunk.setColumns(columns.map((column) => column.slice(start, end)) as never);
        appender.appendDataChunk(chunk);
      }
      appender.closeSync();
      await connection.run('COMMIT');
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Orama's insertMultiple with the documents the search view projects. */
export async function rawOrama(): Promise<RawWriter> {
  const orama = await import('@orama/orama');
  const db = orama.create({
    schema: { name: 'string', description: 'string', category: 'enum', price: 'number' } as const,
  });
  return {
    async batch(events) {
      const docs = events.map((e) => {
        const item = e.payload as unknown as BenchItem;
        return {
          id: e.key,
          name: item.name,
          description: item.description,
          category: item.category,
          price: item.price,
        };
      });
      await orama.insertMultiple(db, docs as Row[] as never);
    },
    async close() {},
  };
}
