import type { VersionedChange } from '../../contracts/view-store.js';
import { entryKey, isLiveVersioned, versionedEnvelope } from './lmdb-envelope.js';
import { indexExpiry, type LmdbEnvironment } from './lmdb-environment.js';

/** What one version-guarded batch did inside its write transaction. */
export interface VersionedWrite {
  readonly applied: number;
  /** Changes whose key already held an entry (live, expired or tombstone). */
  readonly existing: number;
}

/**
 * Writes each change whose version is newer than the live versioned entry of
 * its key; runs inside an open write transaction. With `insertFirst` a change
 * is first written only if its key is absent (one B-tree descent instead of a
 * lookup and a write); a key that turns out to exist falls back to the
 * read-check-write. Both paths write exactly the same entries; `insertFirst`
 * pays only when most keys are new, so callers choose it from how many keys
 * of their last batch existed.
 */
export function writeNewer(
  env: LmdbEnvironment,
  scope: string,
  changes: readonly VersionedChange<unknown>[],
  expiry: number,
  now: number,
  insertFirst: boolean,
): VersionedWrite {
  const { kv } = env;
  let applied = 0;
  let existing = 0;
  for (const change of changes) {
    const key = entryKey(scope, change.key);
    if (insertFirst && kv.putSync(key, versionedEnvelope(change, expiry), NO_OVERWRITE)) {
      indexExpiry(env, key, expiry);
      applied++;
      continue;
    }
    const current = kv.get(key);
    if (current !== undefined) existing++;
    // An expired entry (tombstones included) counts as absent.
    if (isLiveVersioned(current, now) && current.n >= change.version) continue;
    kv.putSync(key, versionedEnvelope(change, expiry));
    indexExpiry(env, key, expiry);
    applied++;
  }
  return { applied, existing };
}

const NO_OVERWRITE = { noOverwrite: true } as const;
