import type { HomeStore, KeyValueStore, StoredRow } from '../../src/index.js';
import type { EntityDef } from '../../src/model/define-entity.js';
import { canonicalJson } from './canonical-json.js';
import type { SearchDump } from './e2e-protocol.js';

/** The home's state of one entity: live rows, and the version of each delete (tombstones). */
export interface HomeTruth {
  readonly live: ReadonlyMap<string, StoredRow>;
  readonly tombstones: ReadonlyMap<string, number>;
}

/** What a view holds for one key: its version and value (null: a tombstone). */
export interface HeldEntry {
  readonly version: number;
  readonly value: unknown;
}

/** How a view differs from the home, id by id, by version and by content. */
export interface ViewDiff {
  readonly view: string;
  /** Live home records compared. */
  readonly checked: number;
  /** Live in the home; absent or a tombstone in the view. */
  readonly missing: number;
  /** Held at another version than the home's. */
  readonly wrongVersion: number;
  /** Held at the home's version with other content than the view's projection of the home record. */
  readonly wrongContent: number;
  /** Live in the view, deleted in the home or never there. */
  readonly extra: number;
  /** A few of each, for the report. */
  readonly samples: readonly string[];
}

export async function readHomeTruth(home: HomeStore, entity: EntityDef): Promise<HomeTruth> {
  const ids = (await home.listVersions(entity.table)).map((v) => v.id);
  const live = new Map<string, StoredRow>();
  for (let i = 0; i < ids.length; i += 500)
    for (const row of await home.getMany(entity.table, ids.slice(i, i + 500))) live.set(row.id, row);
  const tombstones = new Map((await home.listTombstones(entity.table)).map((t) => [t.id, t.version]));
  return { live, tombstones };
}

/**
 * The JSON form of a document entity's home row, as its events carry it: what
 * a view's `project` receives (the id under the entity's id field; Dates as
 * ISO strings). Computed here, not by the library, so a bug there cannot hide.
 */
export function jsonFormOf(entity: EntityDef, row: StoredRow): Record<string, unknown> {
  const { id: _id, ...rest } = row.data;
  const record = entity.idField === 'id' ? { ...row.data, id: row.id } : { ...rest, [entity.idField]: row.id };
  return JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
}

/**
 * Compares what a view holds with the home: every live record must be held at
 * its version with exactly `expected(row)` as content; nothing deleted in (or
 * unknown to) the home may be held live.
 */
export function diffView(
  view: string,
  truth: HomeTruth,
  held: ReadonlyMap<string, HeldEntry>,
  expected: (row: StoredRow) => unknown,
): ViewDiff {
  const counts = { missing: 0, wrongVersion: 0, wrongContent: 0, extra: 0 };
  const samples: string[] = [];
  const note = (kind: keyof typeof counts, what: string) => {
    counts[kind]++;
    if (samples.length < 12) samples.push(what);
  };
  for (const [id, row] of truth.live) {
    const entry = held.get(id);
    if (!entry || entry.value === null || entry.value === undefined)
      note('missing', `${JSON.stringify(id)} v${row.version} ${entry ? `is a v${entry.version} tombstone` : 'absent'}`);
    else if (entry.version !== row.version)
      note('wrongVersion', `${JSON.stringify(id)} held at v${entry.version}, home v${row.version}`);
    else if (canonicalJson(entry.value) !== canonicalJson(expected(row)))
      note(
        'wrongContent',
        `${JSON.stringify(id)} v${row.version}: ${canonicalJson(entry.value)} instead of ${canonicalJson(expected(row))}`,
      );
  }
  for (const [key, entry] of held) {
    if (entry.value === null || entry.value === undefined || truth.live.has(key)) continue;
    const tombstone = truth.tombstones.get(key);
    note(
      'extra',
      `${JSON.stringify(key)} held live at v${entry.version}, ${tombstone === undefined ? 'unknown to the home' : `deleted at v${tombstone}`}`,
    );
  }
  return { view, checked: truth.live.size, ...counts, samples };
}

/** True when the view equals the home. */
export function clean(diff: ViewDiff): boolean {
  return diff.missing + diff.wrongVersion + diff.wrongContent + diff.extra === 0;
}

/** Every entry of a key-value view's scope, tombstones included. */
export async function keyValueEntries(store: KeyValueStore, scope: string): Promise<Map<string, HeldEntry>> {
  const keys = (await store.listVersions!(scope)).map((entry) => entry.key);
  const held = new Map<string, HeldEntry>();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const entries = await store.mgetVersioned<Record<string, unknown>>(scope, chunk);
    chunk.forEach((key, j) => {
      const entry = entries[j];
      if (entry) held.set(key, { version: entry.version, value: entry.value });
    });
  }
  return held;
}

/** A search view's entries from a worker's dump: documents for live keys, null for tombstones. */
export function searchEntries(dump: SearchDump): Map<string, HeldEntry> {
  const documents = new Map(dump.documents.map((d) => [d.id, d.document]));
  return new Map(
    dump.versions.map((v) => [
      v.key,
      { version: v.version, value: v.deleted ? null : (documents.get(v.key) ?? `no document for a live key`) },
    ]),
  );
}

/** A search document as the index keeps it: null fields are not stored. */
export function withoutNulls(document: unknown): unknown {
  if (document === null || typeof document !== 'object') return document;
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== null));
}
