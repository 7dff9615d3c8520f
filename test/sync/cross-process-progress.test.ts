import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { type BrokerKind, type CaptureMode, cleanBrokerShop, openBrokerShop } from '../support/broker-shop.js';
import { startWorker, type WorkerProcess } from '../support/broker-worker-process.js';
import { describeWithServer, SERVER_URLS } from '../support/servers.js';
import { until } from '../support/until.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/polystore.mjs', import.meta.url).pathname;
const OUTBOX_CONFIG = new URL('../fixtures/broker-outbox.config.ts', import.meta.url).pathname;
const DOOMED = new URL('../fixtures/doomed-consumer.ts', import.meta.url).pathname;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
});

function newId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}

/** A writer-only process (this one: `projectors: false`) and its workers (real child processes). */
async function openDeployment(mode: CaptureMode, broker: BrokerKind = 'jetstream') {
  const id = newId();
  const writer = openBrokerShop(id, 'writer', SERVER_URLS, mode, broker);
  const workers: WorkerProcess[] = [];
  cleanups.push(async () => {
    for (const worker of workers) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await writer.close();
    await cleanBrokerShop(id, SERVER_URLS);
  });
  await writer.ready({ sync: false });
  if (mode === 'cdc') await writer.sync.capture?.admin?.create();
  await writer.sync.start();
  const spawnWorker = () => {
    const worker = startWorker(id, mode, broker);
    workers.push(worker);
    return worker;
  };
  return { id, writer, spawnWorker };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function status(id: string): Promise<{
  views: { view: string; checkpoint: string | null; progress: { backlog: number; through: string | null } }[];
}> {
  const { stdout } = await run(process.execPath, [BIN, 'status', '--json', '--config', OUTBOX_CONFIG], {
    env: { ...process.env, POLYSTORE_TEST_ID: id },
  });
  return JSON.parse(stdout);
}

await describeWithServer(['postgres', 'redis', 'nats'], 'progress across processes', () => {
  const setups = [
    ['outbox', 'jetstream'],
    ['cdc', 'jetstream'],
    ['outbox', 'redis-streams'],
    ['cdc', 'redis-streams'],
  ] as const;
  for (const [mode, broker] of setups) {
    const label = broker === 'jetstream' ? mode : `${mode}, ${broker}`;
    it(`reads its own writes in a writer-only process while a worker process applies them (${label})`, async () => {
      const { writer, spawnWorker } = await openDeployment(mode, broker);
      const worker = spawnWorker();
      const client = writer.entity('items');
      // The worker is up once it has applied a first write.
      await client.create({ id: 'warm', name: 'warm', qty: 0, tags: [] });
      await until(() => worker.applied() > 0, 60_000, 'the worker applying a first event');

      const latencies: number[] = [];
      for (let i = 0; i < 60; i++) {
        const written = await client.create({ id: `i${i}`, name: `item ${i}`, qty: i, tags: [] });
        const started = performance.now();
        const read = await client.get(`i${i}`, { consistency: 'read-your-writes', timeoutMs: 10_000 });
        latencies.push(performance.now() - started);
        expect(read).toMatchObject({ id: `i${i}`, qty: i, $version: written.$version });
      }
      const updated = await client.update('i7', { qty: 700 });
      expect(await client.get('i7', { consistency: 'read-your-writes', timeoutMs: 10_000 })).toMatchObject({
        qty: 700,
        $version: updated.$version,
      });
      process.stdout.write(
        `[progress] ${label}: read-your-writes across processes p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms (n=${latencies.length})\n`,
      );
      await writer.sync.catchUp(30_000);
      expect(await writer.check()).toEqual([expect.objectContaining({ missing: 0, stale: 0, extra: 0, checked: 61 })]);
    }, 120_000);
  }

  it("waits on another instance's write token: a reader with no writes of its own reads the write it was handed", async () => {
    const { id, writer, spawnWorker } = await openDeployment('outbox');
    const worker = spawnWorker();
    // A second writer-only instance: it shares nothing in memory with the first, as another process would.
    const reader = openBrokerShop(id, 'writer', SERVER_URLS, 'outbox', 'jetstream');
    cleanups.push(() => reader.close());
    await reader.ready({ sync: false });
    const client = writer.entity('items');
    await client.create({ id: 'warm', name: 'warm', qty: 0, tags: [] });
    await until(() => worker.applied() > 0, 60_000, 'the worker applying a first event');
    for (let i = 0; i < 20; i++) {
      const written = await client.update('warm', { qty: i + 1 });
      const read = await reader
        .entity('items')
        .get('warm', { consistency: 'read-your-writes', after: written.$token, timeoutMs: 10_000 });
      expect(read).toMatchObject({ qty: i + 1, $version: written.$version });
    }
    // Without the token the reader has nothing of its own to wait for.
    expect(reader.lastWrite).toBeNull();
  }, 120_000);

  it('polystore status from a third process reports the backlog of a stopped worker, and zero once it caught up', async () => {
    const { id, writer, spawnWorker } = await openDeployment('outbox');
    const first = spawnWorker();
    const client = writer.entity('items');
    await client.create({ id: 'warm', name: 'warm', qty: 0, tags: [] });
    await until(() => first.applied() > 0, 60_000, 'the worker applying a first event');
    await writer.sync.catchUp(30_000);
    first.child.kill('SIGTERM');
    await first.exited;

    await client.createMany(Array.from({ length: 50 }, (_, i) => ({ id: `b${i}`, name: 'b', qty: i, tags: [] })));
    // The relay (in the writer) publishes them once the home counts them as settled.
    const backlog = async () => (await writer.sync.progress('items_cache')).backlog ?? 0;
    await until(async () => (await backlog()) >= 50, 60_000, 'the relay publishing the 50 events');
    const head = (await writer.sync.progress('items_cache')).head;
    const behind = await status(id);
    const view = behind.views[0]!;
    // 50 events, plus the watermark the relay published after them.
    expect(view.progress.backlog).toBeGreaterThanOrEqual(50);
    expect(view.progress.backlog).toBeLessThanOrEqual(52);
    expect(view.checkpoint! < head!).toBe(true);
    await expect(writer.sync.catchUp(500)).rejects.toMatchObject({ code: 'PS_ERR_CONSISTENCY_TIMEOUT' });

    spawnWorker();
    await writer.sync.catchUp(60_000);
    const after = await status(id);
    expect(after.views[0]!.progress.backlog).toBe(0);
    expect(after.views[0]!.checkpoint! >= head!).toBe(true);
  }, 180_000);

  it('a process with no capture and no worker running anywhere never reports caught up', async () => {
    // CDC mode: the writer runs neither the capture nor projectors, and nothing else runs.
    const { writer } = await openDeployment('cdc');
    const client = writer.entity('items');
    await client.create({ id: 'lonely', name: 'l', qty: 1, tags: [] });
    await expect(writer.sync.catchUp(1_000)).rejects.toMatchObject({ code: 'PS_ERR_CONSISTENCY_TIMEOUT' });
    await expect(client.get('lonely', { consistency: 'read-your-writes', timeoutMs: 500 })).rejects.toMatchObject({
      code: 'PS_ERR_CONSISTENCY_TIMEOUT',
    });
    expect(await writer.sync.progress('items_cache')).toMatchObject({ through: null });
  }, 60_000);

  it('catchUp does not return before the batch a SIGKILLed worker held is redelivered and applied', async () => {
    const { id, writer, spawnWorker } = await openDeployment('outbox');
    const client = writer.entity('items');
    for (let i = 0; i < 4; i++) {
      await client.createMany(
        Array.from({ length: 50 }, (_, j) => ({ id: `h${i}_${j}`, name: 'h', qty: j, tags: [] })),
      );
    }
    // No consumer yet: the backlog is the whole stream once the relay has published the 200 events.
    const backlog = async () => (await writer.sync.progress('items_cache')).backlog ?? 0;
    await until(async () => (await backlog()) >= 200, 60_000, 'the relay publishing the 200 events');
    // A worker process takes the oldest 100 events and dies without acking them.
    const doomed = spawn(process.execPath, ['--import', 'tsx', DOOMED, '--id', id, '--max', '100'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: doomed.stdout! }), 'line')) as [string];
    expect(line).toBe('fetched 100');
    doomed.kill('SIGKILL');
    await once(doomed, 'exit');
    expect((await writer.sync.progress('items_cache')).pending).toBe(100);

    // A healthy worker applies everything else at once; the held batch returns after ack_wait (2 s).
    spawnWorker();
    await writer.sync.catchUp(60_000);
    expect(await writer.check()).toEqual([expect.objectContaining({ missing: 0, stale: 0, extra: 0, checked: 200 })]);
    expect(await writer.sync.progress('items_cache')).toMatchObject({ pending: 0, backlog: 0 });
  }, 120_000);

  it('catchUp after a SIGKILLed worker waits for the events it held to come back and be applied', async () => {
    const { writer, spawnWorker } = await openDeployment('outbox');
    const doomed = spawnWorker();
    const client = writer.entity('items');
    await client.create({ id: 'warm', name: 'warm', qty: 0, tags: [] });
    await until(() => doomed.applied() > 0, 60_000, 'the worker applying a first event');
    const writes = (async () => {
      for (let i = 0; i < 20; i++) {
        await client.createMany(
          Array.from({ length: 25 }, (_, j) => ({ id: `k${i}_${j}`, name: 'k', qty: j, tags: [] })),
        );
      }
    })();
    await until(() => doomed.applied() > 60, 60_000, 'the worker applying some of the writes');
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await writes;
    spawnWorker();
    await writer.sync.catchUp(60_000);
    // Compared at once, by content: nothing the killed worker held may still be missing.
    const drift = await writer.check();
    expect(drift).toEqual([expect.objectContaining({ missing: 0, stale: 0, extra: 0, checked: 501 })]);
    for (const id of ['k0_0', 'k9_13', 'k19_24']) {
      expect(await client.get(id)).toEqual(await client.get(id, { consistency: 'strong' }));
    }
  }, 180_000);
});
