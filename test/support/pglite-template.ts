import { cp, rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { afterAll } from 'vitest';
import { tempDir } from './temp-dir.js';

/**
 * PGlite needs ~4 s to initialise an empty data directory but well under a
 * second to reopen one, so each test process initialises one template and
 * copies it for every test that needs its own directory.
 */
let template: Promise<string> | undefined;

function templateDir(): Promise<string> {
  template ??= (async () => {
    const dir = await tempDir('polystore-pglite-template-');
    const db = new PGlite(dir.path);
    await db.waitReady;
    await db.query('select 1');
    await db.close();
    return dir.path;
  })();
  return template;
}

// Registered on every test file that imports this module. Vitest does not run
// process 'exit' handlers in its workers, so the template is removed here; the
// next file (if modules are shared across files) initialises a new one.
afterAll(async () => {
  const pending = template;
  template = undefined;
  const path = await pending?.catch(() => undefined);
  if (path) await rm(path, { recursive: true, force: true });
});

/** A fresh, initialised PGlite data directory (a copy of the process's template). */
export async function freshPgliteDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const source = await templateDir();
  const dir = await tempDir('polystore-pglite-');
  await cp(source, dir.path, { recursive: true });
  return dir;
}

/**
 * The cheapest setup: one PGlite instance shared by the tests of a file, which
 * must then use unique table (or schema) names. Call at the top level of the
 * file; the instance opens on first use and is closed and removed after the file.
 *
 * @example
 * const pglite = useSharedPglite();
 * it('...', async () => { const home = pgliteHome({ pglite: await pglite(), schema: uniqueName('s') }) })
 */
export function useSharedPglite(): () => Promise<PGlite> {
  let opened: Promise<{ db: PGlite; cleanup: () => Promise<void> }> | undefined;
  afterAll(async () => {
    if (!opened) return;
    const { db, cleanup } = await opened;
    await db.close();
    await cleanup();
  });
  return async () => {
    opened ??= (async () => {
      const dir = await freshPgliteDir();
      const db = new PGlite(dir.path);
      await db.waitReady;
      return { db, cleanup: dir.cleanup };
    })();
    return (await opened).db;
  };
}
