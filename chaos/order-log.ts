import { closeSync, openSync, writeSync } from 'node:fs';
import type { KeyValueStore, SearchStore, VersionedChange, ViewStoreBase } from '../src/index.js';

/**
 * What the worker records about each view, one line per fact, appended to a
 * file per worker incarnation with a write(2) per call, so a SIGKILL loses at
 * most the facts not yet written (never invents one):
 *
 *   v <view> <key> <version>   after an apply, the version the view held for the key (tombstones included);
 *                              the key URI-encoded, as ids may hold tabs and newlines
 *   r <view>                   the view's store reported that it lost its data: a new epoch starts
 *   f <view>                   an on-flush view finished a flush: everything recorded before is durable
 */
export class OrderLog {
  readonly #fd: number;

  constructor(file: string) {
    this.#fd = openSync(file, 'a');
  }

  versions(view: string, held: readonly (readonly [key: string, version: number])[]): void {
    if (held.length > 0)
      this.#write(held.map(([key, version]) => `v\t${view}\t${encodeURIComponent(key)}\t${version}\n`).join(''));
  }

  reset(view: string): void {
    this.#write(`r\t${view}\n`);
  }

  flushed(view: string): void {
    this.#write(`f\t${view}\n`);
  }

  close(): void {
    closeSync(this.#fd);
  }

  #write(text: string): void {
    writeSync(this.#fd, text);
  }
}

/**
 * Records, after each apply to a key-value store, the versions its views then
 * hold (each cache view's scope is its name); a data loss resets every view on it.
 */
export function recordKeyValueViews(views: readonly string[], store: KeyValueStore, log: OrderLog): KeyValueStore {
  store.onDataLoss?.(() => {
    for (const view of views) log.reset(view);
  });
  return intercept(store, {
    applyIfNewer: async (scope: string, changes: readonly VersionedChange<unknown>[]) => {
      const result = await store.applyIfNewer(scope, changes);
      const keys = changes.map((change) => change.key);
      // A failed read-back (the server went away just now) records nothing rather than a guess.
      const after = await store.mgetVersioned(scope, keys).catch(() => null);
      if (after)
        log.versions(
          scope,
          heldVersions(keys, (i) => after[i]?.version),
        );
      return result;
    },
  });
}

/** Records, after each apply to a search view, the versions it then holds, and each completed flush. */
export function recordSearchView(view: string, store: SearchStore, log: OrderLog): SearchStore {
  return intercept(store, {
    applyIfNewer: async (index: string, changes: Parameters<SearchStore['applyIfNewer']>[1]) => {
      const result = await store.applyIfNewer(index, changes);
      const keys = changes.map((change) => change.key);
      const all = await store.listVersions(index).catch(() => null);
      if (all) {
        const byKey = new Map(all.map((entry) => [entry.key, entry.version]));
        log.versions(
          view,
          heldVersions(keys, (i) => byKey.get(keys[i]!)),
        );
      }
      return result;
    },
    flush: async () => {
      await store.flush();
      log.flushed(view);
    },
  });
}

function heldVersions(keys: readonly string[], versionAt: (index: number) => number | undefined): [string, number][] {
  const out: [string, number][] = [];
  keys.forEach((key, i) => {
    const version = versionAt(i);
    if (version !== undefined) out.push([key, version]);
  });
  return out;
}

/** A proxy of a real store with some methods replaced; the rest run on the store itself. */
function intercept<S extends ViewStoreBase<never>>(store: S, overrides: Partial<S>): S {
  return new Proxy(store, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof S];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
