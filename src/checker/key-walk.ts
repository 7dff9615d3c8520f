import type { HomeStore, StoredRow } from '../contracts/home-store.js';
import type { FirstPass } from './digest-walk.js';
import { judge } from './home-walk.js';
import { type CheckedView, entriesOf } from './view-entries.js';

export interface KeyWalkOptions {
  readonly chunkSize: number;
  /** Deep mode over every record: each chunk of home rows is handed to `compare`. */
  readonly compare: ((rows: readonly StoredRow[]) => Promise<void>) | null;
  /** Called with each chunk of live ids walked (a deep sample). */
  readonly visit?: (ids: readonly string[]) => void;
}

/**
 * The first pass for a key-value view whose store cannot list its keys
 * (Memcached): the home's live records are walked in keyset chunks and each
 * chunk's ids read back from the view by key, then the home's tombstones
 * likewise. It finds missing and stale entries, and extra ones among the ids
 * the home keeps a tombstone for; a live entry of an id the home has no
 * trace of (its tombstone pruned) goes unseen.
 */
export async function walkByKey(home: HomeStore, target: CheckedView, options: KeyWalkOptions): Promise<FirstPass> {
  const { view, store, entity } = target;
  const { chunkSize: limit, compare } = options;
  const candidates: string[] = [];
  let checked = 0;
  for (let after: string | null = null; ; ) {
    const chunk: readonly { id: string; version: number }[] = compare
      ? await home.scanRows(entity.table, { after, limit })
      : await home.scanVersions(entity.table, { after, limit });
    if (chunk.length === 0) break;
    after = chunk.at(-1)!.id;
    checked += chunk.length;
    const ids = chunk.map((row) => row.id);
    const held = await entriesOf(store, view.scope, ids);
    for (const { id, version } of chunk)
      if (judge(version, held.get(id) ?? null, view.completeness)) candidates.push(id);
    options.visit?.(ids);
    if (compare) await compare(chunk as readonly StoredRow[]);
  }
  for (let after: string | null = null; ; ) {
    const tombstones = await home.scanTombstones(entity.table, { after, limit });
    if (tombstones.length === 0) break;
    after = tombstones.at(-1)!.id;
    const held = await entriesOf(
      store,
      view.scope,
      tombstones.map(({ id }) => id),
    );
    for (const [id, entry] of held) if (judge(null, entry, view.completeness)) candidates.push(id);
  }
  return { checked, candidates, listedBecause: null };
}
