import type { EntityDef, HomeStore, KeyValueStore, SearchStore, StoredRow, ViewDef } from '../src/index.js';
import {
  CACHE_VIEW,
  items,
  itemsCacheView,
  itemsSearchView,
  NOTES_VIEW,
  notes,
  notesCacheView,
  SEARCH_INDEX,
  SEARCH_VIEW,
} from './deployment.js';
import { canonical, type Discrepancies, discrepancies, note } from './discrepancies.js';
import { checkRaces } from './race-check.js';
import type { RaceLedger } from './racer.js';
import type { KeyState, Ledger } from './workload.js';
import { show } from './writer.js';

export type { Discrepancies } from './discrepancies.js';

export interface Verdict {
  /** The home against the writer's ledger of committed writes (items and notes). */
  readonly home: Discrepancies;
  /** The raced ids: does the home's final state linearise what the racers were told? */
  readonly races: Discrepancies;
  readonly views: Readonly<Record<string, Discrepancies & { readonly held: number }>>;
  readonly liveRecords: number;
  readonly dlq: { readonly count: number; readonly exact: boolean; readonly samples: readonly string[] };
}

/**
 * Compares, id by id, by version and by content, the home with the writer's
 * ledger and every view with the home. What a view must hold for a record is
 * the view's own projection of the home record's JSON form (what its events
 * carry): the Redis caches hold each live record so projected, at its
 * version; the search index holds each live, non-poison record's projected
 * document at its version, and no poison record. Nothing deleted in the home
 * may be live in a view. Then checks that the dead-letter store holds each
 * poison event exactly once, and nothing else.
 */
export async function verify(
  home: HomeStore,
  cache: KeyValueStore,
  search: SearchStore,
  ledger: Ledger,
  races: RaceLedger,
): Promise<Verdict> {
  const rows = await allRows(home, items);
  const noteRows = await allRows(home, notes);
  const tombstones = new Map((await home.listTombstones(items.table)).map((t) => [t.id, t.version]));
  const homeCheck = compareLedger(ledger.keys, rows, new Set(races.keys.keys()), 'item');
  const notesCheck = compareLedger(ledger.notes, noteRows, new Set(), 'note');
  homeCheck.lost += notesCheck.lost;
  homeCheck.divergent += notesCheck.divergent;
  homeCheck.samples.push(...notesCheck.samples.slice(0, 10 - homeCheck.samples.length));
  const letters = await home.listDeadLetters();
  const poison = new Set(ledger.poisonKeys());
  const seen = new Map<string, number>();
  const samples: string[] = [];
  for (const letter of letters) {
    const { key, version } = letter.event;
    const expected = letter.consumer === SEARCH_VIEW && poison.has(key) && version === 1;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (!expected && samples.length < 10) samples.push(`${letter.consumer} ${show(key)}@${version}: ${letter.error}`);
  }
  const exact =
    letters.length === poison.size &&
    [...poison].every((key) => seen.get(key) === 1) &&
    letters.every((l) => l.consumer === SEARCH_VIEW && l.event.version === 1);
  for (const [key, n] of seen) if (n > 1 && samples.length < 10) samples.push(`${show(key)} dead-lettered ${n} times`);
  for (const key of poison) if (!seen.has(key) && samples.length < 10) samples.push(`${key} never dead-lettered`);
  return {
    home: homeCheck,
    races: checkRaces(races, rows, tombstones),
    views: {
      [CACHE_VIEW]: await compareKeyValue(cache, itemsCacheView, items, rows),
      [SEARCH_VIEW]: await compareSearch(search, rows),
      [NOTES_VIEW]: await compareKeyValue(cache, notesCacheView, notes, noteRows),
    },
    liveRecords: rows.size + noteRows.size,
    dlq: { count: letters.length, exact, samples },
  };
}

async function allRows(home: HomeStore, entity: EntityDef): Promise<Map<string, StoredRow>> {
  const ids = (await home.listVersions(entity.table)).map((v) => v.id);
  const rows = new Map<string, StoredRow>();
  for (let i = 0; i < ids.length; i += 500)
    for (const row of await home.getMany(entity.table, ids.slice(i, i + 500))) rows.set(row.id, row);
  return rows;
}

function compareLedger(
  keys: ReadonlyMap<string, KeyState>,
  rows: ReadonlyMap<string, StoredRow>,
  raced: ReadonlySet<string>,
  what: string,
): Discrepancies {
  const out = discrepancies();
  for (const [key, state] of keys) {
    const row = rows.get(key);
    const id = show(key);
    if (state.live && !row) note(out, 'lost', `home lacks ${what} ${id} (ledger v${state.version})`);
    else if (!state.live && row)
      note(out, 'divergent', `home holds ${what} ${id} v${row.version}, deleted in the ledger`);
    else if (row && (row.version !== state.version || row.data.rev !== state.rev))
      note(
        out,
        'divergent',
        `home holds ${what} ${id} v${row.version} rev ${row.data.rev}, ledger v${state.version} rev ${state.rev}`,
      );
  }
  for (const key of rows.keys())
    if (!keys.has(key) && !raced.has(key)) note(out, 'divergent', `home holds unknown ${what} ${show(key)}`);
  return out;
}

/**
 * What a view must hold for a home row: its projection of the row's JSON form
 * (what the row's events carry; both entities are documents keyed by `id`).
 */
function projected(view: ViewDef<unknown>, entity: EntityDef, row: StoredRow): unknown {
  const record = JSON.parse(JSON.stringify({ ...row.data, [entity.idField]: row.id })) as Record<string, unknown>;
  return view.project(record);
}

async function compareKeyValue(
  cache: KeyValueStore,
  view: ViewDef<unknown>,
  entity: EntityDef,
  rows: ReadonlyMap<string, StoredRow>,
): Promise<Discrepancies & { held: number }> {
  const out = discrepancies();
  const held = await cache.listVersions!(view.scope);
  const ids = [...rows.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const entries = await cache.mgetVersioned<Record<string, unknown>>(view.scope, chunk);
    chunk.forEach((id, j) => {
      const row = rows.get(id)!;
      const entry = entries[j];
      if (!entry || entry.value === null) note(out, 'lost', `${view.name} lacks ${show(id)} v${row.version}`);
      else if (entry.version !== row.version)
        note(out, 'divergent', `${view.name} holds ${show(id)} v${entry.version}, home v${row.version}`);
      else if (canonical(entry.value) !== canonical(projected(view, entity, row)))
        note(out, 'divergent', `${view.name} holds other content for ${show(id)} v${row.version}`);
    });
  }
  for (const entry of held)
    if (!entry.deleted && !rows.has(entry.key))
      note(out, 'divergent', `${view.name} holds ${show(entry.key)} v${entry.version}, not live in the home`);
  return { ...out, held: held.filter((e) => !e.deleted).length };
}

async function compareSearch(
  search: SearchStore,
  rows: ReadonlyMap<string, StoredRow>,
): Promise<Discrepancies & { held: number }> {
  const out = discrepancies();
  const held = new Map((await search.listVersions(SEARCH_INDEX.index)).map((e) => [e.key, e]));
  const { hits } = await search.search(SEARCH_INDEX.index, { limit: 1_000_000 });
  const documents = new Map(hits.map((hit) => [hit.id, hit.document]));
  for (const [id, row] of rows) {
    const entry = held.get(id);
    const live = entry !== undefined && !entry.deleted;
    if (row.data.poison === true) {
      // The view refuses poison records: their only trace is a dead letter.
      if (live) note(out, 'divergent', `${SEARCH_VIEW} indexed poison ${show(id)} v${entry.version}`);
      continue;
    }
    if (!live) {
      note(out, 'lost', `${SEARCH_VIEW} lacks ${show(id)} v${row.version}`);
      continue;
    }
    // The index stores no null fields.
    const expected = Object.fromEntries(
      Object.entries(projected(itemsSearchView, items, row) as Record<string, unknown>).filter(([, v]) => v !== null),
    );
    if (entry.version !== row.version)
      note(out, 'divergent', `${SEARCH_VIEW} holds ${show(id)} v${entry.version}, home v${row.version}`);
    else if (canonical(documents.get(id)) !== canonical(expected))
      note(out, 'divergent', `${SEARCH_VIEW} holds other content for ${show(id)} v${row.version}`);
  }
  for (const [key, entry] of held)
    if (!entry.deleted && !rows.has(key))
      note(out, 'divergent', `${SEARCH_VIEW} holds ${show(key)} v${entry.version}, not live in the home`);
  return { ...out, held: [...held.values()].filter((e) => !e.deleted).length };
}
