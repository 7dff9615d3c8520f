import type { HomeStore } from '../contracts/home-store.js';
import type { CheckedStore } from './view-entries.js';

type Counter = (result: never) => number;
const length: Counter = (result: readonly unknown[]) => result.length;

/** What each read returns, in ids moved: every row, tombstone, entry or key it carries. */
const HOME_READS: Record<string, Counter> = {
  getMany: length,
  scanVersions: length,
  scanRows: length,
  scanTombstones: length,
  listVersions: length,
  listTombstones: length,
  bucketMembers: (members: { rows: readonly unknown[]; tombstones: readonly unknown[] }) =>
    members.rows.length + members.tombstones.length,
};
const STORE_READS: Record<string, Counter> = { listVersions: length, mgetVersioned: length };

/**
 * Counts the ids (each with its version) a check reads from the home and the
 * view: `home()` and `store()` hand out the same objects with their reads
 * counted, so every path (walk, digests, settling, deep samples) is counted
 * without being told. Digests are not ids and count nothing.
 */
export class IdMeter {
  moved = 0;

  home(home: HomeStore): HomeStore {
    return this.#metered(home, HOME_READS);
  }

  store<S extends CheckedStore>(store: S): S {
    return this.#metered(store, STORE_READS);
  }

  #metered<T extends object>(target: T, reads: Record<string, Counter>): T {
    return new Proxy(target, {
      get: (t, name) => {
        const value: unknown = Reflect.get(t, name, t);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(t);
        const count = typeof name === 'string' ? reads[name] : undefined;
        if (!count) return bound;
        return async (...args: unknown[]) => {
          const result = await bound(...args);
          this.moved += count(result as never);
          return result;
        };
      },
    });
  }
}
