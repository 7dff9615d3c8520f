import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EntityTableSpec, HomeStore, StoredRow } from '../contracts/home-store.js';
import { PolystoreError } from '../errors/index.js';
import { COPY_CHUNK } from './home-copy.js';

/** `manifest.json` of a dump: what it holds and where it came from. */
export interface DumpManifest {
  readonly format: 'polystore-dump/1';
  readonly from: string;
  readonly exportedAt: string;
  readonly entities: readonly { entity: string; file: string; rows: number; tombstones: number }[];
}

/** One line of an entity's NDJSON file: a live row with its data, or a tombstone. */
type DumpLine =
  | { id: string; version: number; data: Record<string, unknown> }
  | { id: string; version: number; deleted: true };

/**
 * Dump and restore, the seed's other migration strategy: writes each
 * entity's live rows and tombstones, with their versions, to
 * `<dir>/<entity>.ndjson` (one JSON object per line) and a `manifest.json`.
 * Taken while the home takes writes, it is a keyset walk, not a snapshot:
 * stop writers first for a point-in-time copy, or use `moveHome`.
 *
 * @example
 * const manifest = await exportHome(home, [usersTable], './dump');
 */
export async function exportHome(
  home: HomeStore,
  specs: readonly EntityTableSpec[],
  dir: string,
): Promise<DumpManifest> {
  await mkdir(dir, { recursive: true });
  const entities: DumpManifest['entities'][number][] = [];
  for (const spec of specs) {
    const file = `${spec.entity}.ndjson`;
    const out = createWriteStream(join(dir, file));
    const write = async (line: DumpLine) => {
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    };
    let rows = 0;
    let tombstones = 0;
    for (let after: string | null = null; ; ) {
      const chunk = await home.scanRows(spec, { after, limit: COPY_CHUNK });
      if (chunk.length === 0) break;
      for (const row of chunk) await write({ id: row.id, version: row.version, data: row.data });
      rows += chunk.length;
      after = chunk.at(-1)!.id;
    }
    for (let after: string | null = null; ; ) {
      const chunk = await home.scanTombstones(spec, { after, limit: COPY_CHUNK });
      if (chunk.length === 0) break;
      for (const t of chunk) await write({ id: t.id, version: t.version, deleted: true });
      tombstones += chunk.length;
      after = chunk.at(-1)!.id;
    }
    out.end();
    await once(out, 'finish');
    entities.push({ entity: spec.entity, file, rows, tombstones });
  }
  const manifest: DumpManifest = {
    format: 'polystore-dump/1',
    from: home.location,
    exportedAt: new Date().toISOString(),
    entities,
  };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Restores a dump of `exportHome` into `home`, versions included
 * (`restoreRows`, `restoreTombstones`): into an empty home it recreates the
 * dumped state; into one with data, the newer version of each id wins. Every
 * entity of the dump must be declared in `specs`. No outbox event is written:
 * views of the home are filled by a backfill (`polystore backfill VIEW`).
 */
export async function importHome(
  home: HomeStore,
  specs: readonly EntityTableSpec[],
  dir: string,
): Promise<{ entity: string; rows: number; tombstones: number }[]> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DumpManifest;
  if (manifest.format !== 'polystore-dump/1') {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `${dir} holds no Polystore dump (manifest format)`, {
      field: 'in',
      fix: 'pass a directory written by `polystore export`',
    });
  }
  const bySpec = new Map(specs.map((spec) => [spec.entity, spec]));
  const out: { entity: string; rows: number; tombstones: number }[] = [];
  for (const { entity, file } of manifest.entities) {
    const spec = bySpec.get(entity);
    if (!spec) {
      throw new PolystoreError(
        'PS_ERR_UNKNOWN_ENTITY',
        `The dump holds entity "${entity.slice(0, 64)}", not declared here`,
        {
          field: 'entity',
          fix: 'declare the entity in the config, or remove its file and manifest entry',
        },
      );
    }
    let rows: StoredRow[] = [];
    let tombstones: { id: string; version: number }[] = [];
    const counts = { entity, rows: 0, tombstones: 0 };
    const flush = async () => {
      counts.rows += await home.restoreRows(spec, rows);
      counts.tombstones += await home.restoreTombstones(spec, tombstones);
      rows = [];
      tombstones = [];
    };
    const lines = createInterface({ input: createReadStream(join(dir, file)), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const text of lines) {
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as DumpLine;
      if ('deleted' in line) tombstones.push({ id: line.id, version: line.version });
      else rows.push({ id: line.id, version: line.version, data: line.data });
      if (rows.length + tombstones.length >= COPY_CHUNK) await flush();
    }
    await flush();
    out.push(counts);
  }
  return out;
}
