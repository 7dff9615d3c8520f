import { monitorEventLoopDelay } from 'node:perf_hooks';
import { postgresHome } from '../src/adapters/postgres/index.js';
import { redisStore } from '../src/adapters/redis/index.js';
import { cacheView, createPolystore, polystoreMetrics, silentLogger } from '../src/index.js';
import { Cleanups, SERVER_URLS, serverNamespace } from './bench-env.js';
import { benchItems, makeItems } from './bench-model.js';
import type { Profile } from './profile.js';
import type { ScrapeRun } from './report.js';
import { round3, summarize } from './stats.js';

const VIEWS = 20;
const TARGET_MS = 50;
const WARMUP_SCRAPES = 10;

/**
 * P9S: one `polystoreMetrics(db).render()` of a worker with 20 Redis cache
 * views on a PostgreSQL home, once every view has applied `profile.p9scrape.records`
 * writes (so each has counters and lag histograms saved in the home): how
 * long a scrape takes (every collector: the views' progress, counters,
 * checks, backfills and dead letters; sagas; PostgreSQL's statistics, pool
 * and slots; Redis INFO) and the longest the event loop was blocked while
 * scrapes ran back to back (`perf_hooks.monitorEventLoopDelay`, 10 ms
 * resolution, after 10 warm-up scrapes), beside the longest block over the
 * same time with no scrape (the idle projectors' polling, the machine).
 */
export async function p9Scrape(profile: Profile): Promise<ScrapeRun[]> {
  const cleanups = new Cleanups();
  try {
    const { schema, prefix } = serverNamespace(cleanups);
    const views = Array.from({ length: VIEWS }, (_, i) =>
      cacheView(benchItems, { store: 'cache', name: `bench_v${String(i + 1).padStart(2, '0')}` }),
    );
    const db = createPolystore({
      home: postgresHome({ connectionString: SERVER_URLS.postgres, schema }),
      stores: { cache: redisStore({ url: SERVER_URLS.redis, keyPrefix: prefix }) },
      entities: [benchItems],
      views,
      logger: silentLogger,
    });
    cleanups.add('close polystore', () => db.close());
    await db.ready();
    const metrics = await polystoreMetrics(db);
    cleanups.add('close metrics', async () => metrics.close());
    await db.entity('bench_items').createMany(makeItems('s', profile.p9scrape.records));
    await db.sync.catchUp();
    // Warm-up: the first scrapes open connections and compile what later ones reuse.
    for (let i = 0; i < WARMUP_SCRAPES; i++) await metrics.render();

    const times: number[] = [];
    let bytes = 0;
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const cpu = process.cpuUsage();
    for (let i = 0; i < profile.p9scrape.scrapes; i++) {
      const started = performance.now();
      bytes = (await metrics.render()).body.length;
      times.push(performance.now() - started);
    }
    delay.disable();
    const cpuUsed = process.cpuUsage(cpu);
    // The same time with no scrape: what the process (its idle projectors, the machine) blocks anyway.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((resolve) =>
      setTimeout(
        resolve,
        times.reduce((a, b) => a + b, 0),
      ),
    );
    idle.disable();
    const scrapeMs = summarize(times);
    const loopDelayMaxMs = round3(delay.max / 1e6);
    const metBy = { scrapeMs: scrapeMs.p50 <= TARGET_MS, loopDelayMs: loopDelayMaxMs <= TARGET_MS };
    return [
      {
        id: 'P9S.scrape.20views',
        title: `metrics scrape of a worker with ${VIEWS} views (PostgreSQL home, Redis cache)`,
        kind: 'scrape',
        views: VIEWS,
        scrapes: times.length,
        bodyBytes: bytes,
        scrapeMs,
        loopDelayMaxMs,
        idleLoopDelayMaxMs: round3(idle.max / 1e6),
        cpuMsPerScrape: round3((cpuUsed.user + cpuUsed.system) / 1000 / times.length),
        targets: { scrapeMs: { op: '<=', value: TARGET_MS }, loopDelayMs: { op: '<=', value: TARGET_MS } },
        metBy,
        met: metBy.scrapeMs && metBy.loopDelayMs,
      },
    ];
  } finally {
    await cleanups.run();
  }
}
