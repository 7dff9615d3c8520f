import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type JetStreamLogOptions, jetstreamLog } from '../../src/adapters/nats/index.js';
import { parseAckSubject } from '../../src/adapters/nats/jetstream-pull.js';
import { subjectFor } from '../../src/adapters/nats/jetstream-setup.js';
import type { DeliveredEvent, EventConsumer } from '../../src/contracts/event-log.js';
import { isPolystoreError } from '../../src/errors/index.js';
import type { Logger } from '../../src/runtime/logger.js';
import { describeEventLogContract, publishThrough } from '../contracts/event-log-contract.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { uniqueName } from '../support/temp-dir.js';

/** A raw connection for inspecting and deleting the streams the tests create. */
let admin: NatsConnection | undefined;
async function deleteStream(stream: string): Promise<void> {
  admin ??= await connect({ servers: SERVER_URLS.nats });
  const jsm = await admin.jetstreamManager();
  await jsm.streams.delete(stream).catch(() => undefined);
}
afterAll(async () => {
  await admin?.close();
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

describe('jetstream log without a server', () => {
  it('validates its options at construction', () => {
    for (const options of [
      { stream: 'a.b' },
      { stream: '' },
      { stream: 'ok', partitions: 0 },
      { stream: 'ok', maxDeliver: 1.5 },
      { stream: 'ok', ackWaitMs: -1 },
      { stream: 'ok', servers: 'nats://x', connection: {} as JetStreamLogOptions['connection'] },
    ]) {
      expect(() => jetstreamLog(options as JetStreamLogOptions)).toThrow(
        expect.objectContaining({ code: 'PS_ERR_INVALID_CONFIG' }),
      );
    }
  });

  it('hashes every version of a key to one subject and spreads keys over the partitions', () => {
    const subjects = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const subject = subjectFor('s', 16, { entity: 'items', key: `k${i}` });
      expect(subjectFor('s', 16, { entity: 'items', key: `k${i}` })).toBe(subject);
      subjects.add(subject);
    }
    expect([...subjects].sort()).toEqual(Array.from({ length: 16 }, (_, p) => `s.${p}`).sort());
  });

  it('reads the delivery count and stream sequence from both ack subject forms', () => {
    expect(parseAckSubject('$JS.ACK.s.c.3.41.40.1795526064402101090.0')).toEqual({ deliveryCount: 3, streamSeq: 41 });
    expect(parseAckSubject('$JS.ACK.hub.ACCHASH.s.c.2.7.6.1795526064402101090.5.tok')).toEqual({
      deliveryCount: 2,
      streamSeq: 7,
    });
    expect(parseAckSubject('_INBOX.abc')).toBeNull();
  });

  it('reports an unreachable server as PS_ERR_STORE_UNAVAILABLE with the URL redacted', async () => {
    const log = jetstreamLog({ servers: 'nats://user:secret@127.0.0.1:1', stream: 'nowhere' });
    const error = await log.ensure().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isPolystoreError(error, 'PS_ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(String((error as Error).message)).not.toContain('secret');
    await log.close();
  });
});

await describeWithServer('nats', 'jetstream log', () => {
  describeEventLogContract(
    'jetstream',
    async () => {
      const stream = uniqueName('ps');
      const log = jetstreamLog({ servers: SERVER_URLS.nats, stream });
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

  describe('jetstream specifics', () => {
    let stream: string;
    const logs: ReturnType<typeof jetstreamLog>[] = [];
    const consumers: EventConsumer[] = [];
    const openLog = (options: Partial<JetStreamLogOptions> = {}) => {
      const log = jetstreamLog({ servers: SERVER_URLS.nats, stream, ...options });
      logs.push(log);
      return log;
    };
    const openConsumer = async (log: ReturnType<typeof jetstreamLog>, name: string) => {
      const consumer = await log.consumer(name);
      consumers.push(consumer);
      return consumer;
    };

    afterEach(async () => {
      for (const consumer of consumers.splice(0)) await consumer.close();
      for (const log of logs.splice(0)) await log.close();
      await deleteStream(stream);
    });

    it('stores each key on one partition subject', async () => {
      stream = uniqueName('ps');
      const log = openLog({ partitions: 4 });
      const events = Array.from({ length: 200 }, (_, i) => event(`k${i % 50}`, Math.floor(i / 50) + 1, i + 1));
      await log.publish(events);
      admin ??= await connect({ servers: SERVER_URLS.nats });
      const jsm = await admin.jetstreamManager();
      const info = await jsm.streams.info(stream, { subjects_filter: '>' });
      expect(Object.keys(info.state.subjects ?? {}).sort()).toEqual([0, 1, 2, 3].map((p) => `${stream}.${p}`));
      for (let seq = 1; seq <= 200; seq++) {
        const stored = await jsm.streams.getMessage(stream, { seq });
        const e = stored.json<{ entity: string; key: string }>();
        expect(stored.subject).toBe(subjectFor(stream, 4, e));
      }
    });

    it('redelivers to another worker what a stuck worker held past ack_wait, counting deliveries', async () => {
      stream = uniqueName('ps');
      const log = openLog({ ackWaitMs: 500 });
      await log.publish([event('a', 1, 1), event('b', 1, 2), event('c', 1, 3)]);
      const stuck = await openConsumer(log, 'view');
      expect(await stuck.fetch(10)).toHaveLength(3); // never acked, never closed
      const other = await openConsumer(log, 'view');
      expect(await other.fetch(10)).toEqual([]);
      await sleep(800);
      const redelivered = await other.fetch(10);
      expect(redelivered.map((e) => e.eventId).sort()).toEqual(['items/a@1', 'items/b@1', 'items/c@1']);
      expect(redelivered.every((e) => e.deliveryCount === 2)).toBe(true);
    });

    it('redelivers the batch of a worker process killed mid-batch once ack_wait passes', async () => {
      stream = uniqueName('ps');
      const log = openLog({ ackWaitMs: 1_000 });
      await log.publish(Array.from({ length: 50 }, (_, i) => event(`k${i % 10}`, Math.floor(i / 10) + 1, i + 1)));
      const worker = await fetchInDoomedWorker(
        'nats',
        `m.jetstreamLog(${JSON.stringify({ servers: SERVER_URLS.nats, stream, ackWaitMs: 1_000 })})`,
      );
      worker.kill();
      expect(worker.fetched).toBe(50);
      const survivor = await openConsumer(log, 'view');
      const got: DeliveredEvent[] = [];
      for (let i = 0; i < 100 && got.length < 50; i++) got.push(...(await survivor.fetch(100)));
      expect(new Set(got.map((e) => e.eventId)).size).toBe(50);
      expect(got.every((e) => e.deliveryCount === 2)).toBe(true);
    });

    it('has recorded every ack when ack() resolves', async () => {
      stream = uniqueName('ps');
      const log = openLog();
      await log.publish(Array.from({ length: 2_000 }, (_, i) => event(`k${i}`, 1, i + 1)));
      const consumer = await openConsumer(log, 'view');
      const got = await consumer.fetch(1_000);
      expect(got).toHaveLength(1_000);
      await consumer.ack(got);
      admin ??= await connect({ servers: SERVER_URLS.nats });
      const info = await (await admin.jetstreamManager()).consumers.info(stream, 'view');
      expect(info.num_ack_pending).toBe(0);
      expect(info.ack_floor.stream_seq).toBe(1_000);
      expect(await consumer.acknowledged()).toBe(got.at(-1)!.position);
    });

    it('stops after max_deliver attempts and reports the advisory', async () => {
      stream = uniqueName('ps');
      const logger = recordingLogger();
      const log = openLog({ maxDeliver: 2, logger });
      await log.publish([event('a', 1, 1)]);
      for (let attempt = 1; attempt <= 2; attempt++) {
        const consumer = await log.consumer('view');
        const got = await consumer.fetch(10);
        expect(got.map((e) => e.deliveryCount)).toEqual([attempt]);
        await consumer.close(); // naks it
      }
      const last = await openConsumer(log, 'view');
      expect(await last.fetch(10)).toEqual([]);
      for (let i = 0; i < 50 && logger.warnings.length === 0; i++) await sleep(50);
      expect(logger.warnings.some((w) => w.includes('max_deliver'))).toBe(true);
    });

    it('drops a re-publish from another log instance within the duplicate window', async () => {
      stream = uniqueName('ps');
      const events = [event('a', 1, 1), event('a', 2, 2)];
      await openLog().publish(events);
      await openLog().publish(events);
      const consumer = await openConsumer(openLog(), 'view');
      expect((await consumer.fetch(10)).map((e) => e.eventId)).toEqual(['items/a@1', 'items/a@2']);
    });

    it('brings an existing durable consumer to the declared ack wait and max deliver', async () => {
      stream = uniqueName('ps');
      await openConsumer(openLog({ maxDeliver: 3, ackWaitMs: 1_000 }), 'view');
      await openConsumer(openLog({ maxDeliver: 7, ackWaitMs: 2_000 }), 'view');
      admin ??= await connect({ servers: SERVER_URLS.nats });
      const info = await (await admin.jetstreamManager()).consumers.info(stream, 'view');
      expect(info.config).toMatchObject({ max_deliver: 7, ack_wait: 2_000_000_000, ack_policy: 'explicit' });
    });

    it('refuses a stream of the same name that does not capture its subjects', async () => {
      stream = uniqueName('ps');
      admin ??= await connect({ servers: SERVER_URLS.nats });
      await (await admin.jetstreamManager()).streams.add({ name: stream, subjects: [`other_${stream}`] });
      const error = await openLog()
        .ensure()
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(isPolystoreError(error, 'PS_ERR_INVALID_CONFIG')).toBe(true);
    });

    it('skips and terminates a message that is not a change event', async () => {
      stream = uniqueName('ps');
      const logger = recordingLogger();
      const log = openLog({ logger });
      await log.ensure();
      admin ??= await connect({ servers: SERVER_URLS.nats });
      await admin.jetstream().publish(`${stream}.0`, new TextEncoder().encode('not json'));
      await log.publish([event('a', 1, 1)]);
      const consumer = await openConsumer(log, 'view');
      expect((await consumer.fetch(10)).map((e) => e.eventId)).toEqual(['items/a@1']);
      expect(logger.warnings).toEqual(['skipping a message that is not a change event']);
    });
  });
});
