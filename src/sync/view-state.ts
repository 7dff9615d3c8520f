import type { ConsumerProgress } from '../contracts/event-log.js';
import type { BackfillRecord } from './backfill/backfill-state.js';
import type { GenerationState } from './rebuild/view-generations.js';

/** A view's state as operators read it: `rebuilding`, `backfilling`, `backfill-paused`, `behind` or `up-to-date`. */
export type ViewState = 'rebuilding' | 'backfilling' | 'backfill-paused' | 'behind' | 'up-to-date';

/**
 * The state of a view from durable facts (any process reports the same): a
 * generation being built, then an unfinished backfill (a view being filled
 * from the home is never up to date, whatever its log position says), then
 * whether it handled the log's head.
 */
export function viewState(
  progress: ConsumerProgress,
  backfill: BackfillRecord | undefined,
  generation: GenerationState,
): ViewState {
  if (generation.building !== null) return 'rebuilding';
  if (backfill) return backfill.status === 'paused' ? 'backfill-paused' : 'backfilling';
  const caughtUp = progress.head === null || (progress.through !== null && progress.through >= progress.head);
  return caughtUp ? 'up-to-date' : 'behind';
}

/** How fast a backfill reads records since it started, and how long the rest takes at that rate (null unless running). */
export function backfillRate(record: BackfillRecord, now: number): { perSec: number; etaMs: number | null } {
  const elapsed = Math.max(1, now - record.startedAt);
  const rate = (record.examined * 1000) / elapsed;
  const left = Math.max(0, record.total - record.examined);
  return { perSec: rate, etaMs: record.status === 'running' && rate > 0 ? Math.round((left / rate) * 1000) : null };
}
