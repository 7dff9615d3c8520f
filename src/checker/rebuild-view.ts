import type { HomeStore } from '../contracts/home-store.js';
import type { VersionedChange } from '../contracts/view-store.js';
import { applyHomeRows, applyTombstones, type ReconcileTarget } from '../sync/backfill/reconcile-chunk.js';

/** A view with its store and entity (the same target a backfill writes to). */
export type RebuildTarget = ReconcileTarget;

export interface RebuildResult {
  /** Entries written (records and tombstones). */
  readonly written: number;
  /** Records whose projection threw (they are the view's poison events; their dead letters stay). */
  readonly unprojectable: number;
}

/** Records per keyset chunk read from the home. */
const CHUNK = 1000;

/**
 * Brings a view that lost its data back to the home's state through the same
 * chunk applies as a backfill (reconcile-chunk.ts), version-guarded, so it
 * may run while the projector goes on: the home's live records in keyset
 * chunks (a partial view, an invalidating cache, only refreshes what it
 * holds), each deleted record's tombstone, so that an older event delivered
 * late (a redelivery after a lost ack) cannot bring a deleted record back into
 * the now empty view, and a tombstone one version up for each live entry the
 * home has neither as a record nor as a tombstone. The view is flushed at the end.
 */
export async function rebuildView(home: HomeStore, target: RebuildTarget): Promise<RebuildResult> {
  const { view, store, entity } = target;
  // A store that cannot list its keys (Memcached) is rewritten version-guarded; its extra entries stay unseen.
  const listed = store.listVersions ? await store.listVersions(view.scope) : [];
  const held = new Map(listed.map((e) => [e.key, e]));
  const known = new Set<string>();
  let written = 0;
  let unprojectable = 0;
  for (let after: string | null = null; ; ) {
    const rows = await home.scanRows(entity.table, { after, limit: CHUNK });
    if (rows.length === 0) break;
    after = rows.at(-1)!.id;
    for (const row of rows) known.add(row.id);
    const behind = rows.filter((row) => {
      const entry = held.get(row.id);
      return entry ? entry.version < row.version : view.completeness === 'complete';
    });
    const outcome = await applyHomeRows(target, behind);
    written += outcome.applied;
    unprojectable += outcome.unprojectable;
  }
  for (let after: string | null = null; ; ) {
    const tombstones = await home.scanTombstones(entity.table, { after, limit: CHUNK });
    if (tombstones.length === 0) break;
    after = tombstones.at(-1)!.id;
    for (const { id } of tombstones) known.add(id);
    written += (
      await applyTombstones(
        target,
        tombstones.filter(({ id, version }) => (held.get(id)?.version ?? 0) < version),
      )
    ).applied;
  }
  const extras: VersionedChange<unknown>[] = [];
  for (const [key, entry] of held)
    if (!entry.deleted && !known.has(key)) extras.push({ key, version: entry.version + 1, value: null });
  for (let i = 0; i < extras.length; i += CHUNK)
    written += (await store.applyIfNewer(view.scope, extras.slice(i, i + CHUNK))).applied;
  await store.flush();
  return { written, unprojectable };
}
