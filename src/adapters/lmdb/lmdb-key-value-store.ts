import type { KeyValueStore, ListingKeyValueStore, SetOptions } from '../../contracts/key-value-store.js';
import type { ApplyResult, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import {
  assertChanges,
  assertKey,
  assertScope,
  assertTtl,
  assertValue,
  type Envelope,
  entryKey,
  expiresAt,
  isLive,
  isLiveVersioned,
  MAX_KEY_BYTES,
  plainEnvelope,
  scopeRange,
} from './lmdb-envelope.js';
import { indexExpiry, type LmdbEnvironment, openEnvironment, sweepExpired } from './lmdb-environment.js';
import { writeNewer } from './lmdb-versioned-write.js';

export interface LmdbStoreOptions {
  /**
   * Where the LMDB environment lives: a directory (created if missing), or a
   * file when the path has an extension such as `cache.mdb`.
   */
  readonly path: string;
  /**
   * How often expired entries are physically removed, in milliseconds
   * (default 60 000). Expired entries read as absent either way.
   */
  readonly sweepIntervalMs?: number;
}

interface OpenLmdb {
  readonly env: LmdbEnvironment;
  readonly sweeper: NodeJS.Timeout;
}

type Versioned<T> = { value: T | null; version: number };

const DEFAULT_SWEEP_MS = 60_000;

/**
 * A key-value view in an embedded LMDB environment. Reads are synchronous
 * memory-mapped lookups; each `applyIfNewer` batch is one write transaction
 * whose read-check-write runs inside the transaction, and resolves once the
 * commit is synced to disk (`durability: 'immediate'`). `set` and `del`
 * resolve when committed (visible to every reader); `flush()` syncs them too.
 */
class LmdbKeyValueStore implements KeyValueStore {
  readonly kind = 'key-value';
  readonly driver = 'lmdb';
  readonly durability = 'immediate';
  /** The whole LMDB key, `${scope}:${key}`, is bounded. */
  maxKeyBytes(scope: string): number {
    return MAX_KEY_BYTES - Buffer.byteLength(scope) - 1;
  }
  readonly #guard: RuntimeGuard<OpenLmdb>;
  readonly #scopeTtl = new Map<string, number>();
  /** Scopes whose last batch mostly rewrote existing keys (see writeNewer's insertFirst). */
  readonly #updatingScopes = new Set<string>();

  constructor(path: string, sweepIntervalMs: number) {
    this.#guard = new RuntimeGuard<OpenLmdb>(
      'lmdb',
      async () => {
        const env = await openEnvironment(path);
        const sweeper = setInterval(() => this.#sweep(), sweepIntervalMs);
        sweeper.unref();
        return { env, sweeper };
      },
      async ({ env, sweeper }) => {
        clearInterval(sweeper);
        await env.kv.flushed;
        await env.root.close();
      },
    );
  }

  async ready(): Promise<void> {
    await this.#guard.client();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  // Reads are not `async`: #read settles them in one step, and a bad argument rejects from inside it.
  get<T = unknown>(key: string): Promise<T | null> {
    return this.#read((env, now) => {
      assertKey(key);
      return liveValue<T>(env.kv.get(key), now);
    });
  }

  mget<T = unknown>(keys: readonly string[]): Promise<(T | null)[]> {
    return this.#read((env, now) => {
      for (const key of keys) assertKey(key);
      return keys.map((key) => liveValue<T>(env.kv.get(key), now));
    });
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    assertKey(key);
    assertValue(value, 'value');
    assertTtl(options.ttlMs, 'ttlMs');
    return this.#write('set a key', async (env) => {
      const expiry = expiresAt(options.ttlMs, Date.now());
      await env.kv.transaction(() => {
        env.kv.putSync(key, plainEnvelope(value, expiry));
        indexExpiry(env, key, expiry);
      });
    });
  }

  async dropScope(scope: string): Promise<void> {
    assertScope(scope);
    await this.#write('drop a scope', async ({ kv }) => {
      // One write transaction per thousand keys: a large scope does not hold the writer for long.
      for (;;) {
        const keys = Array.from(kv.getRange({ ...scopeRange(scope), limit: 1000 }), (entry) => entry.key);
        if (keys.length === 0) return;
        await kv.transaction(() => {
          for (const key of keys) kv.removeSync(key);
        });
      }
    });
    this.#scopeTtl.delete(scope);
  }

  async del(key: string): Promise<boolean> {
    assertKey(key);
    return this.#write('delete a key', ({ kv }) =>
      kv.transaction(() => {
        const live = isLive(kv.get(key), Date.now());
        kv.removeSync(key);
        return live;
      }),
    );
  }

  async applyIfNewer(scope: string, changes: readonly VersionedChange<unknown>[]): Promise<ApplyResult> {
    assertChanges(scope, changes);
    if (changes.length === 0) return this.#read(() => ({ applied: 0, skipped: 0 }));
    const ttlMs = this.#scopeTtl.get(scope);
    return this.#write('apply a batch', async (env) => {
      const insertFirst = !this.#updatingScopes.has(scope);
      const { applied, existing } = await env.kv.transaction(() => {
        const now = Date.now();
        return writeNewer(env, scope, changes, expiresAt(ttlMs, now), now, insertFirst);
      });
      // Insert-first wastes a write attempt per existing key: the next batch of a scope that mostly updates reads first.
      if (existing * 2 > changes.length) this.#updatingScopes.add(scope);
      else this.#updatingScopes.delete(scope);
      await env.kv.flushed;
      return { applied, skipped: changes.length - applied };
    });
  }

  getVersioned<T = unknown>(scope: string, key: string): Promise<Versioned<T> | null> {
    return this.#read((env, now) => {
      assertScope(scope);
      assertKey(key);
      return liveVersioned<T>(env.kv.get(entryKey(scope, key)), now);
    });
  }

  getVersionedSync<T = unknown>(scope: string, key: string): Versioned<T> | null | undefined {
    const open = this.#guard.current();
    if (!open) return undefined;
    assertScope(scope);
    assertKey(key);
    return readWith(open.env, (env, now) => liveVersioned<T>(env.kv.get(entryKey(scope, key)), now));
  }

  mgetVersioned<T = unknown>(scope: string, keys: readonly string[]): Promise<(Versioned<T> | null)[]> {
    return this.#read((env, now) => {
      assertScope(scope);
      for (const key of keys) assertKey(key);
      return keys.map((key) => liveVersioned<T>(env.kv.get(entryKey(scope, key)), now));
    });
  }

  async listVersions(scope: string): Promise<VersionEntry[]> {
    assertScope(scope);
    return this.#read((env, now) => {
      const entries: VersionEntry[] = [];
      for (const { key, value } of env.kv.getRange(scopeRange(scope))) {
        if (isLiveVersioned(value, now)) {
          entries.push({ key: key.slice(scope.length + 1), version: value.n, deleted: value.d === true });
        }
      }
      return entries;
    });
  }

  setScopeTtl(scope: string, ttlMs: number | undefined): void {
    assertScope(scope);
    assertTtl(ttlMs, 'ttlMs');
    if (ttlMs === undefined) this.#scopeTtl.delete(scope);
    else this.#scopeTtl.set(scope, ttlMs);
  }

  flush(): Promise<void> {
    return this.#write('flush', async ({ kv }) => {
      await kv.flushed;
    });
  }

  /** Reads run synchronously once the environment is open (LMDB reads never block on I/O locks). */
  #read<R>(fn: (env: LmdbEnvironment, now: number) => R): Promise<R> {
    let open: { env: LmdbEnvironment } | undefined;
    try {
      open = this.#guard.current();
      if (open) return Promise.resolve(readWith(open.env, fn));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#guard.run(async ({ env }) => readWith(env, fn));
  }

  #write<R>(what: string, fn: (env: LmdbEnvironment) => Promise<R>): Promise<R> {
    return this.#guard.run(async ({ env }) => {
      try {
        return await fn(env);
      } catch (err) {
        throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', `The lmdb store could not ${what}`, {
          fix: 'the cause holds the engine message; a failed transaction wrote nothing and can be retried',
        });
      }
    });
  }

  #sweep(): void {
    if (!this.#guard.isOpen) return;
    // A sweep racing close() fails harmlessly; the next open sweeps again.
    this.#guard.run(({ env }) => sweepExpired(env, Date.now())).catch(() => undefined);
  }
}

function liveValue<T>(envelope: Envelope | undefined, now: number): T | null {
  return isLive(envelope, now) ? ((envelope.v ?? null) as T | null) : null;
}

function liveVersioned<T>(envelope: Envelope | undefined, now: number): Versioned<T> | null {
  return isLiveVersioned(envelope, now) ? { value: (envelope.v ?? null) as T | null, version: envelope.n } : null;
}

/**
 * Creates a key-value view backed by an embedded LMDB environment (the
 * `lmdb` package, an optional peer, is imported on first use). Values are
 * JSON-serialisable and stored with MessagePack; versioned entries written by
 * `applyIfNewer` live under `${scope}:${key}` and can be read with `get` too.
 * Keys are at most 1024 bytes.
 *
 * @example
 * import { lmdbStore } from 'polystore/lmdb';
 *
 * const cache = lmdbStore({ path: './data/cache' });
 * await cache.set('session:42', { user: 'u1' }, { ttlMs: 60_000 });
 * cache.setScopeTtl('product', 3_600_000);
 * await cache.applyIfNewer('product', [{ key: 'p1', version: 7, value: { name: 'Laptop', price: 999 } }]);
 * const product = await cache.getVersioned<{ name: string }>('product', 'p1'); // { value: {...}, version: 7 }
 * await cache.close();
 */
export function lmdbStore(options: LmdbStoreOptions): ListingKeyValueStore {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The lmdb store needs a path', {
      field: 'path',
      fix: 'pass `path`, e.g. lmdbStore({ path: "./data/cache" })',
    });
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_MS;
  if (!Number.isInteger(sweepIntervalMs) || sweepIntervalMs < 1 || sweepIntervalMs > 2_147_483_647) {
    throw new PolystoreError(
      'PS_ERR_INVALID_CONFIG',
      'The lmdb sweep interval must be a positive integer of milliseconds',
      {
        field: 'sweepIntervalMs',
        fix: 'pass e.g. sweepIntervalMs: 60_000, or omit it for the default',
      },
    );
  }
  return new LmdbKeyValueStore(options.path, sweepIntervalMs);
}

function readWith<R>(env: LmdbEnvironment, fn: (env: LmdbEnvironment, now: number) => R): R {
  try {
    return fn(env, Date.now());
  } catch (err) {
    throw wrapStoreError(err, 'PS_ERR_STORE_QUERY', 'The lmdb store could not read', {
      fix: 'the cause holds the engine message',
    });
  }
}
