import type { EntityTableSpec, HomeStore } from '../contracts/home-store.js';
import type { VersionEntry } from '../contracts/view-store.js';
import type { ViewDef } from '../views/view-def.js';

export type DriftKind = 'missing' | 'stale' | 'extra';

/**
 * What is wrong with one id, given the home's live version (null: no live
 * row) and the view's entry (null: none): a live record the view lacks
 * (only drift in a complete view), holds at an older version, or a live
 * entry the home no longer has. Null: nothing.
 */
export function judge(
  version: number | null,
  entry: VersionEntry | null,
  completeness: ViewDef['completeness'],
): DriftKind | null {
  if (version === null) return entry && !entry.deleted ? 'extra' : null;
  if (!entry) return completeness === 'complete' ? 'missing' : null;
  return entry.version < version ? 'stale' : null;
}

/** Ids per home read by id. */
const IDS_PER_READ = 500;

/** The home's live version of each id (ids without a live row are left out). */
export async function homeVersionsOf(
  home: HomeStore,
  spec: EntityTableSpec,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < ids.length; i += IDS_PER_READ)
    for (const row of await home.getMany(spec, ids.slice(i, i + IDS_PER_READ))) out.set(row.id, row.version);
  return out;
}

/**
 * The first pass: walks the home in keyset chunks (`read(after)`, each handed
 * to `visit` too) against what the view held before the walk began (`held`,
 * emptied as the walk goes), and returns the live records walked and every id
 * that looks drifted. A look is not a verdict: writes land while the walk
 * goes, so each candidate is settled afterwards (settle-candidates.ts). Any
 * id whose home state and view entry stay wrong throughout is among the
 * candidates, since its row is walked whenever its chunk is read.
 */
export async function walkHome<R extends { readonly id: string; readonly version: number }>(
  read: (after: string | null) => Promise<readonly R[]>,
  held: Map<string, VersionEntry>,
  completeness: ViewDef['completeness'],
  visit?: (chunk: readonly R[]) => Promise<void>,
): Promise<{ checked: number; candidates: string[] }> {
  const candidates: string[] = [];
  let checked = 0;
  for (let after: string | null = null; ; ) {
    const chunk = await read(after);
    if (chunk.length === 0) break;
    after = chunk.at(-1)!.id;
    checked += chunk.length;
    for (const { id, version } of chunk) {
      if (judge(version, held.get(id) ?? null, completeness)) candidates.push(id);
      held.delete(id);
    }
    await visit?.(chunk);
  }
  // What is left in `held` had no live row when its chunk was read.
  for (const entry of held.values()) if (judge(null, entry, completeness)) candidates.push(entry.key);
  return { checked, candidates };
}
