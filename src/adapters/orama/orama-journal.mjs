// The on-disk form of an Orama search index: a base snapshot plus journals of
// the batches flushed since. Plain JavaScript on purpose: the compaction
// worker thread (orama-compaction-worker.mjs) imports this module without a
// TypeScript loader, and the main thread imports it to load an index.
//
// Files in the snapshot directory, per index:
// - `<index>.json`: the base, `{ format: 2, spec, through, versions, orama }`
//   (format 1, written before journals existed, is read with through = 0);
// - `<index>.<generation>.journal`: one header line `{ format: 2, index, spec }`
//   then one line per flushed batch, a JSON array of `[key, version, deleted, document]`.
// The base holds every journal up to generation `through`; loading replays the
// later ones in order. A journal's unterminated or unparseable tail is a batch
// whose append never completed (its flush did not resolve), so it is skipped.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export const SNAPSHOT_FORMAT = 2;

/** A failure reading or writing index files; `reason` is 'corrupt' or 'io'. */
export class IndexFileError extends Error {
  constructor(reason, message, file, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'IndexFileError';
    this.reason = reason;
    this.file = file;
  }
}

export function baseFile(directory, index) {
  return join(directory, `${index}.json`);
}

export function journalFile(directory, index, generation) {
  return join(directory, `${index}.${generation}.journal`);
}

/** The generations of the journals of `index` in `directory`, ascending. */
export async function listJournals(directory, index) {
  const prefix = `${index}.`;
  const generations = [];
  for (const name of await readdirOrEmpty(directory)) {
    if (!name.startsWith(prefix) || !name.endsWith('.journal')) continue;
    const middle = name.slice(prefix.length, -'.journal'.length);
    if (/^\d+$/.test(middle)) generations.push(Number(middle));
  }
  return generations.sort((a, b) => a - b);
}

/** The journal header line: which index and spec its batches belong to. */
export function journalHeader(index, spec) {
  return `${JSON.stringify({ format: SNAPSHOT_FORMAT, index, spec })}\n`;
}

/** One flushed batch as a journal line. */
export function journalLine(entries) {
  return `${JSON.stringify(entries)}\n`;
}

/**
 * Builds the index from its base and its journals up to `upTo` (all when
 * omitted): `{ db, versions, specs, through, lastGeneration, journaled, stale }`.
 * `specs` lists the spec of the base and of each journal, for the caller to
 * check; `stale` the generations already in the base (left by a crash
 * between writing a base and deleting its journals).
 */
export async function loadIndex(orama, { directory, index, schema, upTo = Number.POSITIVE_INFINITY }) {
  const db = orama.create({ schema });
  const versions = new Map();
  const specs = [];
  let through = 0;
  const base = await readBase(directory, index);
  if (base !== undefined) {
    specs.push(base.spec);
    through = base.through;
    try {
      orama.load(db, base.orama);
    } catch (err) {
      throw new IndexFileError('corrupt', 'Orama could not load the base snapshot', baseFile(directory, index), err);
    }
    for (const [key, version, deleted] of base.versions) versions.set(key, { version, deleted: deleted === 1 });
  }
  const generations = await listJournals(directory, index);
  let journaled = 0;
  for (const generation of generations) {
    if (generation <= through || generation > upTo) continue;
    const file = journalFile(directory, index, generation);
    const batches = await readJournal(file, index);
    if (batches.spec !== undefined) specs.push(batches.spec);
    for (const batch of batches.lines) journaled += await replay(orama, db, versions, batch, file);
  }
  return {
    db,
    versions,
    specs,
    through,
    lastGeneration: Math.max(through, ...generations),
    journaled,
    stale: generations.filter((generation) => generation <= through),
  };
}

/**
 * Folds the journals up to `upTo` into a new base, written atomically; the
 * caller deletes those journals afterwards. Runs in the compaction worker.
 */
export async function compact(orama, { directory, index, schema, spec, upTo }) {
  const { db, versions } = await loadIndex(orama, { directory, index, schema, upTo });
  await writeBase(directory, index, {
    format: SNAPSHOT_FORMAT,
    spec,
    through: upTo,
    versions: Array.from(versions, ([key, entry]) => [key, entry.version, entry.deleted ? 1 : 0]),
    orama: orama.save(db),
  });
}

/** Deletes the journals of `index` whose generation is at most `upTo`, and leftover temp files. */
export async function deleteJournals(directory, index, upTo) {
  for (const generation of await listJournals(directory, index)) {
    if (generation <= upTo) await rm(journalFile(directory, index, generation), { force: true });
  }
  for (const name of await readdirOrEmpty(directory)) {
    if (name.startsWith(`${index}.json.`) && name.endsWith('.tmp')) await rm(join(directory, name), { force: true });
  }
}

/**
 * Writes the base atomically: a temp file in the same directory, synced, then
 * renamed over the old one (and the directory synced), so a crash leaves
 * either the previous base or the new one, never a torn file.
 */
export async function writeBase(directory, index, snapshot) {
  const file = baseFile(directory, index);
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
    throw new IndexFileError('io', 'The base snapshot could not be written', file, err);
  }
}

/** Makes a created or renamed directory entry durable. */
export async function syncDirectory(directory) {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

async function readBase(directory, index) {
  const file = baseFile(directory, index);
  const text = await readText(file);
  if (text === undefined) return undefined;
  let base;
  try {
    base = JSON.parse(text);
  } catch (err) {
    throw new IndexFileError('corrupt', 'The base snapshot is not valid JSON', file, err);
  }
  const through = base?.format === 1 ? 0 : base?.through;
  if (
    (base?.format !== 1 && base?.format !== SNAPSHOT_FORMAT) ||
    typeof base.spec !== 'object' ||
    !Array.isArray(base.versions) ||
    !base.orama ||
    !Number.isSafeInteger(through)
  ) {
    throw new IndexFileError('corrupt', 'The base snapshot has an unknown shape', file);
  }
  return { ...base, through };
}

async function readJournal(file, index) {
  const text = await readText(file);
  const lines = (text ?? '').split('\n');
  // Every complete record ends with a newline: what follows the last one is a torn append.
  lines.pop();
  const parsed = [];
  for (const line of lines) {
    try {
      parsed.push(JSON.parse(line));
    } catch {
      break;
    }
  }
  if (parsed.length < lines.length) {
    // An unparseable line may only start the tail of an append that never completed.
    for (const line of lines.slice(parsed.length + 1)) {
      if (isJson(line)) throw new IndexFileError('corrupt', 'A journal holds a damaged batch before intact ones', file);
    }
  }
  if (parsed.length === 0) return { spec: undefined, lines: [] };
  const [header, ...batches] = parsed;
  if (header?.format !== SNAPSHOT_FORMAT || header.index !== index || typeof header.spec !== 'object') {
    throw new IndexFileError('corrupt', 'A journal has an unknown header', file);
  }
  if (!batches.every(Array.isArray)) throw new IndexFileError('corrupt', 'A journal line is not a batch', file);
  return { spec: header.spec, lines: batches };
}

/** Applies one journaled batch, version-guarded like applyIfNewer; returns its entry count. */
async function replay(orama, db, versions, batch, file) {
  for (const entry of batch) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      throw new IndexFileError('corrupt', 'A journal entry has an unknown shape', file);
    }
    const [key, version, deleted, document] = entry;
    const current = versions.get(key);
    if (current !== undefined && current.version >= version) continue;
    if (current !== undefined && !current.deleted) await orama.remove(db, key);
    if (deleted !== 1 && document) await orama.insert(db, document);
    versions.set(key, { version, deleted: deleted === 1 });
  }
  return batch.length;
}

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

async function readText(file) {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err?.code === 'ENOENT') return undefined;
    throw new IndexFileError('io', 'An index file could not be read', file, err);
  }
}

async function readdirOrEmpty(directory) {
  try {
    return await readdir(directory);
  } catch (err) {
    if (err?.code === 'ENOENT') return [];
    throw new IndexFileError('io', 'The snapshot directory could not be listed', directory, err);
  }
}
