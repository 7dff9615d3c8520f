import { join } from 'node:path';
import { describe } from 'vitest';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import { oramaStore } from '../../src/adapters/orama/index.js';
import type { ViewCheckSettings } from '../../src/checker/check-settings.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import { cacheView, createPolystore, PolystoreError, searchView, silentLogger } from '../../src/index.js';
import { HOME_VARIANTS, type HomeVariant, openOnHome } from '../support/home-variants.js';
import { items } from '../support/items-entity.js';
import { describeWithServer } from '../support/servers.js';

export const CACHE = 'items_cache';

export interface CheckWorldOptions {
  /** Adds an Orama search view of the items (`items_search`). */
  readonly search?: boolean;
  /** TTL of the cache view's entries. */
  readonly ttlMs?: number;
  /** Records with this name make the cache projection throw. */
  readonly poison?: string;
  /** What the cache projection stores (default: the record). */
  readonly select?: (record: Record<string, unknown>) => Record<string, unknown>;
  readonly checks?: readonly ViewCheckSettings[];
  /** Scheduled checks every this many ms. */
  readonly checkEveryMs?: number;
}

/** A Polystore on a fresh home of `variant` with an LMDB cache view of `items` (and optionally a search view). */
export async function openCheckWorld(variant: HomeVariant, options: CheckWorldOptions = {}) {
  let cache: KeyValueStore | undefined;
  let homeStore: HomeStore | undefined;
  const { db, cleanup } = await openOnHome(variant, (home, dir) => {
    homeStore = home;
    cache = lmdbStore({ path: join(dir, 'cache') });
    return createPolystore({
      home,
      stores: { cache, ...(options.search ? { search: oramaStore({ path: join(dir, 'search') }) } : {}) },
      entities: [items],
      views: [
        cacheView(items, {
          store: 'cache',
          ...(options.ttlMs ? { ttlMs: options.ttlMs } : {}),
          select: (record) => {
            if (record.name === options.poison) throw new PolystoreError('PS_ERR_PROJECTION_FAILED', 'poison');
            return options.select ? options.select(record) : record;
          },
        }),
        ...(options.search
          ? [searchView(items, { store: 'search', fields: { name: 'string', qty: 'number' }, searchable: ['name'] })]
          : []),
      ],
      ...(options.checks ? { checks: options.checks } : {}),
      ...(options.checkEveryMs ? { checkEveryMs: options.checkEveryMs } : {}),
      sync: { pollIntervalMs: 10, flushIntervalMs: 50, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
      logger: silentLogger,
    });
  });
  return { db, cache: cache!, home: homeStore!, cleanup };
}

export type CheckWorld = Awaited<ReturnType<typeof openCheckWorld>>;

/** Removes a cache entry behind the projector's back, as a lost write or an eviction would. */
export async function dropEntry(cache: KeyValueStore, id: string): Promise<void> {
  if (!(await cache.del(`${CACHE}:${id}`))) throw new Error(`no live cache entry ${id} to drop`);
}

/** Declares `body` once per home (PGlite, PostgreSQL, MariaDB), skipping a server home only when its server is down. */
export async function describeOnEveryHome(name: string, body: (variant: HomeVariant) => void): Promise<void> {
  for (const variant of HOME_VARIANTS) {
    const title = `${name} on ${variant.name}`;
    if (variant.server) await describeWithServer(variant.server, title, () => body(variant));
    else describe(title, () => body(variant));
  }
}
