import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RedisStreamsLogOptions, redisStreamsLog } from '../../src/adapters/redis-streams/index.js';
import type { DeliveredEvent, EventConsumer } from '../../src/contracts/event-log.js';
import { isPolystoreError } from '../../src/errors/index.js';
import type { Logger } from '../../src/runtime/logger.js';
import { describeEventLogContract, publishThrough } from '../contracts/event-log-contract.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';

/** A raw client for inspecting and deleting what the tests create. */
let admin: Redis | undefined;
function adminClient(): Redis {
  admin ??= new Redis(SERVER_URLS.redis);
  return admin;
}
async function deleteStream(stream: string): Promise<void> {
  const redis = adminClient();
  const markers: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${stream}:seen:*`, 'COUNT', 1000);
    markers.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  for (let i = 0; i < markers.length; i += 1000) await redis.unlink(...markers.slice(i, i + 1000));
  await redis.unlink(stream);
}
afterAll(async () => {
  await admin?.quit();
});

/**
 * Starts a worker process that opens consumer `view` on a log built by
 * `factory` (an expression over the adapter module `m`), fetches up to 100
 * events without acking, reports how many, and waits to be killed.
 */
async function fetchInDoomedWorker(adapter: string, factory: string): Promise<{ fetched: number; kill: () => void }> {
  const module = new URL(`../../src/adapters/${adapter}/index.ts`, import.meta.url).pathname;
  const code = `const m = await import(${JSON.stringify(module)});
    const log = ${factory};
    const consumer = await log.consumer('view');
    const events = await consumer.fetch(100);
    process.stdout.write('fetched ' + events.length + '\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout! }), 'line'),
      once(child, 'exit').then(() => Promise.reject(new Error('the worker process exited before fetching'))),
    ])) as [string];
    return { fetched: Number(line.split(' ')[1]), kill: () => child.kill('SIGKILL') };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (_fields, message) => warnings.push(message) };
}

function event(key: string, version: number, seq: number) {
  return {
    entity: 'items',
    key,
    version,
    op: version === 1 ? ('create' as const) : ('update' as const),
    payload: { id: key, version },
    eventId: `items/${key}@${version}`,
    position: `${String(1).padStart(20, '0')}:${String(seq).padStart(20, '0')}`,
    committedAt: Date.now(),
  };
}

describe('redis-streams log without a server', () => {
  it('validates its options at construction', () => {
    for (const options of [
      { stream: '' },
      { stream: 'has space' },
      { stream: 'ok', claimIdleMs: 0 },
      { stream: 'ok', duplicateWindowMs: 1.5 },
      { stream: 'ok', consumerName: '' },
      { stream: 'ok', groupPrefix: 'a b' },
      { stream: 'ok', url: 'redis://x', client: { call: async () => null } },
      { stream: 'ok', client: { call: async () => null, options: { keyPrefix: 'p:' } } },
    ]) {
      expect(() => redisStreamsLog(options as RedisStreamsLogOptions)).toThrow(
        expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }),
      );
    }
  });

  it('reports an unreachable server as PS_ERR_STORE_UNAVAILABLE with the password redacted', async () => {
    const log = redisStreamsLog({ url: 'redis://user:secret@127.0.0.1:1', stream: 'nowhere' });
    const error = await log.ensure().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(String((error as Error).message)).not.toContain('secret');
    await log.close();
  });
});

await describeWithServer('redis', 'redis-streams log', () => {
  describeEventLogContract(
    'redis-streams',
    async () => {
      const stream = uniqueName('ps:events');
      const log = redisStreamsLog({ url: SERVER_URLS.redis, stream });
      return {
        log,
        publish: publishThrough(log),
        cleanup: async () => {
          await log.close();
          await deleteStream(stream);
        },
      };
    },
    { deduplicates: true, sharesLoad: true, dropsConsumers: true },
  );

  describe('redis-streams specifics', () => {
    let stream: string;
    const logs: ReturnType<typeof redisStreamsLog>[] = [];
    const consumers: EventConsumer[] = [];
    const openLog = (options: Partial<RedisStreamsLogOptions> = {}) => {
      const log = redisStreamsLog({ url: SERVER_URLS.redis, stream, ...options });
      logs.push(log);
      return log;
    };
    const openConsumer = async (log: ReturnType<typeof redisStreamsLog>, name: string) => {
      const consumer = await log.consumer(name);
      consumers.push(consumer);
      return consumer;
    };

    afterEach(async () => {
      for (const consumer of consumers.splice(0)) await consumer.close();
      for (const log of logs.splice(0)) await log.close();
      await deleteStream(stream);
    });

    it('keeps a de-duplication marker per event id for the duplicate window', async () => {
      stream = uniqueName('ps:events');
      await openLog({ duplicateWindowMs: 60_000 }).publish([event('a', 1, 1)]);
      const ttl = await adminClient().pttl(`${stream}:seen:items/a@1`);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await adminClient().xlen(stream)).toBe(1);
    });

    it('lets another worker claim what a dead worker held for claimIdleMs, counting deliveries', async () => {
      stream = uniqueName('ps:events');
      const log = openLog({ claimIdleMs: 300 });
      await log.publish([event('a', 1, 1), event('b', 1, 2), event('c', 1, 3)]);
      const dead = await openConsumer(log, 'view');
      expect(await dead.fetch(10)).toHaveLength(3); // never acked, never closed
      const other = await openConsumer(log, 'view');
      expect(await other.fetch(10)).toEqual([]);
      await sleep(400);
      const claimed = await other.fetch(10);
      expect(claimed.map((e) => e.eventId).sort()).toEqual(['items/a@1', 'items/b@1', 'items/c@1']);
      expect(claimed.every((e) => e.deliveryCount === 2)).toBe(true);
      await other.ack(claimed);
      expect(await adminClient().xpending(stream, 'view')).toEqual([0, null, null, null]);
    });

    it('lets a worker claim the batch of a worker process killed mid-batch', async () => {
      stream = uniqueName('ps:events');
      const log = openLog({ claimIdleMs: 500 });
      await log.publish(Array.from({ length: 50 }, (_, i) => event(`k${i % 10}`, Math.floor(i / 10) + 1, i + 1)));
      const worker = await fetchInDoomedWorker(
        'redis-streams',
        `m.redisStreamsLog(${JSON.stringify({ url: SERVER_URLS.redis, stream, claimIdleMs: 500 })})`,
      );
      worker.kill();
      expect(worker.fetched).toBe(50);
      const survivor = await openConsumer(log, 'view');
      const got: DeliveredEvent[] = [];
      for (let i = 0; i < 100 && got.length < 50; i++) {
        got.push(...(await survivor.fetch(100)));
        await sleep(50);
      }
      expect(new Set(got.map((e) => e.eventId)).size).toBe(50);
      expect(got.every((e) => e.deliveryCount === 2)).toBe(true);
    });

    it('names groups with the prefix and drops closed handles that hold nothing', async () => {
      stream = uniqueName('ps:events');
      const log = openLog({ groupPrefix: 'shop.', consumerName: 'worker-1' });
      await log.publish([event('a', 1, 1)]);
      const consumer = await log.consumer('view');
      await consumer.ack(await consumer.fetch(10));
      const [group] = (await adminClient().xinfo('GROUPS', stream)) as unknown[][];
      expect(group).toContain('shop.view');
      expect(((await adminClient().xinfo('CONSUMERS', stream, 'shop.view')) as unknown[][])[0]?.[1]).toMatch(
        /^worker-1-/,
      );
      await consumer.close();
      expect(await adminClient().xinfo('CONSUMERS', stream, 'shop.view')).toEqual([]);
    });

    it('skips and acks an entry that is not a change event', async () => {
      stream = uniqueName('ps:events');
      const logger = recordingLogger();
      const log = openLog({ logger });
      const consumer = await openConsumer(log, 'view');
      await adminClient().xadd(stream, '*', 'something', 'else');
      await log.publish([event('a', 1, 1)]);
      expect((await consumer.fetch(10)).map((e) => e.eventId)).toEqual(['items/a@1']);
      expect(logger.warnings).toEqual(['skipping a stream entry that is not a change event']);
      expect((await adminClient().xpending(stream, 'view'))[0]).toBe(1);
    });
  });
});
