import { jetstreamLog } from '../src/adapters/nats/index.js';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { createPolystore, silentLogger } from '../src/index.js';
import { E2eProcess } from '../test/support/e2e-processes.js';
import { Cleanups, deleteKeys, deleteStream, dropSchema, runId, SERVER_URLS, sleep } from './bench-env.js';
import { benchCacheView, benchItems, makeItems } from './bench-model.js';
import { type CpuShare, openCpuWindow } from './cpu-window.js';
import { cpuPerOpMs, rates, scaleOutRatio } from './p10-scale-out.js';
import type { Profile } from './profile.js';
import type { ResultRow, ScaleOutRun, Target } from './report.js';

const WORKER_PROCESS = new URL('./p10-worker-process.ts', import.meta.url);
/** Two workers sharing the view's consumer should reach this share of twice one worker's rate. */
const TARGET: Target = { op: '>=', value: 1.6 };
/** Events per fetch from the stream and per apply into Redis (the sync default). */
const BATCH_SIZE = 500;

/**
 * The shop of one P10 worker round: bench items on a PostgreSQL home (schema
 * `bench_<id>`), a JetStream log (stream `bench_<id>`) and the items' cache
 * view in Redis (keys `bench_<id>:`). No backfill starts by itself: a view
 * new to a home that holds records would be filled from the home, and the
 * round times the log's events.
 */
export function openWorkerShop(id: string, role: { relay: boolean; projectors: boolean }) {
  return createPolystore({
    home: postgresHome({ connectionString: SERVER_URLS.postgres, schema: `bench_${id}`, max: 4 }),
    log: jetstreamLog({ servers: SERVER_URLS.nats, stream: `bench_${id}` }),
    stores: { cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: `bench_${id}:` }) },
    entities: [benchItems],
    views: [benchCacheView],
    sync: { ...role, batchSize: BATCH_SIZE, pruneIntervalMs: 0, backfill: { auto: false } },
    logger: silentLogger,
  });
}

interface WorkerRound {
  readonly eventsPerSec: number;
  readonly applied: readonly number[];
  readonly cpu: CpuShare;
}

/**
 * P10, workers: `workerEvents` creates committed and published to a fresh
 * stream first (by the bench process's relay, no projector running), then 1
 * or 2 worker processes, opened with sync stopped, are started at once and
 * timed until the view's durable progress covers the log's head
 * (`db.sync.catchUp()` in the bench process). The workers share the view's
 * one durable consumer; the first also runs the relay, with nothing left to
 * publish. Rounds alternate 1, 2, 2, 1, ... each on a fresh schema, stream
 * and key prefix.
 */
export async function p10Workers(profile: Profile): Promise<ResultRow[]> {
  const { workerEvents: events, workerRounds } = profile.p10;
  const order = Array.from({ length: workerRounds * 2 }, (_, i) => (i % 4 === 0 || i % 4 === 3 ? 1 : 2));
  const byCount = new Map<number, WorkerRound[]>([
    [1, []],
    [2, []],
  ]);
  for (const workers of order) byCount.get(workers)!.push(await workerRound(events, workers));
  const run = (workers: number): ScaleOutRun => {
    const rounds = byCount.get(workers)!;
    const last = rounds.at(-1)!;
    return {
      id: `P10.workers.${workers}`,
      title: `${events} events from one JetStream stream into one Redis cache view by ${workers === 1 ? '1 worker process' : `${workers} worker processes sharing its durable consumer`} (batches of ${BATCH_SIZE})`,
      kind: 'scale-out',
      part: 'workers',
      processes: workers,
      unit: 'events/s',
      ...rates(rounds.map((r) => r.eventsPerSec)),
      latencyMs: null,
      perProcess: last.applied,
      cpu: last.cpu,
      roundCpu: rounds.map((r) => r.cpu),
      cpuPerOpMs: cpuPerOpMs(last.cpu, last.eventsPerSec),
    };
  };
  const one = run(1);
  const two = run(2);
  return [one, two, scaleOutRatio('P10.workers.2/1', '2 workers ÷ 1 (events/s)', two, one, TARGET)];
}

async function workerRound(events: number, workers: number): Promise<WorkerRound> {
  const cleanups = new Cleanups();
  try {
    const id = runId();
    cleanups.add('drop the schema', () => dropSchema(`bench_${id}`));
    cleanups.add('delete the stream', () => deleteStream(`bench_${id}`));
    cleanups.add('delete the redis keys', () => deleteKeys(`bench_${id}:`));
    // The events first: committed here, published by this process's relay, projected by nobody yet.
    const loader = openWorkerShop(id, { relay: true, projectors: false });
    cleanups.add('close the loader', () => loader.close());
    await loader.ready();
    for (let i = 0; i < events; i += 1000)
      await loader.entity('bench_items').createMany(makeItems('w', Math.min(1000, events - i), i));
    const deadline = Date.now() + 300_000;
    while ((loader.sync.capture?.stats().published ?? 0) < events) {
      if (Date.now() > deadline)
        throw new Error(`the relay published ${loader.sync.capture?.stats().published} of ${events}`);
      await sleep(50);
    }
    await loader.close();
    const client = openWorkerShop(id, { relay: false, projectors: false });
    cleanups.add('close the client', () => client.close());
    await client.ready();

    const procs = Array.from({ length: workers }, (_, i) => {
      const proc = new E2eProcess(`worker ${i + 1}`, WORKER_PROCESS, null, [
        '--id',
        id,
        ...(i === 0 ? ['--relay'] : []),
      ]);
      cleanups.add(`stop worker ${i + 1}`, () => proc.stop());
      return proc;
    });
    await Promise.all(procs.map((proc) => proc.ready(120_000)));
    // Timed from sync starting in the started processes until the view's durable progress covers the head.
    const end = await openCpuWindow(() => Promise.all(procs.map((proc) => proc.call<NodeJS.CpuUsage>('cpu'))));
    const began = performance.now();
    await Promise.all(procs.map((proc) => proc.call('start')));
    await client.sync.catchUp(300_000);
    const elapsedMs = performance.now() - began;
    const cpu = await end();
    const applied = await Promise.all(procs.map((proc) => proc.call<number>('applied')));
    const handled = applied.reduce((a, b) => a + b, 0);
    if (handled < events) throw new Error(`the workers handled ${handled} of ${events} events`);
    return { eventsPerSec: (events * 1000) / elapsedMs, applied, cpu };
  } finally {
    await cleanups.run();
  }
}
