import { jetstreamLog } from '../../src/adapters/nats/index.js';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import { redisStore } from '../../src/adapters/redis/index.js';
import { cacheView, createPolystore, silentLogger } from '../../src/index.js';
import { items } from './items-entity.js';

/**
 * The items model on PostgreSQL, JetStream and Redis, in names unique to `id`.
 * A `writer` runs only the outbox relay; a `worker` runs only projectors.
 */
export function openBrokerShop(
  id: string,
  role: 'writer' | 'worker',
  urls: { postgres: string; redis: string; nats: string },
) {
  return createPolystore({
    home: postgresHome({ connectionString: urls.postgres, schema: `test_${id}` }),
    stores: { cache: redisStore({ url: urls.redis, keyPrefix: `ps_test_${id}:` }) },
    entities: [items],
    views: [cacheView(items, { store: 'cache' })],
    log: jetstreamLog({ servers: urls.nats, stream: `ps_test_${id}`, partitions: 8, ackWaitMs: 2000 }),
    sync: {
      relay: role === 'writer',
      projectors: role === 'worker',
      pollIntervalMs: 10,
      flushIntervalMs: 100,
      batchSize: 50,
    },
    logger: silentLogger,
  });
}
