import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isPolystoreError, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import type { PgConnection } from '../postgres-shared/pg-executor.js';

/**
 * The part of a PGlite instance the home uses; a `PGlite` from
 * `@electric-sql/pglite` satisfies it without any wrapper.
 */
export interface PGliteLike extends PgConnection {
  readonly waitReady?: Promise<void>;
  close(): Promise<void>;
}

/** Loads PGlite lazily and opens a data directory, creating it first when it lives on disk. */
export async function openPgliteDir(dataDir: string): Promise<PGliteLike> {
  const { PGlite } = await importDriver('@electric-sql/pglite', () => import('@electric-sql/pglite'));
  let db: PGliteLike | undefined;
  try {
    const path = localPath(dataDir);
    if (path !== null) await mkdir(path, { recursive: true });
    db = new PGlite(dataDir);
    await db.waitReady;
    return db;
  } catch (err) {
    await db?.close().catch(() => undefined);
    throw openError(err);
  }
}

/** Waits for an injected instance to finish starting. */
export async function readyInjected(pglite: PGliteLike): Promise<PGliteLike> {
  try {
    await pglite.waitReady;
    return pglite;
  } catch (err) {
    throw openError(err);
  }
}

function openError(err: unknown): Error {
  if (isPolystoreError(err)) return err;
  return wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', 'The pglite home could not open its database', {
    fix: 'check that the data directory is writable and not open in another process (PGlite allows one process per directory)',
  });
}

/** The directory to create, or null for storage that is not a local directory (`memory://`, `idb://`). */
function localPath(dataDir: string): string | null {
  if (dataDir.startsWith('file://')) return fileURLToPath(dataDir);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? null : dataDir;
}
