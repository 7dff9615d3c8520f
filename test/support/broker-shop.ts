import { jetstreamLog } from '../../src/adapters/nats/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { dropCdcSlot, postgresCdc } from '../../src/adapters/postgres-cdc/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import { redisStreamsLog } from '../../src/adapters/redis-streams/index.js';
import { cacheView, createPolystore, silentLogger } from '../../src/index.js';
import { items } from './items-entity.js';

export interface BrokerUrls {
  readonly postgres: string;
  readonly redis: string;
  readonly nats: string;
}

/** How outbox events reach the broker: the polling relay, or CDC from a replication slot. */
export type CaptureMode = 'outbox' | 'cdc';

/** The broker log: a JetStream stream (default) or a Redis stream. */
export type BrokerKind = 'jetstream' | 'redis-streams';

/** The replication slot and publication of a CDC shop (both named after `id`). */
export function cdcTarget(id: string, urls: BrokerUrls) {
  return { connectionString: urls.postgres, schema: `test_${id}`, slot: `ps_test_${id}`, publication: `ps_test_${id}` };
}

/**
 * The items model on PostgreSQL, JetStream and Redis, in names unique to `id`.
 * A `writer` only writes, a `worker` runs projectors, `both` does all in one
 * process. The change capture runs in the writer in outbox mode (the relay
 * polls next to the writes) and in the worker in CDC mode (a slot streams to
 * one client, which a crash test kills).
 */
export function openBrokerShop(
  id: string,
  role: 'writer' | 'worker' | 'both',
  urls: BrokerUrls,
  mode: CaptureMode = 'outbox',
  broker: BrokerKind = 'jetstream',
) {
  const capturing = role === 'both' || (mode === 'cdc' ? role === 'worker' : role === 'writer');
  return createPolystore({
    home: postgresHome({ connectionString: urls.postgres, schema: `test_${id}` }),
    stores: { cache: redisStore({ url: urls.redis, keyPrefix: `ps_test_${id}:` }) },
    entities: [items],
    views: [cacheView(items, { store: 'cache' })],
    log:
      broker === 'jetstream'
        ? jetstreamLog({ servers: urls.nats, stream: `ps_test_${id}`, partitions: 8, ackWaitMs: 2000 })
        : redisStreamsLog({ url: urls.redis, stream: `ps_test_${id}:events`, claimIdleMs: 2000 }),
    sync: {
      relay: capturing,
      projectors: role !== 'writer',
      pollIntervalMs: 10,
      flushIntervalMs: 100,
      batchSize: 50,
      ...(mode === 'cdc' ? { capture: postgresCdc({ ...cdcTarget(id, urls), heartbeatMs: 500 }) } : {}),
    },
    logger: silentLogger,
  });
}

/** Drops everything a broker shop made: schema, keys, stream, and the CDC slot and publication. */
export async function cleanBrokerShop(id: string, urls: BrokerUrls): Promise<void> {
  await dropCdcSlot(cdcTarget(id, urls)).catch(() => undefined);
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: urls.postgres });
  await pg.connect();
  await pg.query(`DROP SCHEMA IF EXISTS "test_${id}" CASCADE`);
  await pg.end();
  const { Redis } = await import('ioredis');
  const redis = new Redis(urls.redis);
  const keys = await redis.keys(`ps_test_${id}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  const { connect } = await import('nats');
  const nc = await connect({ servers: urls.nats });
  await (await nc.jetstreamManager()).streams.delete(`ps_test_${id}`).catch(() => undefined);
  await nc.close();
}
