/**
 * The sync worker under test, one process per incarnation: the outbox relay
 * (PostgreSQL -> JetStream) and the projectors into the Redis cache views
 * (items and notes) and the Orama search view. The log it consumes duplicates and reorders
 * deliveries; every apply is recorded in this incarnation's order log.
 *
 * It starts as a standby: it loads its modules and drivers (slow under tsx),
 * prints `warm` and waits for a `go` line on stdin, so the harness can replace
 * a killed worker at once, as a supervisor with a warm spare would. Then it
 * prints `ready` once syncing and `status <json>` every 200 ms; on SIGTERM it
 * stops cleanly (checkpoints saved, the search view flushed) and prints
 * `closed`. The harness SIGKILLs it at random points instead. It exits when
 * its stdin closes (the harness is gone).
 */
import { createInterface } from 'node:readline';
import { describeError, stderrLogger } from '../src/runtime/logger.js';
import {
  CACHE_VIEW,
  cacheStoreOf,
  logOf,
  NOTES_VIEW,
  openWorker,
  type RunNames,
  SEARCH_VIEW,
  type ServerUrls,
  searchStoreOf,
} from './deployment.js';
import { faultyLog } from './faulty-log.js';
import { OrderLog, recordKeyValueViews, recordSearchView } from './order-log.js';
import { derive } from './random.js';

export interface WorkerConfig {
  readonly names: RunNames;
  readonly urls: ServerUrls;
  readonly incarnation: number;
  readonly seed: number;
  /** Probability of a duplicate or re-delivered batch per fetch. */
  readonly p: number;
  readonly orderLog: string;
}

/** What the worker reports on each `status` line. */
export interface WorkerStatus {
  readonly positions: Readonly<Record<string, string | null>>;
  readonly rebuilding: readonly string[];
  readonly duplicates: number;
  readonly deadLettered: number;
}

const config = JSON.parse(process.env.CHAOS_WORKER_CONFIG ?? 'null') as WorkerConfig | null;
if (!config) throw new Error('CHAOS_WORKER_CONFIG is not set: the chaos harness starts this process');

// The drivers the stores import lazily, loaded now so that `go` starts syncing at once.
await Promise.all([import('ioredis'), import('nats'), import('pg'), import('@orama/orama')]);
const input = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => input.on('line', (line) => line === 'go' && resolve()));
input.on('close', () => process.exit(1));
process.stdout.write('warm\n');
await go;

const logger = stderrLogger;
const orders = new OrderLog(config.orderLog);
const log = faultyLog(
  logOf(config.names, config.urls, logger),
  config.p,
  derive(config.seed, `deliveries-${config.incarnation}`),
);
const db = openWorker(
  config.names,
  config.urls,
  {
    cache: recordKeyValueViews([CACHE_VIEW, NOTES_VIEW], cacheStoreOf(config.names, config.urls), orders),
    search: recordSearchView(SEARCH_VIEW, searchStoreOf(config.names), orders),
    log,
  },
  logger,
);

// A server may be down while this incarnation starts: keep trying, as a supervised worker would.
for (let attempt = 1; ; attempt++) {
  try {
    await db.ready();
    break;
  } catch (err) {
    logger.warn({ attempt, error: describeError(err) }, 'chaos worker: ready() failed, retrying');
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * attempt)));
  }
}
process.stdout.write('ready\n');

const timer = setInterval(async () => {
  try {
    const stats = await db.sync.stats();
    const status: WorkerStatus = {
      positions: Object.fromEntries(stats.views.map((v) => [v.view, v.position])),
      rebuilding: stats.rebuilding,
      duplicates: log.duplicates(),
      deadLettered: stats.views.reduce((n, v) => n + v.deadLettered, 0),
    };
    process.stdout.write(`status ${JSON.stringify(status)}\n`);
  } catch {
    // stats() reads the home; while it is down there is simply no status line.
  }
}, 200);

process.on('SIGTERM', async () => {
  clearInterval(timer);
  try {
    await db.close();
    process.stdout.write('closed\n');
  } catch (err) {
    logger.error({ error: describeError(err) }, 'chaos worker: close failed');
    process.exitCode = 1;
  } finally {
    orders.close();
    process.exit();
  }
});
