import type { HomeStore, KeyValueStore, SearchStore, StoredRow } from '../src/index.js';
import { CACHE_VIEW, items, SEARCH_INDEX, SEARCH_VIEW } from './deployment.js';
import type { Ledger } from './workload.js';

export interface Discrepancies {
  /** Live in the home, absent from the view (or a tombstone there). */
  lost: number;
  /** Another version or other content than the home, or live in the view but deleted in the home. */
  divergent: number;
  readonly samples: string[];
}

export interface Verdict {
  /** The home against the writer's ledger of committed writes. */
  readonly home: Discrepancies;
  readonly views: Readonly<Record<string, Discrepancies & { readonly held: number }>>;
  readonly liveRecords: number;
  readonly dlq: { readonly count: number; readonly exact: boolean; readonly samples: readonly string[] };
}

/**
 * Compares, id by id and version by version, the home with the writer's
 * ledger and every view with the home: the Redis cache holds each live record
 * whole at its version; the search index holds each live, non-poison record's
 * indexed fields at its version, and no poison record. Then checks that the
 * dead-letter store holds each poison event exactly once, and nothing else.
 */
export async function verify(
  home: HomeStore,
  cache: KeyValueStore,
  search: SearchStore,
  ledger: Ledger,
): Promise<Verdict> {
  const rows = await allRows(home);
  const homeCheck = compareLedger(ledger, rows);
  const cacheCheck = await compareCache(cache, rows);
  const searchCheck = await compareSearch(search, rows);
  const letters = await home.listDeadLetters();
  const poison = new Set(ledger.poisonKeys());
  const seen = new Map<string, number>();
  const samples: string[] = [];
  for (const letter of letters) {
    const { key, version } = letter.event;
    const expected = letter.consumer === SEARCH_VIEW && poison.has(key) && version === 1;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (!expected && samples.length < 10) samples.push(`${letter.consumer} ${key}@${version}: ${letter.error}`);
  }
  const exact =
    letters.length === poison.size &&
    [...poison].every((key) => seen.get(key) === 1) &&
    letters.every((l) => l.consumer === SEARCH_VIEW && l.event.version === 1);
  for (const [key, n] of seen) if (n > 1 && samples.length < 10) samples.push(`${key} dead-lettered ${n} times`);
  for (const key of poison) if (!seen.has(key) && samples.length < 10) samples.push(`${key} never dead-lettered`);
  return {
    home: homeCheck,
    views: { [CACHE_VIEW]: cacheCheck, [SEARCH_VIEW]: searchCheck },
    liveRecords: rows.size,
    dlq: { count: letters.length, exact, samples },
  };
}

async function allRows(home: HomeStore): Promise<Map<string, StoredRow>> {
  const ids = (await home.listVersions(items.table)).map((v) => v.id);
  const rows = new Map<string, StoredRow>();
  for (let i = 0; i < ids.length; i += 500)
    for (const row of await home.getMany(items.table, ids.slice(i, i + 500))) rows.set(row.id, row);
  return rows;
}

function compareLedger(ledger: Ledger, rows: ReadonlyMap<string, StoredRow>): Discrepancies {
  const out = discrepancies();
  for (const [key, state] of ledger.keys) {
    const row = rows.get(key);
    if (state.live && !row) note(out, 'lost', `home lacks ${key} (ledger v${state.version})`);
    else if (!state.live && row) note(out, 'divergent', `home holds ${key} v${row.version}, deleted in the ledger`);
    else if (row && (row.version !== state.version || row.data.rev !== state.rev))
      note(
        out,
        'divergent',
        `home holds ${key} v${row.version} rev ${row.data.rev}, ledger v${state.version} rev ${state.rev}`,
      );
  }
  for (const key of rows.keys()) if (!ledger.keys.has(key)) note(out, 'divergent', `home holds unknown ${key}`);
  return out;
}

async function compareCache(
  cache: KeyValueStore,
  rows: ReadonlyMap<string, StoredRow>,
): Promise<Discrepancies & { held: number }> {
  const out = discrepancies();
  const held = await cache.listVersions(CACHE_VIEW);
  const ids = [...rows.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const entries = await cache.mgetVersioned<Record<string, unknown>>(CACHE_VIEW, chunk);
    chunk.forEach((id, j) => {
      const row = rows.get(id)!;
      const entry = entries[j];
      if (!entry || entry.value === null) note(out, 'lost', `${CACHE_VIEW} lacks ${id} v${row.version}`);
      else if (entry.version !== row.version)
        note(out, 'divergent', `${CACHE_VIEW} holds ${id} v${entry.version}, home v${row.version}`);
      else if (canonical(entry.value) !== canonical(row.data))
        note(out, 'divergent', `${CACHE_VIEW} holds other content for ${id} v${row.version}`);
    });
  }
  for (const entry of held)
    if (!entry.deleted && !rows.has(entry.key))
      note(out, 'divergent', `${CACHE_VIEW} holds ${entry.key} v${entry.version}, absent from the home`);
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
      if (live) note(out, 'divergent', `${SEARCH_VIEW} indexed poison ${id} v${entry.version}`);
      continue;
    }
    if (!live) {
      note(out, 'lost', `${SEARCH_VIEW} lacks ${id} v${row.version}`);
      continue;
    }
    const document = documents.get(id);
    if (entry.version !== row.version)
      note(out, 'divergent', `${SEARCH_VIEW} holds ${id} v${entry.version}, home v${row.version}`);
    else if (
      !document ||
      document.name !== row.data.name ||
      document.rev !== row.data.rev ||
      document.qty !== row.data.qty
    )
      note(out, 'divergent', `${SEARCH_VIEW} holds other content for ${id} v${row.version}`);
  }
  for (const [key, entry] of held)
    if (!entry.deleted && !rows.has(key))
      note(out, 'divergent', `${SEARCH_VIEW} holds ${key} v${entry.version}, absent from the home`);
  return { ...out, held: [...held.values()].filter((e) => !e.deleted).length };
}

function discrepancies(): Discrepancies {
  return { lost: 0, divergent: 0, samples: [] };
}

function note(out: Discrepancies, kind: 'lost' | 'divergent', what: string): void {
  out[kind]++;
  if (out.samples.length < 10) out.samples.push(what);
}

/** JSON with sorted keys, so equal records compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
