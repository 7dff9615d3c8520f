import type { ApplyResult, VersionedChange, ViewStoreBase } from '../src/index.js';

/**
 * Records when each `key@version` first became visible in a view: the moment
 * the view store's `applyIfNewer` call that carried it resolved (the projector
 * awaits exactly that before it reports the event handled). The store is
 * wrapped in a Proxy, so the projector, the router and the store's own code
 * run unchanged.
 */
export class VisibilityRecorder {
  readonly #seen = new Map<string, number>();
  readonly #applies: { startedAt: number; ms: number; changes: number }[] = [];

  /** performance.now() when `key@version` became visible, or undefined. */
  visibleAt(key: string, version: number): number | undefined {
    return this.#seen.get(`${key}@${version}`);
  }

  /** The `applyIfNewer` calls that started at or after `since`: how long each took and how many changes it carried. */
  appliesSince(since: number): { ms: number[]; changes: number[] } {
    const applies = this.#applies.filter((apply) => apply.startedAt >= since);
    return { ms: applies.map((apply) => apply.ms), changes: applies.map((apply) => apply.changes) };
  }

  wrap<S extends ViewStoreBase<unknown>>(store: S): S {
    const seen = this.#seen;
    const applies = this.#applies;
    const applyIfNewer = async (scope: string, changes: readonly VersionedChange<unknown>[]): Promise<ApplyResult> => {
      const startedAt = performance.now();
      const result = await store.applyIfNewer(scope, changes);
      const now = performance.now();
      applies.push({ startedAt, ms: now - startedAt, changes: changes.length });
      for (const change of changes) {
        const id = `${change.key}@${change.version}`;
        if (!seen.has(id)) seen.set(id, now);
      }
      return result;
    };
    return new Proxy(store, {
      get(target, prop) {
        if (prop === 'applyIfNewer') return applyIfNewer;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
