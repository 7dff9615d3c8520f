import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import type { ApplyResult, VersionedChange } from '../../src/contracts/view-store.js';

/**
 * Wraps a real key-value store and records, per key, every version the view
 * held after each apply, so a test can check versions only ever increased.
 */
export function recordVersions(store: KeyValueStore): {
  store: KeyValueStore;
  regressions: () => string[];
  seen: Map<string, number[]>;
} {
  const seen = new Map<string, number[]>();
  const regressions: string[] = [];
  const applyIfNewer = async (scope: string, changes: readonly VersionedChange<unknown>[]): Promise<ApplyResult> => {
    const keys = changes.map((c) => c.key);
    const result = await store.applyIfNewer(scope, changes);
    const after = await store.mgetVersioned(scope, keys);
    keys.forEach((key, i) => {
      const version = after[i]?.version;
      if (version === undefined) return;
      const history = seen.get(`${scope}:${key}`) ?? [];
      if (history.length > 0 && version < history.at(-1)!)
        regressions.push(`${scope}:${key} went from v${history.at(-1)} to v${version}`);
      if (history.at(-1) !== version) history.push(version);
      seen.set(`${scope}:${key}`, history);
    });
    return result;
  };
  return { store: intercept(store, { applyIfNewer }), regressions: () => regressions, seen };
}

/** A proxy of a real store with some methods replaced; the rest run on the store itself. */
export function intercept<S extends object>(store: S, overrides: Partial<S>): S {
  return new Proxy(store, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof S];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
