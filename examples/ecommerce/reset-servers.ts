import { dropCdcSlot } from '../../src/adapters/postgres-cdc/index.js';
import type { ShopServers } from './shop.js';
import { SHOP_NAMESPACE, searchSchema, shopCdcTarget } from './shop.js';

/**
 * Clears what an earlier demo run left on the servers — only the demo's own
 * schemas/database (home and search), replication slot and publication, key prefix and stream —
 * so each run starts from nothing.
 */
export async function resetServers(servers: ShopServers, namespace = SHOP_NAMESPACE): Promise<void> {
  if (servers.postgres) {
    // A slot left behind would keep WAL forever: it goes with the schema, CDC mode or not.
    await dropCdcSlot(shopCdcTarget(servers.postgres, namespace));
    const { Client } = await import('pg');
    const client = new Client({ connectionString: servers.postgres });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${namespace} CASCADE`);
      await client.query(`DROP SCHEMA IF EXISTS ${searchSchema(namespace)} CASCADE`);
    } finally {
      await client.end();
    }
  }
  if (servers.mysql) {
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection(servers.mysql);
    try {
      await connection.query(`DROP DATABASE IF EXISTS ${namespace}`);
    } finally {
      await connection.end();
    }
  }
  if (servers.redis) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(servers.redis);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      await redis.quit();
    }
  }
  if (servers.nats) {
    const { connect } = await import('nats');
    const nc = await connect({ servers: servers.nats });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(namespace).catch(() => undefined);
    } finally {
      await nc.close();
    }
  }
}
