import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postgresHome } from '../../src/adapters/postgres/index.js';
import type { HomeStore, KeyValueStore } from '../../src/index.js';
import {
  clean,
  diffView,
  type HomeTruth,
  jsonFormOf,
  keyValueEntries,
  readHomeTruth,
  searchEntries,
  type ViewDiff,
  withoutNulls,
} from './e2e-compare.js';
import { E2eProcess } from './e2e-processes.js';
import type { SearchDump, WorkerStatsResult } from './e2e-protocol.js';
import {
  CACHE_VIEW,
  cleanE2e,
  type E2eMode,
  type E2eTarget,
  e2eEnv,
  e2eSearchView,
  openE2eShop,
  searchViewName,
} from './e2e-shop.js';
import { items } from './items-entity.js';
import { PrivateRedis } from './private-redis.js';
import { SERVER_URLS } from './servers-urls.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/polystore.mjs', import.meta.url).pathname;
const CONFIG = new URL('../fixtures/e2e.config.ts', import.meta.url).pathname;

/** One view of `polystore status --json` as the test reads it (the fields it relies on). */
export interface StatusView {
  readonly view: string;
  readonly backlog?: unknown;
  readonly applied?: unknown;
  readonly [field: string]: unknown;
}

/**
 * The README's split deployment as real processes: two writers and two
 * workers on PostgreSQL (shared server, own schema), a private Redis (own
 * server: the test stops and restarts it) and JetStream (own stream), with
 * the outbox relay or CDC in the workers. Holds the processes and the test's
 * own eyes on the home and the Redis cache view.
 */
export class SplitDeployment {
  readonly writers: E2eProcess[] = [];
  readonly workers: E2eProcess[] = [];
  readonly #inspector: ReturnType<typeof openE2eShop>;

  private constructor(
    readonly target: E2eTarget,
    readonly redis: PrivateRedis,
    readonly home: HomeStore,
    inspector: ReturnType<typeof openE2eShop>,
    private readonly dir: { path: string; cleanup: () => Promise<void> },
  ) {
    this.#inspector = inspector;
  }

  /** Starts the private Redis, prepares the home (and the CDC slot), then the four processes. */
  static async start(mode: E2eMode): Promise<SplitDeployment> {
    const redis = await PrivateRedis.start();
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    const target: E2eTarget = { id, mode, postgres: SERVER_URLS.postgres, redis: redis.url, nats: SERVER_URLS.nats };
    const inspector = openE2eShop(target, 'inspector');
    const home = postgresHome({ connectionString: target.postgres, schema: `e2e_${id}`, max: 2 });
    const dir = await tempDir('polystore-e2e-');
    const deployment = new SplitDeployment(target, redis, home, inspector, dir);
    await inspector.ready({ sync: false });
    await home.ready();
    // The slot exists before any capture streams: every write from now on is captured.
    if (mode === 'cdc') await inspector.sync.capture!.admin!.create();
    for (const index of [1, 2]) {
      const args = ['--index', String(index), '--data-dir', join(dir.path, `worker-${index}`)];
      deployment.workers.push(new E2eProcess(`worker ${index}`, 'e2e-worker.ts', target, args));
      deployment.writers.push(new E2eProcess(`writer ${index}`, 'e2e-writer.ts', target));
    }
    await Promise.all([...deployment.workers, ...deployment.writers].map((p) => p.ready(120_000)));
    return deployment;
  }

  /** Kills every process, then removes the schema, stream, slot, private Redis and files. */
  async close(): Promise<void> {
    await Promise.all([...this.writers, ...this.workers].map((p) => p.kill()));
    await this.#inspector.close().catch(() => undefined);
    await this.home.close().catch(() => undefined);
    await cleanE2e(this.target).catch(() => undefined);
    await this.redis.close();
    await this.dir.cleanup();
  }

  truth(): Promise<HomeTruth> {
    return readHomeTruth(this.home, items);
  }

  /** The shared Redis cache view against the home, by version and content. */
  async cacheDiff(): Promise<ViewDiff> {
    const { view, store } = this.#inspector.views.find((v) => v.view.name === CACHE_VIEW)!;
    const truth = await this.truth();
    const held = await keyValueEntries(store as KeyValueStore, view.scope);
    return diffView(view.name, truth, held, (row) => view.project(jsonFormOf(items, row)));
  }

  /** Worker `index`'s embedded search view against the home, by version and content. */
  async searchDiff(index: number): Promise<ViewDiff> {
    const view = e2eSearchView(index);
    const dump = await this.workers[index - 1]!.call<SearchDump>('dumpSearch');
    const truth = await this.truth();
    return diffView(searchViewName(index), truth, searchEntries(dump), (row) =>
      withoutNulls(view.project(jsonFormOf(items, row))),
    );
  }

  /** Events worker `index` has applied or skipped into the cache view, by its own count. */
  async cacheApplied(index: number): Promise<number> {
    const stats = await this.workers[index - 1]!.call<WorkerStatsResult>('stats');
    const view = stats.views.find((v) => v.view === CACHE_VIEW);
    return (view?.applied ?? 0) + (view?.skipped ?? 0);
  }

  /** `polystore status --json` run as a separate process; its cache-view entry. */
  async status(): Promise<{ view: StatusView | undefined; raw: string }> {
    const { stdout } = await run(process.execPath, [BIN, 'status', '--json', '--config', CONFIG], {
      env: e2eEnv(this.target),
      timeout: 60_000,
    });
    const parsed = JSON.parse(stdout) as { views?: StatusView[] };
    return { view: parsed.views?.find((v) => v.view === CACHE_VIEW), raw: stdout.trim() };
  }
}

/**
 * Polls `diff` until the view equals the home or `timeoutMs` passes; returns the last comparison.
 * A store that fails while it reconnects (a Redis just restarted) is asked again; past the
 * deadline its error is thrown.
 */
export async function converged(diff: () => Promise<ViewDiff>, timeoutMs: number): Promise<ViewDiff> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const last = await diff();
      if (clean(last) || Date.now() > deadline) return last;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What a clean comparison looks like, for `toEqual` (samples stay visible in the failure's diff). */
export function summary(diff: ViewDiff) {
  const { view, missing, wrongVersion, wrongContent, extra, samples } = diff;
  return { view, missing, wrongVersion, wrongContent, extra, samples };
}

export function cleanSummary(view: string) {
  return { view, missing: 0, wrongVersion: 0, wrongContent: 0, extra: 0, samples: [] };
}

/** The p-th percentile (nearest rank) of `values`, in ms, or NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The largest number among a status entry's lag fields (`lagMs`, `lagP99Ms`, ...), or 0. */
export function reportedLag(view: StatusView | undefined): number {
  if (!view) return 0;
  const lags = Object.entries(view)
    .filter(([field, value]) => /lag/i.test(field) && typeof value === 'number')
    .map(([, value]) => value as number);
  return Math.max(0, ...lags);
}
