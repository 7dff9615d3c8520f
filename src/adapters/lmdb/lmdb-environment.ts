import { wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import type { Envelope } from './lmdb-envelope.js';

type LmdbKey = string | number | readonly (string | number)[];

/** The few `lmdb` database members this adapter calls, declared structurally. */
export interface LmdbDatabase<K extends LmdbKey, V> {
  get(key: K): V | undefined;
  getRange(options: { start?: K; end?: K; limit?: number }): Iterable<{ key: K; value: V }>;
  /**
   * Inside a transaction callback these write to the open transaction. With
   * `noOverwrite`, writes only when `key` is absent and returns whether it wrote.
   */
  putSync(key: K, value: V, options?: { readonly noOverwrite?: boolean }): boolean;
  removeSync(key: K): boolean;
  /** Runs `action` synchronously inside the next write transaction; resolves once it is committed. */
  transaction<T>(action: () => T): Promise<T>;
  /** Resolves when every earlier commit is synced to disk. */
  readonly flushed: PromiseLike<unknown>;
}

export interface LmdbRoot {
  openDB<K extends LmdbKey, V>(options: { name: string }): LmdbDatabase<K, V>;
  close(): Promise<void>;
}

/** Expiry index entry: `[expiresAtMs, entryKey]`, so a range scan finds everything due. */
export type ExpiryKey = readonly [number, string];

/**
 * One open LMDB environment. Entries live in the named database `kv` (named
 * databases keep their names in the root keyspace, so user keys never share
 * it); `expiry` indexes entries that carry a TTL.
 */
export interface LmdbEnvironment {
  readonly root: LmdbRoot;
  readonly kv: LmdbDatabase<string, Envelope>;
  readonly expiry: LmdbDatabase<ExpiryKey, true>;
}

/** Loads the driver lazily and opens (creating if needed) the environment at `path`. */
export async function openEnvironment(path: string): Promise<LmdbEnvironment> {
  const driver = await importDriver('lmdb', () => import('lmdb'));
  try {
    // A path with an extension is a single file (lmdb's `noSubdir` default); otherwise a directory.
    // lmdb's typings declare putSync as void; its README documents the boolean this adapter reads.
    const root = driver.open({ path, maxDbs: 4 }) as unknown as LmdbRoot;
    return { root, kv: root.openDB({ name: 'kv' }), expiry: root.openDB({ name: 'expiry' }) };
  } catch (err) {
    throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The lmdb store could not open its environment', {
      fix: 'check that the path is writable and not opened by an incompatible lmdb version; the cause holds the engine message',
    });
  }
}

/** Records that `key` expires at `expiry`. A stale index entry is harmless: the sweep re-checks the entry. */
export function indexExpiry(env: LmdbEnvironment, key: string, expiry: number): void {
  if (expiry > 0) env.expiry.putSync([expiry, key], true);
}

/**
 * Removes up to `limit` entries that expired before `now`, in one write
 * transaction. An index entry whose key was rewritten since (another expiry
 * or none) only drops the index entry. Resolves to the number of entries removed.
 */
export function sweepExpired(env: LmdbEnvironment, now: number, limit = 10_000): Promise<number> {
  return env.kv.transaction(() => {
    const due = [...env.expiry.getRange({ end: [now, ''], limit })].map((entry) => entry.key);
    let removed = 0;
    for (const [expiry, key] of due) {
      env.expiry.removeSync([expiry, key]);
      if (env.kv.get(key)?.x === expiry && env.kv.removeSync(key)) removed++;
    }
    return removed;
  });
}
