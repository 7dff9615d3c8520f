import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { duckdbStore } from '../../src/adapters/duckdb/index.js';
import { kuzuStore } from '../../src/adapters/kuzu/index.js';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { mysqlHome } from '../../src/adapters/mysql/index.js';
import { jetstreamLog } from '../../src/adapters/nats/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import { pgliteHome } from '../../src/adapters/pglite/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { dropCdcSlot, postgresCdc } from '../../src/adapters/postgres-cdc/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import { redisStreamsLog } from '../../src/adapters/redis-streams/index.js';
import type { EventLog, HomeStore, KeyValueStore, Logger, SyncOptions } from '../../src/index.js';
import { createPolystore } from '../../src/index.js';
import { useSharedPglite } from '../support/pglite-template.js';
import { deleteRedisKeys, dropMariaDatabase, dropPostgresSchema } from '../support/server-cleanup.js';
import { SERVER_URLS, type ServerKind } from '../support/servers.js';
import { tempDir } from '../support/temp-dir.js';
import type { ModelDb } from './command-runner.js';
import { modelViews, notes, people } from './model-entities.js';

/** One opened model: its instance, the warnings its sync logged, and how to remove everything it made. */
export interface OpenedModel {
  readonly db: ModelDb;
  readonly warnings: readonly string[];
  cleanup(): Promise<void>;
}

/** A home, log and capture combination the property runs against. */
export interface ModelMode {
  readonly name: string;
  readonly servers: readonly ServerKind[];
  open(): Promise<OpenedModel>;
}

/** Quick polling and a short retry, so a failing projection reaches the dead letters within the run. */
const SYNC: SyncOptions = {
  pollIntervalMs: 10,
  flushIntervalMs: 50,
  retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
};
const READ_TIMEOUT_MS = 10_000;

/** Keeps the last warnings and errors the sync engine logs, to show with a failure. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const keep = (level: string) => (fields: Record<string, unknown>, message: string) => {
    warnings.push(`${level}: ${message} ${JSON.stringify(fields).slice(0, 300)}`);
    if (warnings.length > 20) warnings.shift();
  };
  return { logger: { debug() {}, info() {}, warn: keep('warn'), error: keep('error') }, warnings };
}

async function openOn(
  home: HomeStore,
  cache: KeyValueStore,
  dir: string,
  extra: { log?: EventLog; sync?: SyncOptions },
): Promise<{ db: ModelDb; warnings: string[] }> {
  const { logger, warnings } = recordingLogger();
  const db = createPolystore({
    home,
    stores: {
      cache,
      search: oramaStore({ path: join(dir, 'search') }),
      graph: kuzuStore({ path: join(dir, 'graph.kuzu') }),
      analytics: duckdbStore({ path: join(dir, 'analytics.duckdb') }),
    },
    entities: [people, notes],
    views: modelViews(),
    ...(extra.log ? { log: extra.log } : {}),
    sync: { ...SYNC, ...extra.sync },
    readTimeoutMs: READ_TIMEOUT_MS,
    logger,
  });
  return { db, warnings };
}

function newId(): string {
  return `ps_model_${randomBytes(5).toString('hex')}`;
}

/**
 * PGlite home, the outbox as the log, all views embedded (LMDB, Orama, Kuzu,
 * DuckDB). Runs share one PGlite instance per test file, each in its own
 * schema (opening PGlite costs a second or more, a schema almost nothing).
 * Call at the top level of a test file.
 */
export function embeddedMode(): ModelMode {
  const pglite = useSharedPglite();
  return {
    name: 'PGlite + outbox log (LMDB, Orama, Kuzu, DuckDB)',
    servers: [],
    async open() {
      const schema = newId();
      const dir = await tempDir('polystore-model-');
      const { db, warnings } = await openOn(
        pgliteHome({ pglite: await pglite(), schema }),
        lmdbStore({ path: join(dir.path, 'cache') }),
        dir.path,
        {},
      );
      const cleanup = async () => {
        await db.close().catch(() => undefined);
        await (await pglite()).exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await dir.cleanup();
      };
      try {
        await db.ready();
      } catch (err) {
        await cleanup();
        throw err;
      }
      return { db, warnings, cleanup };
    },
  };
}

async function deleteJetStream(stream: string): Promise<void> {
  const { connect } = await import('nats');
  const nc = await connect({ servers: SERVER_URLS.nats });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/** PostgreSQL home and Redis cache; outbox events reach JetStream by the polling relay or by CDC. */
function postgresMode(capture: 'outbox' | 'cdc'): ModelMode {
  return {
    name:
      capture === 'cdc'
        ? 'PostgreSQL + CDC → JetStream, Redis cache'
        : 'PostgreSQL + outbox relay → JetStream, Redis cache',
    servers: ['postgres', 'redis', 'nats'],
    async open() {
      const id = newId();
      const dir = await tempDir('polystore-model-');
      const cdc = { connectionString: SERVER_URLS.postgres, schema: id, slot: id, publication: id };
      const { db, warnings } = await openOn(
        postgresHome({ connectionString: SERVER_URLS.postgres, schema: id }),
        redisStore({ url: SERVER_URLS.redis, keyPrefix: `${id}:` }),
        dir.path,
        {
          log: jetstreamLog({ servers: SERVER_URLS.nats, stream: id, partitions: 4, ackWaitMs: 2000 }),
          ...(capture === 'cdc' ? { sync: { capture: postgresCdc({ ...cdc, heartbeatMs: 500 }) } } : {}),
        },
      );
      const cleanup = async () => {
        await db.close().catch(() => undefined);
        if (capture === 'cdc') await dropCdcSlot(cdc).catch(() => undefined);
        await dropPostgresSchema(id);
        await deleteRedisKeys(`${id}:`);
        await deleteJetStream(id);
        await dir.cleanup();
      };
      try {
        if (capture === 'cdc') {
          await db.ready({ sync: false });
          await db.sync.capture?.admin?.create();
          await db.sync.start();
        } else {
          await db.ready();
        }
      } catch (err) {
        await cleanup();
        throw err;
      }
      return { db, warnings, cleanup };
    },
  };
}

export const postgresOutboxMode = postgresMode('outbox');
export const postgresCdcMode = postgresMode('cdc');

/** MariaDB home, Redis cache, the outbox relay publishing to a Redis stream. */
export const mariadbMode: ModelMode = {
  name: 'MariaDB + outbox relay → Redis Streams, Redis cache',
  servers: ['mysql', 'redis'],
  async open() {
    const id = newId();
    const dir = await tempDir('polystore-model-');
    const { db, warnings } = await openOn(
      mysqlHome({ uri: SERVER_URLS.mysql, database: id }),
      redisStore({ url: SERVER_URLS.redis, keyPrefix: `${id}:` }),
      dir.path,
      { log: redisStreamsLog({ url: SERVER_URLS.redis, stream: `${id}:events`, claimIdleMs: 2000 }) },
    );
    const cleanup = async () => {
      await db.close().catch(() => undefined);
      await dropMariaDatabase(id);
      await deleteRedisKeys(`${id}:`);
      await dir.cleanup();
    };
    try {
      await db.ready();
    } catch (err) {
      await cleanup();
      throw err;
    }
    return { db, warnings, cleanup };
  },
};
