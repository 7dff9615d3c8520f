import { dropSchema, runId, SERVER_URLS } from './bench-env.js';
import { type OrderInput, Payments, type ShopTotals, SKUS, STOCK_PER_SKU, skuOf, totalsSql } from './p8-order-saga.js';

/** The order saga as a DBOS Transact workflow, ready to run: `order(input)` starts one and resolves once it ended. */
export interface DbosShop {
  readonly payments: Payments;
  /** Starts the workflow with the order's id as its workflow id, and waits for its result through the handle. */
  order(input: OrderInput): Promise<void>;
  /** What the workflows left in the app's tables. */
  totals(): Promise<ShopTotals>;
  close(): Promise<void>;
}

/**
 * Launches DBOS Transact (once per process: it is a singleton) on the bench's
 * PostgreSQL server with its system tables in a schema of their own and the
 * app's tables (and the datasource's `transaction_completion` table) in
 * another, both dropped by `close()`. The home steps are datasource
 * transactions (Postgres.js), which record their output in the transaction
 * of the step, DBOS's exactly-once path for database steps; the charge is a
 * `DBOS.runStep` (at least once) with the key `<workflow id>:charge`. On a
 * failure the workflow compensates what it did, in reverse order, as the saga
 * does: each compensation is itself a transaction or step, so a recovered
 * workflow replays to the same point.
 */
export async function openDbosShop(): Promise<DbosShop> {
  const { DBOS } = await import('@dbos-inc/dbos-sdk');
  const { PostgresDataSource } = await import('@dbos-inc/postgres-datasource');
  const postgres = (await import('postgres')).default;
  const id = runId();
  const systemSchema = `bench_${id}_dbos`;
  const appSchema = `bench_${id}_dbos_app`;
  const url = SERVER_URLS.postgres;
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  const dropAll = async () => {
    await dropSchema(appSchema);
    await dropSchema(systemSchema);
  };
  let launched = false;
  try {
    await admin.unsafe(`CREATE SCHEMA "${appSchema}"`);
    await admin.unsafe(`
      CREATE TABLE "${appSchema}".stock (id text PRIMARY KEY, qty int NOT NULL);
      CREATE TABLE "${appSchema}".reservations (id text PRIMARY KEY, sku text NOT NULL, qty int NOT NULL);
      CREATE TABLE "${appSchema}".shipments (id text PRIMARY KEY, order_id text NOT NULL);
      CREATE TABLE "${appSchema}".orders (id text PRIMARY KEY, sku text NOT NULL, qty int NOT NULL, status text NOT NULL)`);
    const skus = Array.from({ length: SKUS }, (_, i) => skuOf(i));
    await admin.unsafe(`INSERT INTO "${appSchema}".stock (id, qty) SELECT unnest($1::text[]), $2::int`, [
      skus,
      STOCK_PER_SKU,
    ]);

    // The app's pool as large as the home's on our side (10).
    const ds = new PostgresDataSource(
      'p8-app',
      { ...fromUrl(url), max: 10, onnotice: () => undefined, connection: { search_path: appSchema } },
      appSchema,
    );
    const payments = new Payments();
    const reserve = ds.registerTransaction(
      async (input: OrderInput) => {
        const sql = ds.client;
        const [item] = await sql`SELECT qty FROM stock WHERE id = ${input.sku} FOR UPDATE`;
        if (!item || item.qty < input.qty) throw new Error(`out of stock: ${input.sku}`);
        await sql`UPDATE stock SET qty = ${item.qty - input.qty} WHERE id = ${input.sku}`;
        await sql`INSERT INTO reservations (id, sku, qty) VALUES (${input.orderId}, ${input.sku}, ${input.qty})`;
      },
      { name: 'reserve' },
    );
    const unreserve = ds.registerTransaction(
      async (input: OrderInput) => {
        const sql = ds.client;
        await sql`UPDATE stock SET qty = qty + ${input.qty} WHERE id = ${input.sku}`;
        await sql`DELETE FROM reservations WHERE id = ${input.orderId}`;
      },
      { name: 'unreserve' },
    );
    const ship = ds.registerTransaction(
      async (input: OrderInput) => {
        await ds.client`INSERT INTO shipments (id, order_id) VALUES (${input.orderId}, ${input.orderId})`;
      },
      { name: 'ship' },
    );
    const unship = ds.registerTransaction(
      async (input: OrderInput) => {
        await ds.client`DELETE FROM shipments WHERE id = ${input.orderId}`;
      },
      { name: 'unship' },
    );
    const confirm = ds.registerTransaction(
      async (input: OrderInput) => {
        await ds.client`INSERT INTO orders (id, sku, qty, status)
          VALUES (${input.orderId}, ${input.sku}, ${input.qty}, 'completed')`;
      },
      { name: 'confirm' },
    );
    // The saga's step retries: 3 attempts.
    const retries = { retriesAllowed: true, maxAttempts: 3, intervalSeconds: 0.02 };
    const workflow = DBOS.registerWorkflow(
      async (input: OrderInput) => {
        const key = `${DBOS.workflowID}:charge`;
        const undo: (() => Promise<unknown>)[] = [];
        try {
          await reserve(input);
          undo.push(() => unreserve(input));
          // The charge may have happened even when it failed: its refund is owed from the start.
          undo.push(() => DBOS.runStep(() => payments.refund(key), { name: 'refund', ...retries }));
          await DBOS.runStep(() => payments.charge(key, input.qty), { name: 'charge', ...retries });
          await ship(input);
          undo.push(() => unship(input));
          await confirm(input);
        } catch (err) {
          for (const step of undo.reverse()) await step();
          throw err;
        }
      },
      { name: 'order' },
    );

    DBOS.setConfig({
      name: `p8-${id}`,
      systemDatabaseUrl: url,
      systemDatabaseSchemaName: systemSchema,
      logLevel: 'error',
    });
    await DBOS.launch();
    launched = true;
    return {
      payments,
      async order(input) {
        const handle = await DBOS.startWorkflow(workflow, { workflowID: input.orderId })(input);
        await handle.getResult();
      },
      async totals() {
        const [row] = await admin.unsafe(totalsSql(appSchema));
        return row as unknown as ShopTotals;
      },
      async close() {
        try {
          await DBOS.shutdown();
        } finally {
          await dropAll();
          await admin.end();
        }
      },
    };
  } catch (err) {
    if (launched) await DBOS.shutdown().catch(() => undefined);
    await dropAll().catch(() => undefined);
    await admin.end();
    throw err;
  }
}

/** Postgres.js connection options from a URL (its URL parser reads the same fields). */
function fromUrl(url: string) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password) || undefined,
    database: u.pathname.slice(1),
  };
}
