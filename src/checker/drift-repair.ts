import type { HomeStore } from '../contracts/home-store.js';
import type { VersionedChange } from '../contracts/view-store.js';
import { describeError, type Logger } from '../runtime/logger.js';
import { applyHomeRows } from '../sync/backfill/reconcile-chunk.js';
import type { Settled } from './settle-candidates.js';
import type { CheckedView } from './view-entries.js';

/** Records per home read and per apply. */
const CHUNK = 500;

/**
 * Writes the home's current state of each drifted id to the view, and
 * nothing else, through the chunk applies backfills and rebuilds use
 * (reconcile-chunk.ts), version-guarded like any apply (a projector running at the
 * same time keeps the newest): missing and stale records projected at their
 * home version, and a live entry the home no longer has tombstoned one
 * version up (its delete was lost). A record whose projection throws is
 * counted `unrepairable` and the others are written. Flushes the view.
 */
export async function repairDrift(
  home: HomeStore,
  { view, store, entity }: CheckedView,
  drift: Settled['drift'],
  logger: Logger,
): Promise<{ repaired: number; unrepairable: number }> {
  const behind: string[] = [];
  const tombstones: VersionedChange<unknown>[] = [];
  for (const [key, { kind, entry }] of drift) {
    if (kind === 'extra') tombstones.push({ key, version: (entry?.version ?? 0) + 1, value: null });
    else behind.push(key);
  }
  let repaired = 0;
  let unrepairable = 0;
  // One record whose projection throws must not stop the repair of the others.
  const skipped = (err: unknown) =>
    logger.warn(
      { view: view.name, error: describeError(err) },
      'check --repair skipped a record whose projection throws',
    );
  for (let i = 0; i < behind.length; i += CHUNK) {
    const rows = await home.getMany(entity.table, behind.slice(i, i + CHUNK));
    const outcome = await applyHomeRows({ view, store, entity }, rows, skipped);
    repaired += outcome.applied;
    unrepairable += outcome.unprojectable;
  }
  for (let i = 0; i < tombstones.length; i += CHUNK)
    repaired += (await store.applyIfNewer(view.scope, tombstones.slice(i, i + CHUNK))).applied;
  await store.flush();
  logger.info(
    { view: view.name, drifted: drift.size, repaired, unrepairable },
    'check --repair wrote the home state of the drifted records',
  );
  return { repaired, unrepairable };
}
