import type { ApplyResult, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { expiresAt, isLiveVersioned, versionedEnvelope } from '../key-value-shared/key-value-envelope.js';
import { decode, encode, lifetimeOf } from './memcached-envelope.js';
import type { CasRead, MemcachedShards } from './memcached-shards.js';

/** Conditional writes of one key that lost a race before the apply gives up. */
const MAX_TRIES = 32;

/**
 * Applies `changes` (at `keys`, their memcached keys), each only if newer
 * than the entry held: one multi-key `gets` for the batch, then per key a
 * `cas` against the token read (or an `add` when the key is absent), read
 * and tried again when another writer got in between. A tombstone is an
 * entry like any other, so it guards its key until it expires.
 */
export async function applyVersioned(
  shards: MemcachedShards,
  keys: readonly string[],
  changes: readonly VersionedChange<unknown>[],
  ttlMs: number | undefined,
): Promise<ApplyResult> {
  const held = await shards.gets(keys);
  const outcomes = await Promise.all(
    changes.map((change, i) => applyOne(shards, keys[i]!, change, ttlMs, held.get(keys[i]!))),
  );
  const applied = outcomes.filter(Boolean).length;
  return { applied, skipped: changes.length - applied };
}

async function applyOne(
  shards: MemcachedShards,
  key: string,
  change: VersionedChange<unknown>,
  ttlMs: number | undefined,
  first: CasRead | undefined,
): Promise<boolean> {
  let read = first;
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    if (tries > 0) read = (await shards.gets([key])).get(key);
    const now = Date.now();
    const envelope = decode(read?.text);
    if (isLiveVersioned(envelope, now) && envelope.n >= change.version) return false;
    const expiry = expiresAt(ttlMs, now);
    const text = encode(versionedEnvelope(change, expiry));
    const lifetime = lifetimeOf(expiry, now);
    const written = read ? await shards.cas(key, text, read.cas, lifetime) : await shards.add(key, text, lifetime);
    if (written) return true;
  }
  throw new PolystoreError(
    'PS_ERR_STORE_UNAVAILABLE',
    `A memcached entry kept changing under a versioned write (${MAX_TRIES} tries)`,
    { fix: 'another writer is rewriting the same key in a loop; the apply can be retried' },
  );
}
