import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Bytes the files at `paths` take (a directory counts everything under it);
 * a path that does not exist counts 0. For the size of embedded stores.
 *
 * @example
 * await diskSize(['./data/analytics.duckdb', './data/analytics.duckdb.wal']); // 12288
 */
export async function diskSize(paths: readonly string[]): Promise<number> {
  const sizes = await Promise.all(paths.map((path) => sizeOf(path)));
  return sizes.reduce((a, b) => a + b, 0);
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(path);
  return diskSize(entries.map((entry) => join(path, entry)));
}
