import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates the directory a database file will live in, so a store opens on a
 * fresh machine without the caller preparing folders (in-memory paths skip it).
 */
export async function ensureParentDir(path: string): Promise<void> {
  if (path === '' || path === ':memory:') return;
  await mkdir(dirname(path), { recursive: true });
}
