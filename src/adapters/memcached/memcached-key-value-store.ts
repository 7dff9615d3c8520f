import type { KeyValueStore, SetOptions } from '../../contracts/key-value-store.js';
import type { ApplyResult, VersionedChange } from '../../contracts/view-store.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { assertTtl } from '../key-value-shared/key-value-checks.js';
import { expiresAt, isLive, isLiveVersioned, plainEnvelope } from '../key-value-shared/key-value-envelope.js';
import { applyVersioned } from './memcached-apply.js';
import {
  assertChanges,
  assertKey,
  assertScope,
  assertValue,
  decode,
  encode,
  lifetimeOf,
  storageKey,
  versionedKey,
} from './memcached-envelope.js';
import { type MemcachedStoreOptions, type ResolvedMemcachedOptions, validateOptions } from './memcached-options.js';
import { MemcachedShards } from './memcached-shards.js';

type Versioned<T> = { value: T | null; version: number };

/**
 * A key-value view in Memcached: what its type leaves out, it cannot do.
 * - No `listVersions`: memcached cannot list keys, so the consistency checker
 *   reads its views back by key from the home's side (`method: 'by-key'`):
 *   missing and stale entries are found, extra ones only among ids the home
 *   keeps a tombstone for; a rebuild rewrites it version-guarded and cannot
 *   remove extra entries.
 * - No `dropScope`: nothing removes a key prefix, so its views cannot be
 *   rebuilt beside themselves (a zero-downtime rebuild refuses them).
 * - No `bucketDigests`, no `onDataLoss`: a restart empties the server
 *   unnoticed, and the server evicts entries (tombstones too) when its memory
 *   is full, after which an older event delivered late could be cached again.
 *   Run it with `-M` (refuse writes rather than evict) and enough memory, and
 *   give cache views a TTL, or use Redis where that matters.
 * `durability: 'immediate'` means a call resolves once the server stored it,
 * in memory only. TTLs are exact to the millisecond: memcached expires
 * entries a second or so late and reads check the expiry kept in the entry
 * (the writer's clock).
 */
class MemcachedKeyValueStore implements KeyValueStore {
  readonly kind = 'key-value';
  readonly driver = 'memcached';
  readonly durability = 'immediate';
  readonly #guard: RuntimeGuard<MemcachedShards>;
  readonly #scopeTtl = new Map<string, number>();
  readonly #prefix: string;

  constructor(options: ResolvedMemcachedOptions) {
    this.#prefix = options.keyPrefix;
    this.#guard = new RuntimeGuard(
      'memcached',
      () => MemcachedShards.open(options),
      async (shards) => shards.close(),
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  async get<T = unknown>(key: string): Promise<T | null> {
    assertKey(key);
    return (await this.mget<T>([key]))[0] ?? null;
  }

  async mget<T = unknown>(keys: readonly string[]): Promise<(T | null)[]> {
    for (const [i, key] of keys.entries()) assertKey(key, `keys[${i}]`);
    const stored = keys.map((key) => storageKey(this.#prefix, key));
    const found = await this.#guard.run((shards) => shards.gets(stored));
    const now = Date.now();
    return stored.map((key) => {
      const envelope = decode(found.get(key)?.text);
      return isLive(envelope, now) && !envelope.d ? (envelope.v as T) : null;
    });
  }

  async set(key: string, value: unknown, options?: SetOptions): Promise<void> {
    assertKey(key);
    assertValue(value, 'value');
    assertTtl(options?.ttlMs, 'ttlMs');
    const now = Date.now();
    const expiry = expiresAt(options?.ttlMs, now);
    const text = encode(plainEnvelope(value, expiry));
    await this.#guard.run((shards) => shards.set(storageKey(this.#prefix, key), text, lifetimeOf(expiry, now)));
  }

  /** True when a live value was deleted; an expired one is removed too, answering false. */
  async del(key: string): Promise<boolean> {
    assertKey(key);
    const stored = storageKey(this.#prefix, key);
    return this.#guard.run(async (shards) => {
      const envelope = decode((await shards.gets([stored])).get(stored)?.text);
      const deleted = await shards.delete(stored);
      return deleted && isLive(envelope, Date.now()) && !envelope.d;
    });
  }

  async applyIfNewer(scope: string, changes: readonly VersionedChange<unknown>[]): Promise<ApplyResult> {
    assertChanges(scope, changes);
    const ttlMs = this.#scopeTtl.get(scope);
    const keys = changes.map((change) => versionedKey(this.#prefix, scope, change.key));
    return this.#guard.run((shards) =>
      changes.length === 0 ? Promise.resolve({ applied: 0, skipped: 0 }) : applyVersioned(shards, keys, changes, ttlMs),
    );
  }

  async getVersioned<T = unknown>(scope: string, key: string): Promise<Versioned<T> | null> {
    return (await this.mgetVersioned<T>(scope, [key]))[0] ?? null;
  }

  async mgetVersioned<T = unknown>(scope: string, keys: readonly string[]): Promise<(Versioned<T> | null)[]> {
    assertScope(scope);
    for (const [i, key] of keys.entries()) assertKey(key, `keys[${i}]`);
    const stored = keys.map((key) => versionedKey(this.#prefix, scope, key));
    const found = await this.#guard.run((shards) => shards.gets(stored));
    const now = Date.now();
    return stored.map((key) => {
      const envelope = decode(found.get(key)?.text);
      if (!isLiveVersioned(envelope, now)) return null;
      return { value: envelope.d ? null : (envelope.v as T), version: envelope.n };
    });
  }

  setScopeTtl(scope: string, ttlMs: number | undefined): void {
    assertScope(scope);
    assertTtl(ttlMs, 'ttlMs');
    if (ttlMs === undefined) this.#scopeTtl.delete(scope);
    else this.#scopeTtl.set(scope, ttlMs);
  }

  /** Every write resolves once the server stored it: nothing to flush. */
  async flush(): Promise<void> {
    await this.#guard.client();
  }
}

/**
 * A key-value store for cache views in Memcached, through the optional peer
 * `memcache-client` (`npm install memcache-client`). Versioned applies use
 * `gets`/`cas` (`add` for absent keys), so an older event never overwrites a
 * newer entry, tombstones included. The type has no `listVersions`,
 * `dropScope`, digests or data-loss watch: see the class notes for what that
 * means for checks and rebuilds.
 *
 * @example
 * import { memcachedStore } from 'polystore/memcached';
 * const cache = memcachedStore({ servers: ['127.0.0.1:11211'], keyPrefix: 'shop:' });
 * await cache.applyIfNewer('products', [{ key: 'p1', version: 3, value: { name: 'Lamp' } }]);
 * await cache.getVersioned('products', 'p1'); // { value: { name: 'Lamp' }, version: 3 }
 * await cache.close();
 */
export function memcachedStore(options: MemcachedStoreOptions): KeyValueStore {
  return new MemcachedKeyValueStore(validateOptions(options));
}
