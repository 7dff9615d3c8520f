import { join } from 'node:path';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { mysqlHome } from '../../src/adapters/mysql/index.js';
import { jetstreamLog, natsReplicas } from '../../src/adapters/nats/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { postgresCdc } from '../../src/adapters/postgres-cdc/index.js';
import { postgresSearchStore } from '../../src/adapters/postgres-search/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import { createPolystore, type Logger, PolystoreError, type SyncOptions } from '../../src/index.js';
import { CardGateway } from './card-gateway.js';
import { entities, keyspaces, views } from './model.js';
import { orderSaga } from './order-saga.js';

/** Server URLs; each one given replaces its embedded counterpart. */
export interface ShopServers {
  readonly postgres?: string | undefined;
  readonly mysql?: string | undefined;
  readonly redis?: string | undefined;
  readonly nats?: string | undefined;
  /** How outbox events reach JetStream: the polling relay (default) or `cdc`, logical replication. */
  readonly capture?: 'outbox' | 'cdc' | undefined;
}

export interface ShopOptions {
  /** Where the embedded stores keep their files. */
  readonly dataDir: string;
  readonly servers?: ShopServers;
  readonly sync?: SyncOptions & { readonly autoStart?: boolean };
  readonly logger?: Logger;
  /** Schema/database, key prefix, stream and replication slot on servers (default {@link SHOP_NAMESPACE}). */
  readonly namespace?: string;
  /**
   * With NATS: this process's replica name when it runs projectors (default
   * `POLYSTORE_REPLICA`, else the host name). Its embedded views are kept as
   * that replica's and served to the deployment's other processes.
   */
  readonly replica?: string;
}

/** Names the demo uses on servers: its schema/database, key prefix and stream. */
export const SHOP_NAMESPACE = 'polystore_demo';

/** The servers named by `POLYSTORE_*_URL` environment variables. */
export function serversFromEnv(env: NodeJS.ProcessEnv = process.env): ShopServers {
  return {
    postgres: env.POLYSTORE_POSTGRES_URL || undefined,
    mysql: env.POLYSTORE_MYSQL_URL || undefined,
    redis: env.POLYSTORE_REDIS_URL || undefined,
    nats: env.POLYSTORE_NATS_URL || undefined,
    capture: env.POLYSTORE_CAPTURE === 'cdc' ? 'cdc' : undefined,
  };
}

/** The schema of the demo's search indexes on PostgreSQL, beside its home schema. */
export function searchSchema(namespace = SHOP_NAMESPACE): string {
  return `${namespace}_search`;
}

/** The demo's replication slot and publication in CDC mode. */
export function shopCdcTarget(postgres: string, namespace = SHOP_NAMESPACE) {
  return { connectionString: postgres, schema: namespace, slot: namespace, publication: namespace };
}

/**
 * The e-commerce system. With no servers: PGlite home, LMDB cache, Orama
 * search, Kuzu graph, DuckDB analytics, the home's outbox as the log. Each
 * server URL swaps in PostgreSQL (home, and search in the schema
 * `<namespace>_search`) or MariaDB (home), Redis (cache) or JetStream
 * (log, fed by the outbox relay, or with `capture: 'cdc'` by logical
 * replication); graph and analytics stay embedded, and with NATS every
 * process reads them: a process running projectors keeps a replica of them
 * and answers the others' queries over NATS. The order saga
 * (order-saga.ts) runs in it, charging through a stand-in card gateway.
 */
export function createShop(options: ShopOptions) {
  const { dataDir, servers = {}, namespace = SHOP_NAMESPACE } = options;
  if (servers.capture === 'cdc' && !(servers.postgres && servers.nats)) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'CDC mode streams from PostgreSQL into JetStream', {
      field: 'POLYSTORE_CAPTURE',
      fix: 'set POLYSTORE_POSTGRES_URL and POLYSTORE_NATS_URL too, or unset POLYSTORE_CAPTURE',
    });
  }
  const cdc =
    servers.capture === 'cdc' && servers.postgres ? postgresCdc(shopCdcTarget(servers.postgres, namespace)) : undefined;
  const sync = options.sync || cdc ? { sync: { ...options.sync, ...(cdc ? { capture: cdc } : {}) } } : {};
  const home = servers.postgres
    ? postgresHome({ connectionString: servers.postgres, schema: namespace })
    : servers.mysql
      ? mysqlHome({ uri: servers.mysql, database: namespace })
      : pgliteHome({ dataDir: join(dataDir, 'home') });
  // The payment provider the order saga charges through; its ledger is the home's payments table.
  const gateway = new CardGateway();
  const db = createPolystore({
    home,
    stores: {
      cache: servers.redis
        ? redisStore({ url: servers.redis, keyPrefix: `${namespace}:` })
        : lmdbStore({ path: join(dataDir, 'cache') }),
      search: servers.postgres
        ? postgresSearchStore({ connectionString: servers.postgres, schema: searchSchema(namespace) })
        : oramaStore({ path: join(dataDir, 'search') }),
      graph: kuzuStore({ path: join(dataDir, 'graph.kuzu') }),
      analytics: duckdbStore({ path: join(dataDir, 'analytics.duckdb') }),
    },
    entities,
    keyspaces,
    views,
    ...(servers.nats
      ? {
          log: jetstreamLog({ servers: servers.nats, stream: namespace }),
          replicas: natsReplicas({
            servers: servers.nats,
            namespace,
            ...(options.replica ? { replica: options.replica } : {}),
          }),
        }
      : {}),
    ...sync,
    sagas: [orderSaga(gateway)],
    sagaOptions: { concurrency: 8 },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  gateway.attach(db);
  return db;
}

export type Shop = ReturnType<typeof createShop>;
