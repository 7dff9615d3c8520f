import type { HomeStore } from '../contracts/home-store.js';
import type { VersionedChange, ViewStoreBase } from '../contracts/view-store.js';
import type { EntityDef } from '../model/define-entity.js';
import { jsonFormOfRow } from '../model/record-codec.js';
import type { ViewDef } from '../views/view-def.js';

export interface RebuildTarget {
  readonly view: ViewDef<unknown>;
  readonly store: ViewStoreBase<unknown>;
  readonly entity: EntityDef;
}

export interface RebuildResult {
  /** Entries written (records and tombstones). */
  readonly written: number;
  /** Records whose projection threw (they are the view's poison events; their dead letters stay). */
  readonly unprojectable: number;
}

/** Changes per apply call. */
const CHUNK = 500;

/**
 * Brings a view that lost its data back to the home's state, with the same
 * version-guarded applies as a projector (so it may run while the projector
 * goes on): each live record the view lacks or holds at an older version, and
 * each deleted record's tombstone, so that an older event delivered late (a
 * redelivery after a lost ack) cannot bring a deleted record back into the now
 * empty view. A live entry the home has neither as a record nor as a
 * tombstone is tombstoned one version up, as `check --repair` does. The view
 * is flushed at the end.
 */
export async function rebuildView(home: HomeStore, target: RebuildTarget): Promise<RebuildResult> {
  const { view, store, entity } = target;
  const held = new Map((await store.listVersions(view.scope)).map((e) => [e.key, e]));
  const live = await home.listVersions(entity.table);
  // A partial view (an invalidating cache) need not hold every record: only what it holds must be current.
  const behind = live
    .filter(({ id, version }) => {
      const entry = held.get(id);
      return entry ? entry.version < version : view.completeness === 'complete';
    })
    .map(({ id }) => id);
  let written = 0;
  let unprojectable = 0;
  for (let i = 0; i < behind.length; i += CHUNK) {
    const changes: VersionedChange<unknown>[] = [];
    for (const row of await home.getMany(entity.table, behind.slice(i, i + CHUNK))) {
      try {
        const value = view.project(jsonFormOfRow(entity, row));
        changes.push({ key: row.id, version: row.version, value: value ?? null });
      } catch {
        unprojectable++;
      }
    }
    written += (await store.applyIfNewer(view.scope, changes)).applied;
  }
  const tombstones = await home.listTombstones(entity.table);
  const known = new Set([...live.map((r) => r.id), ...tombstones.map((t) => t.id)]);
  const deletes: VersionedChange<unknown>[] = tombstones
    .filter(({ id, version }) => (held.get(id)?.version ?? 0) < version)
    .map(({ id, version }) => ({ key: id, version, value: null }));
  for (const [key, entry] of held)
    if (!entry.deleted && !known.has(key)) deletes.push({ key, version: entry.version + 1, value: null });
  for (let i = 0; i < deletes.length; i += CHUNK)
    written += (await store.applyIfNewer(view.scope, deletes.slice(i, i + CHUNK))).applied;
  await store.flush();
  return { written, unprojectable };
}
