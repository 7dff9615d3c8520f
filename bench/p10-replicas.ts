import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { E2eProcess } from '../test/support/e2e-processes.js';
import { cleanReplicaShop, openReplicaShop, untilServing } from '../test/support/replica-shop.js';
import { Cleanups, runId, tempDir } from './bench-env.js';
import { type CpuShare, openCpuWindow } from './cpu-window.js';
import { closedLoopFor, type RoundSample } from './harness.js';
import { coBuyers, NAME_WORDS, QUERY_KINDS, queryKind, queryMix, type ReplicaShop, userId } from './p10-query-mix.js';
import { cpuPerOpMs, rates, scaleOutRatio } from './p10-scale-out.js';
import type { Profile } from './profile.js';
import type { ResultRow, ScaleOutRun } from './report.js';
import { summarize } from './stats.js';

const REPLICA_PROCESS = new URL('./p10-replica-process.ts', import.meta.url);
/** The embedded stores of the replica shop: search, graph, analytics. */
const STORES = 3;

/**
 * P10, replicas: the replica shop (products searched in Orama, orders in a
 * Kuzu graph and a DuckDB sales table) on a PostgreSQL home and a JetStream
 * log, seeded through a client process (the bench: no relay, no projectors),
 * then served by 1, 2 and 3 replica processes added one at a time (each
 * filled from the home and caught up before it counts) and, with
 * `replicaRounds` 2, stopped one at a time again. For each count the client
 * runs the query mix (bench/p10-query-mix.ts) in a closed loop for a fixed
 * time; with one replica, the replica also runs the same loop against its own
 * stores (no client load meanwhile): what one process holding the views
 * reaches alone. Last, overload: one replica left, the client runs the
 * co-buyers query alone (the graph store answers one at a time) at each
 * level of `overloadInFlight`, and the replica's request count before and
 * after each window says how many requests each answer cost.
 */
export async function p10Replicas(profile: Profile): Promise<ResultRow[]> {
  const { products, orders, users, concurrency, warmupMs, durationMs, replicaRounds } = profile.p10;
  const { overloadInFlight, overloadWarmupMs, overloadMs } = profile.p10;
  const cleanups = new Cleanups();
  try {
    const target = { id: `b${runId()}` };
    cleanups.add('drop the schema and the stream', () => cleanReplicaShop(target));
    const dir = await tempDir(cleanups, 'p10-replicas');
    const client = openReplicaShop(target, { kind: 'client' });
    cleanups.add('close the client', () => client.close());
    await client.ready();
    await seed(client, products, orders, users);

    const replicas: E2eProcess[] = [];
    const replicaCpu = () => Promise.all(replicas.map((r) => r.call<NodeJS.CpuUsage>('cpu')));
    const addReplica = async () => {
      const n = replicas.length + 1;
      const replica = new E2eProcess(`replica ${n}`, REPLICA_PROCESS, null, [
        ...['--id', target.id, '--replica', `r${n}`],
        ...['--data-dir', join(dir, `r${n}`), '--users', String(users)],
      ]);
      cleanups.add(`stop replica ${n}`, () => replica.stop());
      replicas.push(replica);
      await replica.ready(120_000);
      await untilServing(replica, STORES, 180_000);
      // Filled from the home, then every event of the log handled: nothing left to project while measured.
      await replica.call('catchUp', undefined, 180_000);
    };
    /** Windows measured per replica count (0: the baseline in the first replica's own process). */
    const windows = new Map<number, Window[]>();
    const measure = async (processes: number, loop: Loop) => {
      await loop(warmupMs);
      const window = await measureWindow(loop, durationMs, replicaCpu);
      windows.set(processes, [...(windows.get(processes) ?? []), window]);
    };
    const remote = (durationMs: number) => closedLoopFor(durationMs, concurrency, queryMix(client, users));
    // The baseline: the same loop in the one process holding the views, no NATS in between.
    const local = (durationMs: number) => replicas[0]!.call<RoundSample>('loop', { durationMs, concurrency });
    // Replicas added one at a time, then (with two rounds) stopped one at a time: 1 2 3 3 2 1, so drift falls on every count.
    const counts = [1, 2, 3, ...(replicaRounds > 1 ? [3, 2, 1] : [])];
    for (const [i, n] of counts.entries()) {
      while (replicas.length < n) await addReplica();
      while (replicas.length > n) await replicas.pop()!.stop();
      const first = i === 0;
      if (first) await measure(0, local);
      await measure(n, remote);
      if (n === 1 && !first) await measure(0, local);
    }
    const shape = `${concurrency} in flight, ${durationMs / 1000} s a round, ${orders} orders, ${products} products`;
    const run = (processes: number): ScaleOutRun =>
      scaleOutRun(
        processes === 0 ? 'P10.replicas.local' : `P10.replicas.${processes}`,
        processes,
        processes === 0
          ? `query mix in the one process holding the views, its own stores (${shape})`
          : `query mix from a client process through ${processes} replica${processes === 1 ? '' : 's'} over NATS (${shape})`,
        windows.get(processes)!,
        queryKind,
      );
    const [baseline, one, two, three] = [0, 1, 2, 3].map(run) as [ScaleOutRun, ScaleOutRun, ScaleOutRun, ScaleOutRun];

    while (replicas.length > 1) await replicas.pop()!.stop();
    const overload: ScaleOutRun[] = [];
    for (const inFlight of overloadInFlight) {
      const loop: Loop = (ms) => closedLoopFor(ms, inFlight, coBuyers(client, users));
      await loop(overloadWarmupMs);
      const title = `co-buyers queries alone from a client process through 1 replica over NATS (${inFlight} in flight, ${overloadMs / 1000} s, ${orders} orders)`;
      overload.push(await overloadRun(replicas[0]!, inFlight, loop, overloadMs, title));
    }
    return [
      baseline,
      one,
      two,
      three,
      scaleOutRatio('P10.replicas.1/local', '1 replica over NATS ÷ in process (queries/s)', one, baseline, null),
      scaleOutRatio('P10.replicas.2/1', '2 replicas ÷ 1 (queries/s)', two, one, null),
      scaleOutRatio('P10.replicas.3/1', '3 replicas ÷ 1 (queries/s)', three, one, null),
      ...overload,
    ];
  } finally {
    await cleanups.run();
  }
}

/** A closed loop of queries for the given time. */
type Loop = (durationMs: number) => Promise<RoundSample>;

/** One measured window: the loop's operations, and the CPU meanwhile. */
interface Window {
  readonly sample: RoundSample;
  readonly cpu: CpuShare;
}

async function measureWindow(
  loop: Loop,
  durationMs: number,
  children: () => Promise<readonly NodeJS.CpuUsage[]>,
): Promise<Window> {
  const end = await openCpuWindow(children);
  const sample = await loop(durationMs);
  return { sample, cpu: await end() };
}

/**
 * One overload window through `replica`, the only one serving: its request
 * count before and after (a request the client sent again counts twice), and
 * the longest event-loop stall of the client and of the replica meanwhile.
 */
async function overloadRun(
  replica: E2eProcess,
  inFlight: number,
  loop: Loop,
  durationMs: number,
  title: string,
): Promise<ScaleOutRun> {
  const requests = async () => (await replica.call<{ requests: number }>('replicas')).requests;
  const before = await requests();
  await replica.call('loopDelayMax');
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const window = await measureWindow(loop, durationMs, async () => [await replica.call<NodeJS.CpuUsage>('cpu')]);
  clientDelay.disable();
  const taken = (await requests()) - before;
  const loopDelayMaxMs = { client: clientDelay.max / 1e6, replica: await replica.call<number>('loopDelayMax') };
  return {
    ...scaleOutRun(`P10.overload.${inFlight}`, 1, title, [window]),
    overload: { inFlight, requests: taken, requestsPerAnswer: taken / window.sample.ops, loopDelayMaxMs },
  };
}

/**
 * Windows with `processes` replicas (0: in process) as one row: the median
 * rate, latency over every query (and per kind of `kindOf` query `i`), CPU of
 * the last window.
 */
function scaleOutRun(
  id: string,
  processes: number,
  title: string,
  windows: readonly Window[],
  kindOf?: (i: number) => string,
): ScaleOutRun {
  const rateOf = ({ sample }: Window) => (sample.ops * 1000) / sample.elapsedMs;
  const latencies = (kind?: string) =>
    windows.flatMap(({ sample }) => sample.latenciesMs.filter((_, i) => kind === undefined || kindOf?.(i) === kind));
  const last = windows.at(-1)!;
  return {
    id,
    title,
    kind: 'scale-out',
    part: 'replicas',
    processes,
    unit: 'queries/s',
    ...rates(windows.map(rateOf)),
    latencyMs: summarize(latencies()),
    ...(kindOf && {
      byKindP50Ms: Object.fromEntries(QUERY_KINDS.map((kind) => [kind, summarize(latencies(kind)).p50])),
    }),
    cpu: last.cpu,
    roundCpu: windows.map((w) => w.cpu),
    cpuPerOpMs: cpuPerOpMs(last.cpu, rateOf(last)),
  };
}

/**
 * `products` products named of two words of NAME_WORDS, and `orders` orders
 * by `users` users, each user buying a product at most once (one BOUGHT edge
 * per order), through `createMany` in batches of 500.
 */
async function seed(db: ReplicaShop, products: number, orders: number, users: number): Promise<void> {
  if (orders / users > products) throw new Error('P10 needs orders / users <= products');
  const productId = (n: number) => `p${n}`;
  const words = NAME_WORDS.length;
  for (let i = 0; i < products; i += 500) {
    const batch = Array.from({ length: Math.min(500, products - i) }, (_, k) => {
      const n = i + k;
      const name = `${NAME_WORDS[n % words]} ${NAME_WORDS[(n * 3 + 1) % words]} model ${n}`;
      return { id: productId(n), name, category: `c${n % 12}`, price: 10 + (n % 400) };
    });
    await db.entity('products').createMany(batch);
  }
  for (let i = 0; i < orders; i += 500) {
    const batch = Array.from({ length: Math.min(500, orders - i) }, (_, k) => {
      const n = i + k;
      const user = n % users;
      return {
        id: `o${n}`,
        userId: userId(user),
        productId: productId((user * 13 + Math.floor(n / users)) % products),
        qty: 1 + (n % 4),
        amount: Math.round((5 + (n % 300) * 1.37) * 100) / 100,
      };
    });
    await db.entity('orders').createMany(batch);
  }
}
