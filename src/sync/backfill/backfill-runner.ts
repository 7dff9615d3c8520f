import type { HomeStore } from '../../contracts/home-store.js';
import { describeError, type Logger } from '../../runtime/logger.js';
import { backoffDelay, type RetryPolicy } from '../../runtime/retry-policy.js';
import type { BackfillRecords } from './backfill-record-store.js';
import { type BackfillRecord, claimable } from './backfill-state.js';
import { applyHomeRows, applyTombstones, type ChunkOutcome, type ReconcileTarget } from './reconcile-chunk.js';

export interface BackfillRunOptions {
  /** Names this worker in the record's lease. */
  readonly owner: string;
  /** How long a claim lasts without a saved chunk; another worker takes over after it. */
  readonly leaseMs: number;
  /** Time one chunk should take; the chunk size follows it between `minChunk` and `maxChunk`. */
  readonly chunkBudgetMs: number;
  readonly minChunk: number;
  readonly maxChunk: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** Called after each saved chunk (progress bars, stats). */
  readonly onProgress?: (record: BackfillRecord) => void;
  /** Ends the run at the next chunk boundary (the record stays running; the lease runs out). */
  readonly signal?: AbortSignal;
  /** Waits between retries of a failing chunk; resolves early when the run is stopped. */
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Runs a view's backfill from its saved cursor until it is done, paused or
 * cancelled, another worker holds it, or `signal` aborts. Each chunk is a
 * keyset read of the home (ids after the cursor, up to the greatest id at the
 * start: the end is fixed, so it finishes under any write rate), applied
 * version-guarded, flushed, and only then recorded: a crash re-applies at
 * most one chunk, which changes nothing. Returns the record as last read.
 *
 * Why no watermarks in the stream: DBLog drops from a chunk the keys the log
 * changed while the chunk was read, because its targets take the last write.
 * Every view here takes only newer versions and keeps tombstones, so a chunk
 * row older than what the log delivered is refused by the view itself, in
 * either order, in outbox and CDC mode alike, and the stream never pauses.
 */
export async function runBackfill(
  home: HomeStore,
  records: BackfillRecords,
  target: ReconcileTarget,
  options: BackfillRunOptions,
): Promise<BackfillRecord | null> {
  const view = target.view.name;
  let stored = await records.read(view);
  let limit = options.minChunk;
  let failures = 0;
  while (stored && !options.signal?.aborted) {
    const now = Date.now();
    if (!claimable(stored.record, options.owner, now)) return stored.record;
    if (stored.record.owner !== options.owner || stored.record.leaseUntil - now < options.leaseMs / 2) {
      const claimed = await records.apply(stored, {
        kind: 'claim',
        owner: options.owner,
        now,
        leaseMs: options.leaseMs,
      });
      if (!claimed) {
        stored = await records.read(view);
        continue;
      }
      stored = claimed;
    }
    const started = performance.now();
    let outcome: { last: string | null; examined: number } & ChunkOutcome;
    try {
      outcome = await copyChunk(home, target, stored.record, limit);
      await target.store.flush();
      failures = 0;
    } catch (err) {
      failures++;
      const error = describeError(err);
      options.logger.warn({ view, attempt: failures, error }, 'a backfill chunk failed, retrying');
      const failed = await records.apply(stored, { kind: 'fail', owner: options.owner, error }).catch(() => null);
      stored = failed ?? (await records.read(view));
      await options.sleep(backoffDelay(options.retry, Math.min(failures, 8)));
      continue;
    }
    const elapsed = performance.now() - started;
    const saved = await records.apply(stored, {
      kind: 'chunk',
      owner: options.owner,
      now: Date.now(),
      leaseMs: options.leaseMs,
      ...outcome,
    });
    if (!saved) {
      // Paused, cancelled or taken over meanwhile: the loop re-reads and stops unless it is still ours.
      stored = await records.read(view);
      continue;
    }
    stored = saved;
    if (outcome.unprojectable > 0)
      options.logger.warn(
        { view, records: outcome.unprojectable },
        'backfill left out records whose projection throws',
      );
    options.onProgress?.(stored.record);
    if (stored.record.status === 'done') {
      const { examined, applied, unprojectable } = stored.record;
      options.logger.info({ view, examined, applied, unprojectable }, 'backfill done');
      return stored.record;
    }
    limit = nextLimit(limit, elapsed, options);
  }
  return stored?.record ?? null;
}

/** Reads and applies the chunk after the record's cursor; `last` null when its phase has no more ids. */
async function copyChunk(
  home: HomeStore,
  target: ReconcileTarget,
  record: BackfillRecord,
  limit: number,
): Promise<{ last: string | null; examined: number } & ChunkOutcome> {
  const spec = target.entity.table;
  if (record.phase === 'rows') {
    // No row at the start: nothing to copy (rows created since come through the log).
    if (record.endRow === null) return { last: null, examined: 0, applied: 0, unprojectable: 0 };
    const rows = await home.scanRows(spec, { after: record.after, upTo: record.endRow, limit, filter: record.filter });
    const outcome = await applyHomeRows(target, rows);
    return { ...outcome, examined: rows.length, last: rows.length < limit ? null : rows.at(-1)!.id };
  }
  if (record.endTombstone === null) return { last: null, examined: 0, applied: 0, unprojectable: 0 };
  const tombstones = await home.scanTombstones(spec, { after: record.after, upTo: record.endTombstone, limit });
  const outcome = await applyTombstones(target, tombstones);
  return { ...outcome, examined: tombstones.length, last: tombstones.length < limit ? null : tombstones.at(-1)!.id };
}

/** Doubles a chunk that took under half its budget, halves one that took over twice it. */
function nextLimit(limit: number, elapsedMs: number, options: BackfillRunOptions): number {
  if (elapsedMs < options.chunkBudgetMs / 2) return Math.min(limit * 2, options.maxChunk);
  if (elapsedMs > options.chunkBudgetMs * 2) return Math.max(Math.floor(limit / 2), options.minChunk);
  return limit;
}
