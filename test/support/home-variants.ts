import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { lmdbStore } from '../../src/adapters/lmdb/index.js';
import type { HomeStore } from '../../src/contracts/home-store.js';
import { cacheView, createPolystore, type EntityDef, silentLogger } from '../../src/index.js';
import { type HomeLocator, openHomeAt } from './home-locator.js';
import { freshPgliteDir } from './pglite-template.js';
import { createMariaDatabase, dropMariaDatabase, dropPostgresSchema } from './server-cleanup.js';
import type { ServerKind } from './servers-urls.js';
import { tempDir } from './temp-dir.js';

export { type HomeLocator, openHomeAt } from './home-locator.js';

/** One home to run a suite against: embedded, or on a server in a namespace of its own. */
export interface HomeVariant {
  readonly name: string;
  /** The server it needs (absent for the embedded home). */
  readonly server?: ServerKind;
  /** A home in a fresh namespace; `cleanup` closes nothing the caller closes and drops the namespace. */
  open(): Promise<{ home: HomeStore; cleanup: () => Promise<void> }>;
  /**
   * A fresh namespace that `home()` opens as many times as asked (one at a
   * time for the embedded home): for tests that close an application and open
   * another on the same data.
   */
  space(): Promise<{ home: () => HomeStore; cleanup: () => Promise<void>; locator: HomeLocator }>;
}

function variant(name: string, server: ServerKind | undefined, space: HomeVariant['space']): HomeVariant {
  return {
    name,
    ...(server ? { server } : {}),
    space,
    async open() {
      const { home, cleanup } = await space();
      return { home: home(), cleanup };
    },
  };
}

export const HOME_VARIANTS: readonly HomeVariant[] = [
  variant('pglite', undefined, async () => {
    const dir = await freshPgliteDir();
    const locator = { kind: 'pglite', dataDir: dir.path } as const;
    return { home: () => openHomeAt(locator), cleanup: () => dir.cleanup(), locator };
  }),
  variant('postgres', 'postgres', async () => {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const locator = { kind: 'postgres', schema } as const;
    return { home: () => openHomeAt(locator), cleanup: () => dropPostgresSchema(schema), locator };
  }),
  variant('mariadb', 'mysql', async () => {
    const database = `test_${randomBytes(6).toString('hex')}`;
    await createMariaDatabase(database);
    const locator = { kind: 'mariadb', database } as const;
    return { home: () => openHomeAt(locator), cleanup: () => dropMariaDatabase(database), locator };
  }),
];

/**
 * Opens a Polystore on a fresh home of `variant` with embedded view stores in
 * a fresh directory (`build` makes it), readied; `cleanup` closes it and
 * removes the home's namespace and the directory.
 */
export async function openOnHome<D extends { ready(): Promise<void>; close(): Promise<void> }>(
  variant: HomeVariant,
  build: (home: HomeStore, dir: string) => D,
): Promise<{ db: D; cleanup: () => Promise<void> }> {
  const { home, cleanup } = await variant.open();
  const dir = await tempDir();
  const db = build(home, dir.path);
  const close = async () => {
    await db.close().catch(() => undefined);
    await cleanup();
    await dir.cleanup();
  };
  try {
    await db.ready();
  } catch (err) {
    await close();
    throw err;
  }
  return { db, cleanup: close };
}

/** A Polystore on a fresh home of `variant` whose entities each have an LMDB cache view (`<entity>_cache`). */
// biome-ignore lint/suspicious/noExplicitAny: entity record types vary per entity; inference recovers each one
export function openWithCacheViews<const E extends EntityDef<string, any, any>>(
  variant: HomeVariant,
  entities: readonly E[],
) {
  return openOnHome(variant, (home, dir) =>
    createPolystore({
      home,
      stores: { cache: lmdbStore({ path: join(dir, 'cache') }) },
      entities,
      views: entities.map((entity) => cacheView(entity, { store: 'cache' })),
      sync: { pollIntervalMs: 10, flushIntervalMs: 50 },
      logger: silentLogger,
    }),
  );
}

export { dropPostgresSchema } from './server-cleanup.js';
