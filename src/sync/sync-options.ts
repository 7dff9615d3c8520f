import type { ChangeCaptureFactory } from '../contracts/change-capture.js';
import { invalidOption, resolveRetry } from '../runtime/retry-options.js';
import type { RetryPolicy } from '../runtime/retry-policy.js';

/** How backfills run; `sync.backfill` in the config. */
export interface BackfillOptions {
  /** How long a worker's claim lasts without progress before another takes over. Default 15 000 ms. */
  readonly leaseMs?: number;
  /** Time one chunk should take; chunk sizes adapt to it. Default 250 ms. */
  readonly chunkBudgetMs?: number;
  /**
   * Smallest and largest chunk, in records. Defaults 100 and 1 000: a chunk is
   * projected and encoded in one go, so a larger one holds up the projectors
   * sharing the event loop (measured in bench P5).
   */
  readonly minChunk?: number;
  readonly maxChunk?: number;
  /** How often a worker looks for backfills to start or take over. Default 1 000 ms. */
  readonly pollMs?: number;
  /** Start backfills of new views and views behind the outbox's pruned horizon by themselves. Default true. */
  readonly auto?: boolean;
}

export interface SyncOptions {
  /** Events fetched per batch, 1 to 100 000. Default: 500, or the store's own `batchSize` where it asks for more; set here, it applies to every view. */
  readonly batchSize?: number;
  /** Wait between polls of an idle log, 1 to 3 600 000 ms (default 50); local writes wake projectors at once. */
  readonly pollIntervalMs?: number;
  /**
   * Longest delay before an `on-flush` view is flushed and checkpointed, 0 to
   * 3 600 000 ms (default 1000). Views that write durably acknowledge every batch at once.
   */
  readonly flushIntervalMs?: number;
  /** Retries of a failing apply or publish before the event is dead-lettered. */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * With a broker log: run the change capture (the outbox relay, or `capture`)
   * in this process (default true). Run the outbox relay in one process or
   * several (publishing is de-duplicated by event id); a CDC capture in one
   * (a replication slot streams to one client at a time).
   */
  readonly relay?: boolean;
  /**
   * With a broker log: how committed outbox events reach it. Default: the
   * polling outbox relay; `postgresCdc(...)` from `polystore/postgres-cdc`
   * streams them from a logical replication slot instead.
   */
  readonly capture?: ChangeCaptureFactory;
  /** Run the projectors in this process (default true); false for a writer-only process. */
  readonly projectors?: boolean;
  /** Delete outbox events every consumer has passed, every this many ms (default 30 000; 0 disables). */
  readonly pruneIntervalMs?: number;
  /**
   * How often a process running projectors adds its counters (applied,
   * skipped, dead-lettered, lag histograms) to each view's record in the home,
   * where `polystore status` and metrics in any process read them, 0 to
   * 3 600 000 ms (default 5000; 0: only when sync stops and at `catchUp()`).
   */
  readonly statsIntervalMs?: number;
  /** How views are filled from the home (new views, views behind the pruned outbox, requested backfills). */
  readonly backfill?: BackfillOptions;
}

export interface ResolvedSyncOptions {
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly flushIntervalMs: number;
  readonly pruneIntervalMs: number;
  readonly statsIntervalMs: number;
  readonly retry: RetryPolicy;
  readonly relay: boolean;
  readonly projectors: boolean;
  readonly capture: ChangeCaptureFactory | undefined;
  readonly backfill: Required<BackfillOptions>;
}

/** The largest batch: a fetch holds this many events in memory at once. */
export const MAX_BATCH_SIZE = 100_000;
const MAX_INTERVAL_MS = 3_600_000;
/** setInterval's ceiling (a larger value fires at once). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Checks every sync option and fills in defaults. Each invalid option is a
 * `PS_ERR_INVALID_CONFIG` naming it (`sync.batchSize`, ...) and its fix; none
 * is ignored or silently adjusted.
 *
 * @example
 * resolveSyncOptions({ batchSize: 1000 }); // { batchSize: 1000, pollIntervalMs: 50, ... }
 */
export function resolveSyncOptions(options: SyncOptions): ResolvedSyncOptions {
  return {
    batchSize: integer(options.batchSize, 500, 'sync.batchSize', 1, MAX_BATCH_SIZE),
    pollIntervalMs: integer(options.pollIntervalMs, 50, 'sync.pollIntervalMs', 1, MAX_INTERVAL_MS),
    flushIntervalMs: integer(
      options.flushIntervalMs,
      1000,
      'sync.flushIntervalMs',
      0,
      MAX_INTERVAL_MS,
      ' (0: at every batch)',
    ),
    pruneIntervalMs: integer(
      options.pruneIntervalMs,
      30_000,
      'sync.pruneIntervalMs',
      0,
      MAX_TIMER_MS,
      ' (0 disables pruning)',
    ),
    statsIntervalMs: integer(
      options.statsIntervalMs,
      5000,
      'sync.statsIntervalMs',
      0,
      MAX_INTERVAL_MS,
      ' (0: saved only at stop and catchUp)',
    ),
    retry: resolveRetry(options.retry, 'sync.retry'),
    relay: flag(options.relay, 'sync.relay'),
    projectors: flag(options.projectors, 'sync.projectors'),
    capture: capture(options.capture),
    backfill: backfillOptions(options.backfill ?? {}),
  };
}

function backfillOptions(options: BackfillOptions): Required<BackfillOptions> {
  const field = (name: string) => `sync.backfill.${name}`;
  const maxChunk = integer(options.maxChunk, 1_000, field('maxChunk'), 1, MAX_BATCH_SIZE);
  return {
    leaseMs: integer(options.leaseMs, 15_000, field('leaseMs'), 100, MAX_INTERVAL_MS),
    chunkBudgetMs: integer(options.chunkBudgetMs, 250, field('chunkBudgetMs'), 1, MAX_INTERVAL_MS),
    minChunk: integer(options.minChunk, 100, field('minChunk'), 1, maxChunk, ' (at most maxChunk)'),
    maxChunk,
    pollMs: integer(options.pollMs, 1_000, field('pollMs'), 1, MAX_INTERVAL_MS),
    auto: flag(options.auto, field('auto')),
  };
}

function integer(
  value: number | undefined,
  fallback: number,
  field: string,
  min: number,
  max: number,
  note = '',
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidOption(field, `use an integer from ${min} to ${max}${note}`);
  }
  return value;
}

function flag(value: boolean | undefined, field: string): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw invalidOption(field, 'use true or false');
  return value;
}

function capture(value: ChangeCaptureFactory | undefined): ChangeCaptureFactory | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw invalidOption('sync.capture', 'pass a capture factory such as postgresCdc({ ... })');
  }
  return value;
}
