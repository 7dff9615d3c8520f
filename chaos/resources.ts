import { rm } from 'node:fs/promises';
import type { RunNames, ServerUrls } from './deployment.js';

/**
 * Removes everything a run created under its unique names: the PostgreSQL
 * schema, the Redis keys under its prefix (SCAN + UNLINK, never KEYS), the
 * JetStream stream with its consumers and, when `keepDir` is false, the run
 * directory. Each step runs even if another failed; returns what failed.
 */
export async function removeRunResources(names: RunNames, urls: ServerUrls, keepDir: boolean): Promise<string[]> {
  const failed: string[] = [];
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      failed.push(`${what}: ${(err as Error).message}`);
    }
  };
  await step(`drop schema ${names.schema}`, async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: urls.postgres });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${names.schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });
  await step(`delete redis keys ${names.redisPrefix}*`, async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(urls.redis, { lazyConnect: true, maxRetriesPerRequest: 3 });
    await redis.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${names.redisPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      await redis.quit();
    }
  });
  await step(`delete stream ${names.stream}`, async () => {
    const { connect } = await import('nats');
    const nc = await connect({ servers: urls.nats });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(names.stream).catch((err: { api_error?: { err_code?: number } }) => {
        if (err.api_error?.err_code !== 10059) throw err;
      });
    } finally {
      await nc.close();
    }
  });
  if (!keepDir) await step(`remove ${names.dir}`, () => rm(names.dir, { recursive: true, force: true }));
  return failed;
}
