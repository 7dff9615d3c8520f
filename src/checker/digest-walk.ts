import {
  type BucketDigests,
  bucketAt,
  type DigestValues,
  differingBuckets,
  digestsOf,
  idHash,
  type ScopeDigests,
  valuesOf,
} from '../contracts/bucket-digest.js';
import type { HomeStore } from '../contracts/home-store.js';
import type { VersionEntry } from '../contracts/view-store.js';
import type { IdSample } from './content-check.js';
import { judge } from './home-walk.js';
import { type CheckedView, entriesOf, listedEntries } from './view-entries.js';

/** What a first pass found: live home records checked, ids that look drifted, and why the view was listed whole. */
export interface FirstPass {
  readonly checked: number;
  readonly candidates: string[];
  /** Why the view was listed whole; null when it was not. */
  readonly listedBecause: string | null;
}

/** Past this share of differing buckets, reading their ids costs more than listing the view. */
const MOST_DIFFERING = 1 / 16;
/** Reads of a differing bucket's entries and the view's digests before the view is listed to account for it. */
const ACCOUNT_TRIES = 3;

/** The view's digests, built first if the store keeps digests but has none right for the scope; null: none. */
export async function viewDigests({ view, store }: CheckedView): Promise<ScopeDigests | null> {
  if (!store.bucketDigests) return null;
  const held = await store.bucketDigests(view.scope);
  if (held || !store.buildDigests || !(await store.buildDigests(view.scope))) return held;
  return store.bucketDigests(view.scope);
}

/**
 * The first pass of a digest check: compares the view's per-bucket digests
 * (`viewDigests`) with the home's, computed in SQL, reads the home's live
 * rows and tombstones of the buckets that differ only, and the view's entries
 * for those ids, and judges each id as the walk would. Any id whose home
 * state and view entry stay wrong throughout makes its bucket differ (a
 * chance of about 2^-32 aside), so it is among the candidates, which are
 * settled afterwards as the walk's are. A live entry of an id the home has
 * neither as a row nor as a tombstone is only seen as a bucket whose digest
 * the entries read do not account for: the view is then listed to find it.
 * `sample` > 0 also draws that many ids at random (for a deep sample) from
 * whole buckets picked at random, read in the same pass. Returns null when
 * so many buckets differ that listing the view is cheaper.
 */
export async function digestWalk(
  home: HomeStore & Required<Pick<HomeStore, 'bucketDigests' | 'bucketMembers'>>,
  target: CheckedView,
  { bits, values }: ScopeDigests,
  sample: IdSample | null,
): Promise<FirstPass | null> {
  const { view, store, entity } = target;
  const homeDigests = await home.bucketDigests(entity.table, bits);
  let checked = 0;
  for (const { count } of homeDigests.values()) checked += count;
  const differing = differingBuckets(valuesOf(homeDigests), values);
  if (differing.length > 2 ** bits * MOST_DIFFERING) return null;
  const drawn = sample ? drawBuckets(homeDigests, sample.size) : [];
  const members = await home.bucketMembers(entity.table, bits, [...new Set([...differing, ...drawn])]);
  const wanted = new Set(differing);
  const picked = new Set(drawn);
  const bucketOf = (id: string) => bucketAt(idHash(id).top, bits);
  const live = new Map<string, number>();
  for (const { id, version } of members.rows) {
    const bucket = bucketOf(id);
    if (wanted.has(bucket)) live.set(id, version);
    if (picked.has(bucket)) sample?.add(id);
  }
  const deleted = members.tombstones.filter(({ id }) => wanted.has(bucketOf(id)) && !live.has(id));
  const ids = [...live.keys(), ...deleted.map(({ id }) => id)];

  let entries = await entriesOf(store, view.scope, ids);
  let unaccounted = unaccountedBuckets(differing, entries, values, bits);
  for (let tries = 1; unaccounted.length > 0 && tries < ACCOUNT_TRIES; tries++) {
    // Applies landed between the digests' read and the entries': read both again.
    entries = await entriesOf(store, view.scope, ids);
    const fresh = await store.bucketDigests!(view.scope);
    unaccounted = fresh ? unaccountedBuckets(differing, entries, fresh.values, bits) : unaccounted;
  }
  const candidates = ids.filter((id) => judge(live.get(id) ?? null, entries.get(id) ?? null, view.completeness));
  if (unaccounted.length === 0) return { checked, candidates, listedBecause: null };
  const known = new Set(ids);
  const stray = new Set(unaccounted);
  for (const entry of await listedEntries(store, view.scope))
    if (!known.has(entry.key) && stray.has(bucketOf(entry.key)) && judge(null, entry, view.completeness))
      candidates.push(entry.key);
  return {
    checked,
    candidates,
    listedBecause: `the view's digests of ${unaccounted.length} bucket(s) count entries of ids the home has no record of`,
  };
}

/** The differing buckets whose view digest the entries read (all live entries of the ids read) do not add up to. */
function unaccountedBuckets(
  differing: readonly number[],
  entries: ReadonlyMap<string, VersionEntry>,
  values: DigestValues,
  bits: number,
): number[] {
  const live = [...entries.values()].filter((e) => !e.deleted).map((e) => ({ id: e.key, version: e.version }));
  const seen = valuesOf(digestsOf(live, bits));
  return differing.filter((bucket) => (values.get(bucket) ?? 0) !== (seen.get(bucket) ?? 0));
}

/** Buckets picked at random until they hold at least `size` live home records. */
function drawBuckets(digests: BucketDigests, size: number): number[] {
  const buckets = [...digests.keys()];
  const out: number[] = [];
  for (let held = 0, left = buckets.length; held < size && left > 0; left--) {
    const pick = Math.floor(Math.random() * left);
    const bucket = buckets[pick]!;
    buckets[pick] = buckets[left - 1]!;
    out.push(bucket);
    held += digests.get(bucket)!.count;
  }
  return out;
}
