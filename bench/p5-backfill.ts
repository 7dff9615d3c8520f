import { monitorEventLoopDelay } from 'node:perf_hooks';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { createPolystore, type HomeStore, type KeyValueStore, silentLogger } from '../src/index.js';
import type { BackfillRecord } from '../src/sync/backfill/backfill-state.js';
import { type BackfillBreakdown, BackfillTimings } from './backfill-timings.js';
import { Cleanups, deleteKeys, SERVER_URLS, serverNamespace, sleep } from './bench-env.js';
import { benchCacheView, benchItem, benchItems } from './bench-model.js';
import { type CommittedWrite, freshnessOf, LiveUpdates, untilVisible } from './live-updates.js';
import type { OpenLoopResult } from './open-loop.js';
import type { Profile } from './profile.js';
import { type RawCopy, rawCopy } from './raw-copy.js';
import { type BackfillRun, meets } from './report.js';
import { median, summarize } from './stats.js';
import { VisibilityRecorder } from './visibility-recorder.js';

const TARGETS = {
  recordsPerSec: { op: '>=', value: 20_000 },
  rawRatio: { op: '>=', value: 0.7 },
  liveP99Ratio: { op: '<=', value: 2 },
} as const;
const SEED_BATCH = 1000;
/** Rows per SELECT of the raw copy: what a copy written by hand would read at once. */
const RAW_CHUNK = 5000;
/** A bound on a load that a copy stops; no copy here comes near it. */
const MAX_LOAD_MS = 10 * 60_000;
const VIEW = benchCacheView.name;
/** A pause after emptying the keys, so that Redis's freeing of them falls in no phase. */
const SETTLE_MS = 1000;
/** How often the end of a backfill is looked for (its record in the home). */
const DONE_POLL_MS = 10;

/** The live updates made during one kind of phase, over all rounds. */
interface PhaseLoad {
  readonly committed: CommittedWrite[];
  readonly loads: OpenLoopResult[];
  /** The event loop's delay (p99, max in ms) during each run of the phase: what shared it with the live writes. */
  readonly loopDelayMs: { p99: number; max: number }[];
  /** The live p99 of each run of the phase. */
  readonly p99s: number[];
}

/**
 * P5: a backfill of `profile.p5.records` records from a PostgreSQL home into
 * a Redis cache view (`db.sync.backfills.request`, run by the sync engine
 * with the default chunk options), against a raw copy of the same records (keyset SELECTs,
 * pipelined SETs of the same entries), while live updates run at
 * `loadShare` of the maximum update rate; the live updates' freshness
 * (commit to visible in the view) during each copy and with no copy running.
 * Each round runs the three phases, in reverse order every other round, and
 * the view and the raw keys are emptied between rounds.
 */
export async function p5Backfill(profile: Profile): Promise<BackfillRun[]> {
  const cleanups = new Cleanups();
  try {
    const { schema, prefix } = serverNamespace(cleanups);
    const { records, rounds } = profile.p5;
    const ids = Array.from({ length: records }, (_, i) => `r${String(i).padStart(7, '0')}`);
    await firstBuild(schema, prefix);
    log(`seeding ${records} records`);
    await seed(schema, ids);

    const timings = new BackfillTimings();
    const recorder = new VisibilityRecorder();
    const db = openWithView(
      schema,
      prefix,
      (home) => timings.wrapHome(home),
      (store) => timings.wrapStore(recorder.wrap(store)),
    );
    cleanups.add('close polystore', () => db.close());
    await db.ready();
    await db.sync.start();

    const { Client } = await import('pg');
    const pg = new Client({ connectionString: SERVER_URLS.postgres });
    await pg.connect();
    cleanups.add('close raw pg', () => pg.end());
    const { Redis } = await import('ioredis');
    const redis = new Redis(SERVER_URLS.redis);
    cleanups.add('close raw redis', () => redis.quit());
    const relation = `"${schema}"."${benchItems.table.table}"`;
    const rawKey = (key: string) => `${prefix}raw:${key}`;

    const live = new LiveUpdates(db.entity('bench_items'), ids);
    const warm: CommittedWrite[] = [];
    for (let i = 0; i < 100; i++) await live.write(warm);
    await untilVisible(recorder, warm);
    const probe: CommittedWrite[] = [];
    const maxRatePerSec = await live.probeRate(profile.p5.rateProbeMs, probe);
    await untilVisible(recorder, probe);
    const offeredRatePerSec = maxRatePerSec * profile.p5.loadShare;
    log(`max update rate ${Math.round(maxRatePerSec)}/s; live load ${Math.round(offeredRatePerSec)}/s`);

    const phases = { baseline: newPhase(), backfill: newPhase(), raw: newPhase() };
    /** Runs `work` while live updates run, then waits until they are all visible. */
    const underLoad = async (name: keyof typeof phases, work: () => Promise<unknown>): Promise<void> => {
      const phase = phases[name];
      const first = phase.committed.length;
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const stop = new AbortController();
      const load = live.load(offeredRatePerSec, MAX_LOAD_MS, stop.signal, phase.committed);
      try {
        await work();
      } finally {
        stop.abort();
        phase.loads.push(await load);
        loop.disable();
        phase.loopDelayMs.push({ p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 });
        await untilVisible(recorder, phase.committed);
      }
      const p99 = freshnessOf(recorder, phase.committed.slice(first), []).latencyMs.p99;
      phase.p99s.push(p99);
      log(`  ${name}: live p99 ${p99.toFixed(1)} ms, event loop delay max ${(loop.max / 1e6).toFixed(0)} ms`);
    };
    const backfills: BackfillMeasure[] = [];
    const raws: RawCopy[] = [];
    const runRaw = () =>
      underLoad('raw', async () => {
        raws.push(await rawCopy(pg, redis, relation, rawKey, RAW_CHUNK));
      });
    const runBackfill = () =>
      underLoad('backfill', async () => {
        backfills.push(await measureBackfill(db.sync.backfills, records, timings));
      });
    const runIdle = () => underLoad('baseline', () => sleep(profile.p5.idleMs));

    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        await deleteKeys(`${prefix}${benchCacheView.scope}:`);
        await deleteKeys(rawKey(''));
        await sleep(SETTLE_MS);
      }
      const order = round % 2 === 0 ? [runRaw, runBackfill, runIdle] : [runIdle, runBackfill, runRaw];
      for (const phase of order) await phase();
      const b = backfills.at(-1)!;
      const r = raws.at(-1)!;
      log(
        `round ${round + 1}/${rounds}: backfill ${Math.round(rate(b))} records/s, raw ${Math.round(rate(r))} records/s`,
      );
    }
    return [report(records, backfills, raws, phases, { maxRatePerSec, offeredRatePerSec }, recorder)];
  } finally {
    await cleanups.run();
  }
}

/** The measured config: the cache view on a Redis store under `prefix`; backfills start only on request. */
function openWithView(
  schema: string,
  prefix: string,
  wrapHome: (home: HomeStore) => HomeStore = (home) => home,
  wrapStore: (store: KeyValueStore) => KeyValueStore = (store) => store,
) {
  return createPolystore({
    home: wrapHome(postgresHome({ connectionString: SERVER_URLS.postgres, schema })),
    stores: { cache: wrapStore(redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix })) },
    entities: [benchItems],
    views: [benchCacheView],
    sync: {
      autoStart: false,
      backfill: { auto: false, ...(process.env.P5_MAX_CHUNK ? { maxChunk: Number(process.env.P5_MAX_CHUNK) } : {}) },
    },
    logger: silentLogger,
  });
}

/**
 * Runs sync once over the empty home, so that the Redis store is one in use
 * (its epoch marker set) when the view is added to the seeded data: a store
 * with no marker is built from the home by the data-loss recovery, which
 * would copy the records a second time beside the backfill.
 */
async function firstBuild(schema: string, prefix: string): Promise<void> {
  const db = openWithView(schema, prefix);
  const { Redis } = await import('ioredis');
  const redis = new Redis(SERVER_URLS.redis);
  try {
    await db.ready();
    await db.sync.start();
    const deadline = performance.now() + 10_000;
    while (!(await redis.get(`${prefix}:epoch`))?.startsWith('ok:')) {
      if (performance.now() > deadline) throw new Error('the Redis store was not built within 10 s');
      await sleep(10);
    }
  } finally {
    await redis.quit();
    await db.close();
  }
}

/** Creates the records through a config without views, then prunes the outbox: the view's log holds none of them. */
async function seed(schema: string, ids: readonly string[]): Promise<void> {
  const home = postgresHome({ connectionString: SERVER_URLS.postgres, schema });
  const db = createPolystore({
    home,
    stores: {},
    entities: [benchItems],
    views: [],
    sync: { autoStart: false },
    logger: silentLogger,
  });
  try {
    await db.ready();
    const client = db.entity('bench_items');
    for (let i = 0; i < ids.length; i += SEED_BATCH) {
      await client.createMany(ids.slice(i, i + SEED_BATCH).map((id, k) => benchItem(id, i + k)));
    }
    const head = await home.outboxHead();
    if (head !== null) await home.pruneOutbox(head);
  } finally {
    await db.close();
  }
}

interface BackfillMeasure {
  readonly records: number;
  readonly elapsedMs: number;
  readonly breakdown: BackfillBreakdown;
}

/**
 * Requests the view's backfill and waits until this process's sync engine,
 * which runs the projectors, has run it to the end (a worker's way, the one
 * that fills a view added to an application): its wall time from the request.
 */
async function measureBackfill(
  backfills: ReturnType<typeof createPolystore>['sync']['backfills'],
  records: number,
  timings: BackfillTimings,
): Promise<BackfillMeasure> {
  timings.take();
  const started = performance.now();
  await backfills.request(VIEW);
  let record: BackfillRecord | null = await backfills.status(VIEW);
  while (record?.status === 'running') {
    await sleep(DONE_POLL_MS);
    record = await backfills.status(VIEW);
  }
  const elapsedMs = performance.now() - started;
  if (record?.status !== 'done' || record.examined !== records) {
    throw new Error(
      `the backfill ended ${record?.status ?? 'missing'} after ${record?.examined ?? 0} of ${records} records`,
    );
  }
  return { records, elapsedMs, breakdown: timings.take() };
}

function newPhase(): PhaseLoad {
  return { committed: [], loads: [], loopDelayMs: [], p99s: [] };
}

function rate(run: { records: number; elapsedMs: number }): number {
  return (run.records * 1000) / run.elapsedMs;
}

function sum<T>(items: readonly T[], field: (item: T) => number): number {
  return items.reduce((total, item) => total + field(item), 0);
}

function report(
  records: number,
  backfills: readonly BackfillMeasure[],
  raws: readonly RawCopy[],
  phases: Record<'baseline' | 'backfill' | 'raw', PhaseLoad>,
  load: { maxRatePerSec: number; offeredRatePerSec: number },
  recorder: VisibilityRecorder,
): BackfillRun {
  const backfillRates = backfills.map(rate);
  const rawRates = raws.map(rate);
  const recordsPerSec = median(backfillRates);
  const rawRatio = recordsPerSec / median(rawRates);
  const fresh = (phase: PhaseLoad) => ({
    ...freshnessOf(recorder, phase.committed, phase.loads),
    loopDelayMs: {
      p99: Math.max(...phase.loopDelayMs.map((d) => d.p99)),
      max: Math.max(...phase.loopDelayMs.map((d) => d.max)),
    },
  });
  const live = {
    ...load,
    baseline: fresh(phases.baseline),
    duringBackfill: fresh(phases.backfill),
    duringRaw: fresh(phases.raw),
  };
  const liveP99Ratio = live.duringBackfill.latencyMs.p99 / live.baseline.latencyMs.p99;
  const roundRatios = phases.backfill.p99s.map((p99, i) => p99 / phases.baseline.p99s[i]!);
  const metBy = {
    recordsPerSec: meets(recordsPerSec, TARGETS.recordsPerSec),
    rawRatio: meets(rawRatio, TARGETS.rawRatio),
    liveP99Ratio: meets(liveP99Ratio, TARGETS.liveP99Ratio) && live.duringBackfill.missing === 0,
  };
  return {
    id: 'P5.backfill.redis',
    title: `backfill of ${records} records into the redis cache view under live updates, against a raw copy`,
    kind: 'backfill',
    records,
    backfill: {
      recordsPerSec,
      roundRates: backfillRates,
      breakdownMs: {
        wall: sum(backfills, (b) => b.elapsedMs),
        scan: sum(backfills, (b) => b.breakdown.scanMs),
        apply: sum(backfills, (b) => b.breakdown.applyMs),
        flush: sum(backfills, (b) => b.breakdown.flushMs),
        save: sum(backfills, (b) => b.breakdown.saveMs),
      },
      chunkSizes: summarize(backfills.flatMap((b) => b.breakdown.chunkSizes)),
      chunkMs: summarize(backfills.flatMap((b) => b.breakdown.chunkMs)),
      scans: sum(backfills, (b) => b.breakdown.chunkSizes.length),
    },
    raw: {
      recordsPerSec: median(rawRates),
      roundRates: rawRates,
      chunkSize: RAW_CHUNK,
      breakdownMs: {
        wall: sum(raws, (r) => r.elapsedMs),
        select: sum(raws, (r) => r.selectMs),
        write: sum(raws, (r) => r.writeMs),
      },
    },
    rawRatio,
    live,
    liveP99Ratio,
    liveP99RatioPerRound: roundRatios,
    targets: TARGETS,
    metBy,
    met: metBy.recordsPerSec && metBy.rawRatio && metBy.liveP99Ratio,
  };
}

function log(message: string): void {
  process.stderr.write(`[bench] P5: ${message}\n`);
}
