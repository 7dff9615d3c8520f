import type { AnalyticsStore } from '../../src/contracts/analytics-store.js';
import type { GraphFragment, GraphStore } from '../../src/contracts/graph-store.js';
import type { KeyValueStore } from '../../src/contracts/key-value-store.js';
import type { SearchStore } from '../../src/contracts/search-store.js';
import type { VersionEntry } from '../../src/contracts/view-store.js';
import type { ViewDef, ViewStore } from '../../src/index.js';
import { type ModelDb, readClient } from './command-runner.js';
import { expectedGraph, readGraph } from './graph-content.js';
import { ENTITY_NAMES, type EntityName } from './model-entities.js';
import { describeError } from './model-violation.js';
import { canon, contentOf, type JsonRecord, type ReferenceModel } from './reference-model.js';

/** What a view must hold for one id: the projection of the home's record at its version (null: a tombstone). */
interface Expected {
  readonly version: number;
  readonly value: unknown;
}

const show = (view: ViewDef, id: string) => `view ${view.name}: ${JSON.stringify(id)}`;

/** The home's live records of each entity, read through the public API (a strong find). */
async function homeRecords(db: ModelDb): Promise<Map<EntityName, Map<string, { version: number; json: JsonRecord }>>> {
  const out = new Map<EntityName, Map<string, { version: number; json: JsonRecord }>>();
  for (const entity of ENTITY_NAMES) {
    const rows = await readClient(db, entity).find({}, { limit: 10_000 });
    out.set(entity, new Map(rows.map((row) => [String(row.id), { version: row.$version, json: contentOf(row) }])));
  }
  return out;
}

/**
 * Compares every view with the home by version and by content. A view must
 * hold, for each live home record, exactly its own projection of that record
 * (read back from the store itself) at the home's version; for each deleted
 * id nothing or a tombstone at the delete's version; and nothing else.
 */
export async function compareViews(db: ModelDb, model: ReferenceModel): Promise<string[]> {
  const out: string[] = [];
  const home = await homeRecords(db);
  const graphs = new Map<ViewStore, { view: ViewDef; expected: Map<string, Expected> }[]>();
  for (const { view, store } of db.views) {
    const entity = view.entity as EntityName;
    const expected = new Map<string, Expected>();
    for (const [id, { version, json }] of home.get(entity)!) {
      try {
        expected.set(id, { version, value: view.project(structuredClone(json)) ?? null });
      } catch (error) {
        out.push(`${show(view, id)} projecting the home's record threw ${describeError(error)}`);
      }
    }
    const held = new Map((await store.listVersions!(view.scope)).map((entry) => [entry.key, entry]));
    out.push(...compareVersions(view, expected, model.deleted(entity), held));
    try {
      switch (store.kind) {
        case 'key-value':
          out.push(...(await compareCache(view, store, expected)));
          break;
        case 'search':
          out.push(...(await compareSearch(view, store, expected)));
          break;
        case 'analytics':
          out.push(...(await compareAnalytics(view, store, expected)));
          break;
        case 'graph':
          graphs.set(store, [...(graphs.get(store) ?? []), { view, expected }]);
          break;
      }
    } catch (error) {
      out.push(`view ${view.name}: reading its store failed with ${describeError(error)}`);
    }
  }
  for (const [store, views] of graphs) {
    const want = expectedGraph(
      views.flatMap(({ expected }) => [...expected.values()].map((e) => e.value as GraphFragment | null)),
    );
    out.push(...compareGraph(views.map((v) => v.view.name).join('+'), want, await readGraph(store as GraphStore)));
  }
  return out;
}

function compareVersions(
  view: ViewDef,
  expected: ReadonlyMap<string, Expected>,
  deleted: ReadonlyMap<string, number>,
  held: ReadonlyMap<string, VersionEntry>,
): string[] {
  const out: string[] = [];
  for (const [id, want] of expected) {
    const entry = held.get(id);
    const tombstone = want.value === null;
    if (!entry) out.push(`${show(view, id)} is missing (home v${want.version})`);
    else if (entry.version !== want.version || entry.deleted !== tombstone) {
      out.push(
        `${show(view, id)} holds v${entry.version}${entry.deleted ? ' (tombstone)' : ''}, the home v${want.version}${tombstone ? ' (projected to nothing)' : ''}`,
      );
    }
  }
  for (const [id, entry] of held) {
    if (expected.has(id)) continue;
    const deletedAt = deleted.get(id);
    if (deletedAt === undefined) out.push(`${show(view, id)} holds v${entry.version}, but the home never had this id`);
    else if (!entry.deleted || entry.version !== deletedAt) {
      out.push(
        `${show(view, id)} holds v${entry.version}${entry.deleted ? ' (tombstone)' : ' (live)'}, but the id was deleted at v${deletedAt}`,
      );
    }
  }
  return out;
}

async function compareCache(view: ViewDef, store: KeyValueStore, expected: ReadonlyMap<string, Expected>) {
  const out: string[] = [];
  for (const [id, want] of expected) {
    const entry = await store.getVersioned(view.scope, id);
    if (!entry || entry.version !== want.version) continue; // reported by compareVersions
    if (canon(entry.value) !== canon(want.value)) {
      out.push(
        `${show(view, id)} holds ${canon(entry.value)} at v${want.version}, its projection is ${canon(want.value)}`,
      );
    }
  }
  return out;
}

/** Orama keeps no nulls: a null field of a projected document is absent from the index. */
function withoutNulls(document: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document as Record<string, unknown>).filter(([, v]) => v !== null));
}

async function compareSearch(view: ViewDef, store: SearchStore, expected: ReadonlyMap<string, Expected>) {
  const out: string[] = [];
  const hits = new Map((await store.search(view.scope, { limit: 10_000 })).hits.map((hit) => [hit.id, hit.document]));
  for (const [id, want] of expected) {
    const got = hits.get(id);
    if (want.value === null) {
      if (got) out.push(`${show(view, id)} is in the index, but its projection is nothing`);
      continue;
    }
    if (!got) out.push(`${show(view, id)} is not returned by the index`);
    else if (canon(got) !== canon(withoutNulls(want.value))) {
      out.push(`${show(view, id)} indexes ${canon(got)}, its projection is ${canon(withoutNulls(want.value))}`);
    }
  }
  for (const id of hits.keys()) if (!expected.has(id)) out.push(`${show(view, id)} is in the index, not in the home`);
  return out;
}

async function compareAnalytics(view: ViewDef, store: AnalyticsStore, expected: ReadonlyMap<string, Expected>) {
  const out: string[] = [];
  const rows = await store.query<Record<string, unknown>>(`SELECT * FROM "${view.scope}"`);
  const byKey = new Map<string, string[]>();
  for (const { _key, ...row } of rows) byKey.set(String(_key), [...(byKey.get(String(_key)) ?? []), canon(row)]);
  for (const [id, want] of expected) {
    const wanted = ((want.value ?? []) as Record<string, unknown>[]).map((row) => canon(row)).sort();
    const got = (byKey.get(id) ?? []).sort();
    if (canon(got) !== canon(wanted))
      out.push(`${show(view, id)} has rows ${got.join(' ')}, its projection ${wanted.join(' ')}`);
  }
  for (const [id, got] of byKey)
    if (!expected.has(id)) out.push(`${show(view, id)} has rows ${got.join(' ')}, but no home record`);
  return out;
}

function compareGraph(
  name: string,
  want: { nodes: Map<string, string>; edges: string[] },
  got: { nodes: Map<string, string>; edges: string[] },
): string[] {
  const out: string[] = [];
  for (const [node, props] of want.nodes) {
    const held = got.nodes.get(node);
    if (held === undefined) out.push(`graph ${name}: node ${node} is missing`);
    else if (held !== props) out.push(`graph ${name}: node ${node} has ${held}, the projections give ${props}`);
  }
  for (const node of got.nodes.keys()) {
    if (!want.nodes.has(node)) out.push(`graph ${name}: node ${node} is in no projection`);
  }
  const missing = multisetMinus(want.edges, got.edges);
  const extra = multisetMinus(got.edges, want.edges);
  for (const edge of missing) out.push(`graph ${name}: edge ${edge} is missing`);
  for (const edge of extra) out.push(`graph ${name}: edge ${edge} is in no projection`);
  return out;
}

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const item of b) counts.set(item, (counts.get(item) ?? 0) + 1);
  return a.filter((item) => {
    const n = counts.get(item) ?? 0;
    if (n === 0) return true;
    counts.set(item, n - 1);
    return false;
  });
}
