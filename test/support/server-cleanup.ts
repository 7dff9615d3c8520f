import { SERVER_URLS } from './servers-urls.js';

/** Drops a PostgreSQL schema with everything in it. */
export async function dropPostgresSchema(schema: string): Promise<void> {
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: SERVER_URLS.postgres });
  await pg.connect();
  try {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await pg.end();
  }
}

/** Creates an empty MariaDB database (a test's namespace; the home itself needs it to exist). */
export function createMariaDatabase(database: string): Promise<void> {
  return adminQuery(`CREATE DATABASE \`${database}\``);
}

/** Drops a MariaDB database with everything in it. */
export function dropMariaDatabase(database: string): Promise<void> {
  return adminQuery(`DROP DATABASE IF EXISTS \`${database}\``);
}

async function adminQuery(statement: string): Promise<void> {
  const { createConnection } = await import('mysql2/promise');
  const admin = await createConnection({ uri: SERVER_URLS.mysql });
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Deletes every Redis key under `prefix` (SCAN + UNLINK, never KEYS): a cache's keys, a stream and its markers. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(SERVER_URLS.redis);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** Deletes a JetStream stream (absent is fine). */
export async function deleteJetStream(stream: string): Promise<void> {
  const nats = await import('nats');
  const nc = await nats.connect({ servers: SERVER_URLS.nats });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}
