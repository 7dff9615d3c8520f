import { type EntityTableSpec, HOME_MOVED_KEY, type HomeStore } from '../contracts/home-store.js';
import type { LogPosition } from '../contracts/log-position.js';
import { PolystoreError } from '../errors/index.js';
import { PRUNED_HORIZON_KEY } from '../sync/backfill/backfill-record-store.js';

/** On the target: `{ from, state: 'copying' | 'done', at }`, the move that fills it. */
export const TARGET_MARKER_KEY = 'home/move';

/**
 * Refuses a move that cannot end well, before anything is written: a source
 * already moved, a backfill or rebuild unfinished on the source (their
 * records hold source positions and running workers), a saga still open (the
 * saga log does not move yet), or a target that holds
 * data of its own (anything but an earlier, unfinished move from this source).
 */
export async function assertMovable(
  source: HomeStore,
  target: HomeStore,
  specs: readonly EntityTableSpec[],
): Promise<void> {
  const moved = await source.readState(HOME_MOVED_KEY);
  if (moved) throw refused(`the source already moved to ${String((moved.value as { movedTo?: unknown }).movedTo)}`);
  for (const { key, record } of await source.listState('backfill/')) {
    const status = (record.value as { status?: unknown }).status;
    if (status === 'running' || status === 'paused')
      throw refused(`the backfill of ${key.slice('backfill/'.length)} is ${status}: let it finish or cancel it`);
  }
  for (const { key, record } of await source.listState('generation/')) {
    const state = record.value as { building?: unknown; retiring?: unknown; dropping?: unknown };
    if (state.building != null || state.retiring != null || state.dropping != null)
      throw refused(`the view ${key.slice('generation/'.length)} is being rebuilt: let the rebuild finish`);
  }
  const open = await source.sagas.list({ states: ['running', 'compensating'] });
  if (open.length > 0)
    throw refused(`${open.length} saga(s) are still open (the saga log does not move yet): let them end first`);
  const marker = await target.readState(TARGET_MARKER_KEY);
  if (marker) {
    const { from, state } = marker.value as { from?: unknown; state?: unknown };
    if (from !== source.location || state !== 'copying')
      throw refused(`the target already received a move from ${String(from)} (${String(state)})`);
    return;
  }
  if ((await target.outboxHead()) !== null) throw refused('the target home has outbox events of its own');
  for (const spec of specs) {
    const last = await target.lastIds(spec);
    if (last.row !== null || last.tombstone !== null)
      throw refused(`the target home already holds ${spec.entity} records: move into an empty home`);
  }
}

/** Marks the target as the destination of a move from `source` (what lets a crashed move resume into it). */
export async function claimTarget(source: HomeStore, target: HomeStore): Promise<void> {
  const held = await target.readState(TARGET_MARKER_KEY);
  if (held) return;
  await target.writeState(TARGET_MARKER_KEY, { from: source.location, state: 'copying', at: Date.now() }, null);
}

/** True when the source pruned outbox events after `position` (a prune that raced the guard): the copy must start again. */
export async function prunedPast(source: HomeStore, position: LogPosition | null): Promise<boolean> {
  const horizon = (await source.readState(PRUNED_HORIZON_KEY))?.value as { position?: LogPosition } | undefined;
  if (!horizon?.position) return false;
  return position === null || horizon.position > position;
}

function refused(reason: string): PolystoreError {
  return new PolystoreError('PS_ERR_HOME_MOVE', `The home cannot be moved: ${reason}`, {
    fix: 'see the reason; nothing was changed',
  });
}
