import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PolystoreError, wrapStoreError } from '../../errors/index.js';
import type { SearchIndexSpec } from '../../stores/search-store.js';

/** What the store knows of one key: its version and whether it is a tombstone. */
export interface KeyVersion {
  readonly version: number;
  readonly deleted: boolean;
}

/**
 * One index as written by `flush()`: its spec, its version map (tombstones
 * included) as `[key, version, deleted]` rows, and Orama's own `save()` data.
 */
export interface IndexSnapshot {
  readonly format: 1;
  readonly spec: SearchIndexSpec;
  readonly versions: readonly (readonly [string, number, 0 | 1])[];
  readonly orama: unknown;
}

export function snapshotFile(directory: string, index: string): string {
  return join(directory, `${index}.json`);
}

export function encodeVersions(versions: ReadonlyMap<string, KeyVersion>): IndexSnapshot['versions'] {
  return Array.from(versions, ([key, entry]) => [key, entry.version, entry.deleted ? 1 : 0] as const);
}

export function decodeVersions(rows: IndexSnapshot['versions']): Map<string, KeyVersion> {
  return new Map(rows.map(([key, version, deleted]) => [key, { version, deleted: deleted === 1 }]));
}

/** Reads the snapshot of `index`, or undefined when none was flushed yet. */
export async function readSnapshot(directory: string, index: string): Promise<IndexSnapshot | undefined> {
  const file = snapshotFile(directory, index);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The orama store could not read the snapshot of the index "${index}"`,
      {
        fix: 'check that the snapshot directory is readable',
      },
    );
  }
  let snapshot: Partial<IndexSnapshot>;
  try {
    snapshot = JSON.parse(text) as Partial<IndexSnapshot>;
  } catch (err) {
    throw corrupt(index, err);
  }
  if (
    snapshot?.format !== 1 ||
    typeof snapshot.spec !== 'object' ||
    !Array.isArray(snapshot.versions) ||
    !snapshot.orama
  ) {
    throw corrupt(index);
  }
  return snapshot as IndexSnapshot;
}

/**
 * Writes the snapshot atomically: a temp file in the same directory, synced,
 * then renamed over the old one (and the directory synced), so a crash leaves
 * either the previous snapshot or the new one, never a torn file.
 */
export async function writeSnapshot(directory: string, index: string, snapshot: IndexSnapshot): Promise<void> {
  const file = snapshotFile(directory, index);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(directory, { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(JSON.stringify(snapshot));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await syncDirectory(directory);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw wrapStoreError(
      err,
      'PS_ERR_STORE_UNAVAILABLE',
      `The orama store could not write the snapshot of the index "${index}"`,
      {
        fix: 'check free space and write access to the snapshot directory; the previous snapshot is intact and flush() can be retried',
      },
    );
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

function corrupt(index: string, cause?: unknown): PolystoreError {
  return new PolystoreError('PS_ERR_STORE_UNAVAILABLE', `The snapshot of the search index "${index}" is unreadable`, {
    fix: `delete ${index}.json in the snapshot directory and replay the projector to rebuild the index`,
    ...(cause === undefined ? {} : { cause }),
  });
}
