import type { FilterNode } from '../../contracts/filter-ast.js';
import type { HomeStore } from '../../contracts/home-store.js';
import type { EntityDef } from '../../model/define-entity.js';
import {
  type BackfillEvent,
  type BackfillReason,
  type BackfillRecord,
  newBackfill,
  transition,
} from './backfill-state.js';

/** The home key of a view's backfill record. */
export function backfillKey(view: string): string {
  return `backfill/${view}`;
}

/** The home key of the outbox's pruned horizon: every event at or before it may be gone. */
export const PRUNED_HORIZON_KEY = 'outbox/pruned-through';

/**
 * A new backfill of `entity` into `view`, bounded by the home as it is now:
 * its greatest live and deleted ids end the scan, and the records matching
 * `filter` are its total.
 */
export async function startingBackfill(
  home: HomeStore,
  init: { view: string; entity: EntityDef; reason: BackfillReason; filter: FilterNode | null; horizon: string | null },
): Promise<BackfillRecord> {
  const { entity, ...rest } = init;
  const [last, total] = await Promise.all([home.lastIds(entity.table), home.count(entity.table, init.filter)]);
  return newBackfill({
    ...rest,
    entity: entity.name,
    endRow: last.row,
    endTombstone: last.tombstone,
    total,
    now: Date.now(),
  });
}

export interface StoredBackfill {
  readonly record: BackfillRecord;
  readonly revision: number;
}

/**
 * Backfill records in the home, changed only by compare-and-set: two
 * processes that act on one backfill at once (a worker saving a chunk while
 * an operator pauses it) never lose each other's change; the loser re-reads
 * and sees what happened.
 */
export class BackfillRecords {
  constructor(private readonly home: HomeStore) {}

  async read(view: string): Promise<StoredBackfill | null> {
    const stored = await this.home.readState(backfillKey(view));
    return stored ? { record: stored.value as BackfillRecord, revision: stored.revision } : null;
  }

  /** Writes a new record where there is none, or replaces the one read at `revision`. False if it moved meanwhile. */
  async put(record: BackfillRecord, revision: number | null): Promise<StoredBackfill | null> {
    const written = await this.home.writeState(backfillKey(record.view), record, revision);
    return written === null ? null : { record, revision: written };
  }

  /** Applies `event` to the stored record at `revision`: the new record, or null if it moved meanwhile. */
  async apply(stored: StoredBackfill, event: BackfillEvent): Promise<StoredBackfill | null> {
    return this.put(transition(stored.record, event), stored.revision);
  }

  /**
   * Applies `event` to the newest record, re-reading after each lost race:
   * operator actions (pause, resume, cancel), which must win over a worker's
   * chunk saves. Throws the transition's coded error when the state refuses it.
   */
  async update(view: string, event: (record: BackfillRecord) => BackfillEvent): Promise<BackfillRecord | null> {
    for (;;) {
      const stored = await this.read(view);
      if (!stored) return null;
      const next = await this.apply(stored, event(stored.record));
      if (next) return next.record;
    }
  }

  /** The outbox's pruned horizon (the newest position a prune deleted through), or null if nothing was ever pruned. */
  async horizon(): Promise<string | null> {
    const stored = await this.home.readState(PRUNED_HORIZON_KEY);
    return stored ? ((stored.value as { position: string }).position ?? null) : null;
  }

  /** Moves the pruned horizon forward to `position` (never back). */
  async advanceHorizon(position: string): Promise<void> {
    for (;;) {
      const stored = await this.home.readState(PRUNED_HORIZON_KEY);
      const current = stored ? (stored.value as { position: string }).position : null;
      if (current !== null && current >= position) return;
      if ((await this.home.writeState(PRUNED_HORIZON_KEY, { position }, stored?.revision ?? null)) !== null) return;
    }
  }
}
