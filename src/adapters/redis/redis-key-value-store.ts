import type { ScopeDigests } from '../../contracts/bucket-digest.js';
import type { KeyValueStore, ListingKeyValueStore, SetOptions } from '../../contracts/key-value-store.js';
import type { StoreMetric } from '../../contracts/store-metrics.js';
import type { ApplyResult, DataLoss, VersionEntry, VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import {
  APPLY_COMMAND,
  type ApplyReply,
  BEGIN_REBUILD_COMMAND,
  FINISH_REBUILD_COMMAND,
  LIST_HEADERS_BUFFER,
  openConnection,
  type RedisConnection,
  toStoreError,
  type WithApplyCommand,
} from './redis-connection.js';
import { digestArgument, RedisDigests } from './redis-digests.js';
import {
  assertKey,
  assertScope,
  assertTtl,
  type Decoded,
  decode,
  decodeHeader,
  encodeChanges,
  encodePlain,
  escapeGlob,
  pxOf,
} from './redis-envelope.js';
import { EpochWatch, type Stamped } from './redis-epoch.js';
import { redisMetrics } from './redis-metrics.js';
import { type RedisPipelineLike, type RedisStoreOptions, validateOptions } from './redis-options.js';

type Versioned<T> = { value: T | null; version: number };

/** Changes per script call: bounds how long one call blocks the server (a few ms for 500 keys). */
export const MAX_CHANGES_PER_SCRIPT = 500;
/** SCAN COUNT hint for listVersions: keys examined per round trip. */
const SCAN_COUNT = 1000;
/** Bytes read per entry by listVersions: the longest header is 26 bytes. */
const HEADER_BYTES = 32;

/**
 * A key-value view in Redis. Every key lives under `keyPrefix`; versioned
 * entries under `${keyPrefix}${scope}:${key}`. Each `applyIfNewer` batch of up
 * to 500 changes is one Lua script (`apply-if-newer.lua`), atomic on the
 * server; larger batches are split into several scripts sent in one pipeline.
 * `durability: 'immediate'`: a call resolves once the server acknowledged it;
 * whether that survives a server restart is the server's persistence
 * configuration (AOF `appendfsync`, RDB snapshots), not the store's. A restart
 * that loses the data is noticed, once `onDataLoss` watches, through the epoch
 * marker `${keyPrefix}:epoch` (redis-epoch.ts) that every apply reads.
 */
class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'key-value';
  readonly driver = 'redis';
  readonly durability = 'immediate';
  readonly #guard: RuntimeGuard<RedisConnection>;
  readonly #scopeTtl = new Map<string, number>();
  readonly #prefix: string;
  readonly #where: string;
  readonly #marker: string;
  readonly #epoch: EpochWatch;
  readonly #digests: RedisDigests;
  readonly #keepDigests: boolean;

  constructor(options: RedisStoreOptions | undefined) {
    const { target, keyPrefix, digests } = validateOptions(options);
    this.#keepDigests = digests;
    this.#prefix = keyPrefix;
    this.#where = target.where;
    this.#marker = `${keyPrefix}:epoch`;
    this.#digests = new RedisDigests(keyPrefix);
    this.#guard = new RuntimeGuard<RedisConnection>(
      'redis',
      () => openConnection(target),
      (connection) => connection.release(),
    );
    const stamped = (action: string, send: (client: RedisConnection['client']) => Promise<string | null>) =>
      this.#call(action, async ({ client }): Promise<Stamped> => {
        const ticket = this.#epoch.ticket();
        return { ticket, value: (await send(client)) ?? '' };
      });
    this.#epoch = new EpochWatch({
      read: () => stamped('reading the epoch marker', (client) => client.get(this.#marker)),
      begin: (id) =>
        stamped('recording a data loss', (client) =>
          client[BEGIN_REBUILD_COMMAND](2, this.#marker, this.#digests.registry, id),
        ),
      finish: (id) => stamped('recording a rebuild', (client) => client[FINISH_REBUILD_COMMAND](1, this.#marker, id)),
    });
  }

  async ready(): Promise<void> {
    await this.#guard.client();
    await this.#epoch.check();
  }

  close(): Promise<void> {
    return this.#guard.close();
  }

  /** Memory, evictions, keyspace hits and misses and clients from the server's `INFO`, for metrics. */
  collectMetrics(): Promise<StoreMetric[]> {
    return this.#call('reading INFO', async ({ client }) => (client.info ? redisMetrics(await client.info()) : []));
  }

  /**
   * Watches the epoch marker: `listener` hears of every loss of this store's
   * data (the server restarted empty, or the keys were flushed), found by the
   * next apply or, at once, by a check when the watch starts.
   */
  onDataLoss(listener: (loss: DataLoss) => void): () => void {
    const stop = this.#epoch.subscribe(listener);
    if (this.#guard.isOpen) void this.#epoch.check().catch(() => undefined);
    return stop;
  }

  async get<T = unknown>(key: string): Promise<T | null> {
    assertKey(key);
    return this.#call('reading a key', async ({ client }) =>
      plainValue<T>(parse(await client.get(this.#prefix + key))),
    );
  }

  async mget<T = unknown>(keys: readonly string[]): Promise<(T | null)[]> {
    for (const key of keys) assertKey(key);
    return this.#call('reading keys', async ({ client }) => {
      if (keys.length === 0) return [];
      const texts = await client.mget(keys.map((key) => this.#prefix + key));
      return texts.map((text) => plainValue<T>(parse(text)));
    });
  }

  async set(key: string, value: unknown, options: SetOptions = {}): Promise<void> {
    assertKey(key);
    assertTtl(options.ttlMs, 'ttlMs');
    const text = encodePlain(value, 'value');
    await this.#call('setting a key', ({ client }) =>
      options.ttlMs === undefined
        ? client.set(this.#prefix + key, text)
        : client.set(this.#prefix + key, text, 'PX', pxOf(options.ttlMs)),
    );
  }

  async dropScope(scope: string): Promise<void> {
    assertScope(scope);
    await this.#call('dropping a scope', async (connection) => {
      const { client, clientPrefix } = connection;
      // First, so that no apply keeps counting entries about to go.
      await this.#digests.drop(connection, scope);
      const pattern = `${escapeGlob(`${clientPrefix}${this.#entryKey(scope, '')}`)}*`;
      let cursor = '0';
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        // ioredis adds its own keyPrefix to command keys, while SCAN replies carry it already.
        if (found.length > 0) await client.unlink(...found.map((key) => key.slice(clientPrefix.length)));
      } while (cursor !== '0');
    });
    this.#scopeTtl.delete(scope);
  }

  async del(key: string): Promise<boolean> {
    assertKey(key);
    return this.#call('deleting a key', async ({ client }) => (await client.unlink(this.#prefix + key)) > 0);
  }

  async applyIfNewer(scope: string, changes: readonly VersionedChange<unknown>[]): Promise<ApplyResult> {
    const entries = encodeChanges(scope, changes);
    const ttlMs = this.#scopeTtl.get(scope);
    const px = ttlMs === undefined ? '0' : String(pxOf(ttlMs));
    const keys = changes.map((change) => this.#entryKey(scope, change.key));
    if (keys.length === 0) return this.#call('applying a batch', async () => ({ applied: 0, skipped: 0 }));
    const { state, digests, counted } = this.#digests.keys(scope);
    const { result, marker } = await this.#call('applying a batch', async ({ client }) => {
      const ticket = this.#epoch.ticket();
      if (keys.length <= MAX_CHANGES_PER_SCRIPT) {
        const [applied, skipped, value] = await client[APPLY_COMMAND](
          keys.length + 4,
          this.#marker,
          state,
          digests,
          counted,
          ...keys,
          px,
          ...entries,
          this.#digestArgument(changes),
        );
        return { result: { applied, skipped }, marker: { ticket, value } };
      }
      // Each chunk is atomic on its own; a failed chunk fails the call, and a retry skips what was applied.
      const pipeline = client.pipeline() as WithApplyCommand<RedisPipelineLike>;
      for (let start = 0; start < keys.length; start += MAX_CHANGES_PER_SCRIPT) {
        const end = start + MAX_CHANGES_PER_SCRIPT;
        const chunk = keys.slice(start, end);
        pipeline[APPLY_COMMAND](
          chunk.length + 4,
          this.#marker,
          state,
          digests,
          counted,
          ...chunk,
          px,
          ...entries.slice(start, end),
          this.#digestArgument(changes.slice(start, end)),
        );
      }
      const result = { applied: 0, skipped: 0 };
      let value = '';
      for (const [error, reply] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const [applied, skipped, marker] = reply as ApplyReply;
        result.applied += applied;
        result.skipped += skipped;
        value = marker;
      }
      return { result, marker: { ticket, value } };
    });
    // Before returning: whoever reads the view next must hear of a loss these writes revealed first.
    await this.#epoch.observe(marker);
    return result;
  }

  async getVersioned<T = unknown>(scope: string, key: string): Promise<Versioned<T> | null> {
    assertScope(scope);
    assertKey(key);
    return this.#call('reading a versioned key', async ({ client }) =>
      versionedOf<T>(parse(await client.get(this.#entryKey(scope, key)))),
    );
  }

  async mgetVersioned<T = unknown>(scope: string, keys: readonly string[]): Promise<(Versioned<T> | null)[]> {
    assertScope(scope);
    for (const key of keys) assertKey(key);
    return this.#call('reading versioned keys', async ({ client }) => {
      if (keys.length === 0) return [];
      const texts = await client.mget(keys.map((key) => this.#entryKey(scope, key)));
      return texts.map((text) => versionedOf<T>(parse(text)));
    });
  }

  /**
   * SCANs the scope (never KEYS) and reads the first bytes of each entry, one
   * SCAN page per script call (list-headers.lua) whose reply packs the page's
   * keys and headers into one string. Entries written or expiring during the
   * scan may or may not be listed (SCAN's guarantee); SCAN duplicates are merged.
   */
  async listVersions(scope: string): Promise<VersionEntry[]> {
    assertScope(scope);
    return this.#call('listing versions', async ({ client, clientPrefix }) => {
      const scopePrefix = Buffer.from(`${clientPrefix}${this.#entryKey(scope, '')}`);
      const pattern = `${escapeGlob(scopePrefix.toString())}*`;
      const entries = new Map<string, VersionEntry>();
      let cursor = '0';
      do {
        const [next, packed] = await client[LIST_HEADERS_BUFFER](cursor, pattern, SCAN_COUNT, HEADER_BYTES);
        cursor = next.toString();
        for (const { key, head } of unpackHeaders(packed)) {
          const header = decodeHeader(head);
          if (!header) continue;
          const name = key.subarray(scopePrefix.length).toString();
          entries.set(name, { key: name, ...header });
        }
      } while (cursor !== '0');
      return [...entries.values()];
    });
  }

  bucketDigests(scope: string): Promise<ScopeDigests | null> {
    assertScope(scope);
    return this.#call('reading bucket digests', async (connection) =>
      this.#scopeTtl.has(scope) || !this.#keepDigests ? null : this.#digests.read(connection, scope),
    );
  }

  buildDigests(scope: string): Promise<boolean> {
    assertScope(scope);
    return this.#call('building bucket digests', async (connection) =>
      this.#scopeTtl.has(scope) || !this.#keepDigests
        ? false
        : this.#digests.build(connection, scope, this.#entryKey(scope, '')),
    );
  }

  setScopeTtl(scope: string, ttlMs: number | undefined): void {
    assertScope(scope);
    assertTtl(ttlMs, 'ttlMs');
    if (ttlMs === undefined) this.#scopeTtl.delete(scope);
    else this.#scopeTtl.set(scope, ttlMs);
  }

  /** Nothing to do: every apply resolves once the server acknowledged it. Refuses use after close(). */
  flush(): Promise<void> {
    return this.#guard.run(async () => {});
  }

  /** The ids' md5 prefixes for the apply script; empty when the store keeps no digests (the script drops them). */
  #digestArgument(changes: readonly VersionedChange<unknown>[]): string {
    return this.#keepDigests ? digestArgument(changes.map((change) => change.key)) : '';
  }

  #entryKey(scope: string, key: string): string {
    return `${this.#prefix}${scope}:${key}`;
  }

  #call<R>(action: string, fn: (connection: RedisConnection) => Promise<R>): Promise<R> {
    return this.#guard.run(async (connection) => {
      try {
        return await fn(connection);
      } catch (err) {
        throw toStoreError(err, this.#where, action);
      }
    });
  }
}

/** Decodes a stored string; text not written by this store is a `PS_ERR_STORE_QUERY`. */
function parse(text: string | null): Decoded {
  try {
    return decode(text);
  } catch (err) {
    throw new PolystoreError('PS_ERR_STORE_QUERY', 'A redis key under the prefix holds a value that is not JSON', {
      fix: 'keep the key prefix for this store only; another program wrote this key',
      cause: err,
    });
  }
}

function plainValue<T>(decoded: Decoded): T | null {
  return decoded.kind === 'absent' ? null : ((decoded.value ?? null) as T | null);
}

function versionedOf<T>(decoded: Decoded): Versioned<T> | null {
  return decoded.kind === 'versioned' ? { value: (decoded.value ?? null) as T | null, version: decoded.version } : null;
}

/**
 * Creates a key-value view backed by Redis (the `ioredis` package, an
 * optional peer, is imported on first use). Values are JSON; versioned
 * entries written by `applyIfNewer` live under `${keyPrefix}${scope}:${key}`
 * as `#<version>|<json>` (`#<version>|` for a tombstone) and read with `get`
 * too. Nothing connects until `ready()` or the first call.
 *
 * @example
 * import { redisStore } from 'polystore/redis';
 *
 * const cache = redisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop:' });
 * await cache.ready();
 * await cache.set('session:42', { user: 'u1' }, { ttlMs: 60_000 });
 * cache.setScopeTtl('product', 3_600_000);
 * await cache.applyIfNewer('product', [{ key: 'p1', version: 7, value: { name: 'Laptop', price: 999 } }]);
 * const product = await cache.getVersioned<{ name: string }>('product', 'p1'); // { value: {...}, version: 7 }
 * await cache.close();
 *
 * @example
 * // An ioredis client you own: the store never closes it.
 * import { Redis } from 'ioredis';
 * const client = new Redis(process.env.REDIS_URL!);
 * const view = redisStore({ client, keyPrefix: 'views:' });
 */
export function redisStore(options?: RedisStoreOptions): ListingKeyValueStore {
  return new RedisKeyValueStore(options);
}

/** Splits list-headers.lua's packed page: `<n>:<key><m>:<header>` repeated, lengths in bytes. */
function* unpackHeaders(packed: Buffer): Generator<{ key: Buffer; head: string }> {
  let at = 0;
  const field = (): Buffer => {
    const colon = packed.indexOf(0x3a, at);
    const length = Number(packed.toString('latin1', at, colon));
    const start = colon + 1;
    at = start + length;
    return packed.subarray(start, at);
  };
  while (at < packed.length) {
    const key = field();
    yield { key, head: field().toString() };
  }
}
