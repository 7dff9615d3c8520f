import { formatContribution } from './selection-calculator.js';
import type { EntityPlan, StorePlan, ViewChoice } from './store-plan.js';
import type { FieldType, Workload, WorkloadEntity } from './workload.js';

/** The modules a skeleton imports; override them to point at another build. */
export type SkeletonModule =
  | 'polystore'
  | 'polystore/pglite'
  | 'polystore/lmdb'
  | 'polystore/orama'
  | 'polystore/kuzu'
  | 'polystore/duckdb'
  | 'zod';

export interface SkeletonOptions {
  /** Module specifiers to import instead of the package names (e.g. file URLs of a checkout). */
  readonly imports?: Partial<Record<SkeletonModule, string>>;
}

const ZOD: Record<FieldType, string> = {
  string: 'z.string()',
  number: 'z.number()',
  integer: 'z.number().int()',
  boolean: 'z.boolean()',
  date: 'z.date()',
  'string[]': 'z.array(z.string())',
};
const SEARCH: Partial<Record<FieldType, string>> = {
  string: 'string',
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  'string[]': 'string[]',
};
const GRAPH: Partial<Record<FieldType, string>> = {
  string: 'string',
  integer: 'int64',
  number: 'double',
  boolean: 'boolean',
};
const ANALYTICS: Partial<Record<FieldType, string>> = {
  string: 'varchar',
  integer: 'bigint',
  number: 'double',
  boolean: 'boolean',
  date: 'timestamp',
};

/**
 * Writes the plan as a Polystore configuration module (TypeScript source) on
 * the embedded engines: a PGlite home, LMDB cache, Orama search, Kuzu graph and
 * DuckDB analytics, each only when the plan uses it. Its default export takes a
 * data directory and returns the Polystore, as `polystore --config` expects.
 *
 * @example
 * const plan = planStores(workload.entities);
 * await writeFile('polystore.config.ts', writeSkeleton(workload, plan));
 */
export function writeSkeleton(workload: Workload, plan: StorePlan, options: SkeletonOptions = {}): string {
  const from = (m: SkeletonModule) => `'${options.imports?.[m] ?? m}'`;
  const byName = new Map(workload.entities.map((e) => [e.name, e]));
  const entities = plan.entities.filter((p) => p.home.storage !== 'keyspace');
  const keyspaces = plan.entities.filter((p) => p.home.storage === 'keyspace');
  const uses = (kind: string) => plan.stores.includes(kind as never);
  const views = entities.flatMap((p) => p.views.map((v) => ({ p, v })));
  const api = [
    ...new Set([
      ...views.map(({ v }) => `${v.view}View`),
      'createPolystore',
      ...(entities.length ? ['defineEntity'] : []),
      ...(keyspaces.length ? ['defineKeyspace'] : []),
    ]),
  ].sort();
  const out: string[] = [
    `// Polystore configuration skeleton for "${oneLine(workload.name)}", written by \`polystore advise\`.`,
    `// Stores: ${plan.stores.join(', ')}. Review each field and view before use.`,
    `import { join } from 'node:path';`,
    `import { z } from ${from('zod')};`,
    `import { ${api.join(', ')} } from ${from('polystore')};`,
    ...(views.some(({ v }) => v.view === 'graph')
      ? [`import type { GraphSchemaSpec } from ${from('polystore')};`]
      : []),
    `import { pgliteHome } from ${from('polystore/pglite')};`,
    ...(uses('cache') ? [`import { lmdbStore } from ${from('polystore/lmdb')};`] : []),
    ...(uses('search') ? [`import { oramaStore } from ${from('polystore/orama')};`] : []),
    ...(uses('graph') ? [`import { kuzuStore } from ${from('polystore/kuzu')};`] : []),
    ...(uses('analytics') ? [`import { duckdbStore } from ${from('polystore/duckdb')};`] : []),
    '',
  ];
  for (const p of entities) {
    const e = byName.get(p.entity)!;
    out.push(`/** ${docLine(e, p)} */`);
    out.push(`export const ${variable(p.entity)} = defineEntity({`);
    out.push(`  name: '${p.entity}',`);
    if (p.home.storage === 'document') out.push(`  storage: 'document',`);
    out.push(`  schema: ${zodObject(e)},`);
    out.push('});', '');
  }
  for (const p of keyspaces) {
    const e = byName.get(p.entity)!;
    out.push(`/** ${docLine(e, p)} */`);
    out.push(`export const ${variable(p.entity)} = defineKeyspace({`);
    out.push(`  name: '${p.entity}',`);
    out.push(`  store: 'cache',`);
    out.push(`  ttlMs: ${e.ttlMinutes ?? 60} * 60_000,`);
    // A keyspace's key is not part of its value.
    out.push(`  schema: ${zodObject(e, false)},`);
    out.push('});', '');
  }
  const graphViews = views.filter(({ v }) => v.view === 'graph').map(({ p }) => byName.get(p.entity)!);
  const edges = edgeNames(graphViews);
  if (graphViews.length)
    out.push(
      `/** One graph schema shared by every graph view: Kuzu merges the tables. */`,
      `const graph: GraphSchemaSpec = ${graphSchema(graphViews, byName, edges)};`,
      '',
    );
  const stores = [
    ...(uses('cache') ? [`cache: lmdbStore({ path: join(dataDir, 'cache') }),`] : []),
    ...(uses('search') ? [`search: oramaStore({ path: join(dataDir, 'search') }),`] : []),
    ...(uses('graph') ? [`graph: kuzuStore({ path: join(dataDir, 'graph.kuzu') }),`] : []),
    ...(uses('analytics') ? [`analytics: duckdbStore({ path: join(dataDir, 'analytics.duckdb') }),`] : []),
  ];
  out.push(
    `export default (dataDir = process.env.POLYSTORE_DATA_DIR ?? './.polystore') =>`,
    '  createPolystore({',
    `    home: pgliteHome({ dataDir: join(dataDir, 'home') }),`,
    `    stores: {${stores.length ? `\n${stores.map((s) => `      ${s}`).join('\n')}\n    ` : ''}},`,
    `    entities: [${entities.map((p) => variable(p.entity)).join(', ')}],`,
    ...(keyspaces.length ? [`    keyspaces: [${keyspaces.map((p) => variable(p.entity)).join(', ')}],`] : []),
    '    views: [',
    ...views.flatMap(({ p, v }) => {
      const call = viewCall(byName.get(p.entity)!, v, edges);
      return [`      // ${p.entity}: ${why(v)}`, call.startsWith('//') ? `      ${call}` : `      ${call},`];
    }),
    '    ],',
    '  });',
    '',
  );
  return out.join('\n');
}

/**
 * The fields of a workload entity, `id` (a string) first.
 *
 * @example
 * workloadFields({ name: 'users', fields: { email: 'string' }, factors: {} }); // [['id', 'string'], ['email', 'string']]
 */
export function workloadFields(e: WorkloadEntity): [string, FieldType][] {
  return [['id', 'string'], ...Object.entries(e.fields ?? {}).filter(([f]) => f !== 'id')];
}

function zodObject(e: WorkloadEntity, withId = true): string {
  return `z.object({ ${workloadFields(e)
    .filter(([f]) => withId || f !== 'id')
    .map(([f, t]) => `${f}: ${ZOD[t]}`)
    .join(', ')} })`;
}

function docLine(e: WorkloadEntity, p: EntityPlan): string {
  const top = p.ranking[0]!;
  const lead = top.contributions[0];
  const home = p.home.storage === 'keyspace' ? 'key-value keyspace' : `${p.home.storage} home`;
  return `${p.entity}${e.description ? `: ${oneLine(e.description)}` : ''}. ${top.label} ranks first${lead ? ` (${formatContribution(lead)})` : ''}; ${home}.`;
}

function why(v: ViewChoice): string {
  const w = (n: number) => (n < 0 ? `(${n})` : String(n));
  return `${v.label} ${v.score} × (${w(v.weight)} - ${w(v.homeWeight)}) = ${v.divergence} over the home`;
}

function viewCall(e: WorkloadEntity, v: ViewChoice, edges: EdgeNames): string {
  const fields = workloadFields(e);
  switch (v.view) {
    case 'cache':
      return `cacheView(${variable(e.name)}, { store: 'cache' })`;
    case 'search': {
      // The search store keys documents by the record id itself: `id` is never a declared field.
      // References are filtered on, not searched as text.
      const indexed = fields
        .filter(([f, t]) => f !== 'id' && SEARCH[t])
        .map(([f, t]): [string, string] => [f, e.references?.[f] ? 'enum' : SEARCH[t]!]);
      const searchable = indexed.filter(([, t]) => t === 'string').map(([f]) => f);
      if (!searchable.length)
        return `// no search view: ${e.name} declares no string field to search; add one to the workload`;
      return `searchView(${variable(e.name)}, { store: 'search', fields: { ${indexed.map(([f, t]) => `${f}: '${t}'`).join(', ')} }, searchable: [${searchable.map((f) => `'${f}'`).join(', ')}] })`;
    }
    case 'graph': {
      const label = pascal(e.name);
      const props = nodeProperties(e).map(([f]) => `${f}: r.${f}`);
      const links = Object.entries(e.references ?? {}).map(
        ([f, target]) =>
          `{ type: '${edges.get(`${e.name}.${f}`)}', from: { label: '${label}', id: r.id }, to: { label: '${pascal(target)}', id: r.${f} } }`,
      );
      const properties = props.length ? `{ ${props.join(', ')} }` : '{}';
      return `graphView(${variable(e.name)}, { store: 'graph', schema: graph, project: (r) => ({ nodes: [{ label: '${label}', id: r.id, properties: ${properties} }], edges: [${links.join(', ')}] }) })`;
    }
    case 'analytics': {
      const columns = fields.filter(([, t]) => ANALYTICS[t]);
      return `analyticsView(${variable(e.name)}, { store: 'analytics', table: '${e.name}', columns: { ${columns.map(([f, t]) => `${f}: '${ANALYTICS[t]}'`).join(', ')} }, rows: (r) => [{ ${columns.map(([f]) => `${f}: r.${f}`).join(', ')} }] })`;
    }
  }
}

function nodeProperties(e: WorkloadEntity): [string, FieldType][] {
  const refs = new Set(Object.keys(e.references ?? {}));
  return workloadFields(e).filter(([f, t]) => f !== 'id' && !refs.has(f) && GRAPH[t]);
}

/** Edge type per `entity.field`. */
type EdgeNames = Map<string, string>;

/**
 * The field's name as an edge type, prefixed by the entity's where that is
 * taken: Kuzu's table names ignore case and node and rel tables share them, so
 * an edge `GRAPH` would collide with a node label `Graph`.
 */
function edgeNames(withViews: readonly WorkloadEntity[]): EdgeNames {
  const names: EdgeNames = new Map();
  const taken = new Set(
    withViews.flatMap((e) => [e.name, ...Object.values(e.references ?? {})].map((n) => pascal(n).toUpperCase())),
  );
  for (const e of withViews)
    for (const f of Object.keys(e.references ?? {})) {
      let name = edgeType(f);
      if (taken.has(name)) name = `${e.name.toUpperCase()}_${name}`;
      while (taken.has(name)) name = `${name}_REF`;
      taken.add(name);
      names.set(`${e.name}.${f}`, name);
    }
  return names;
}

function graphSchema(
  withViews: readonly WorkloadEntity[],
  byName: Map<string, WorkloadEntity>,
  names: EdgeNames,
): string {
  const nodes = new Map<string, string>();
  const edges: string[] = [];
  for (const e of withViews) {
    const props = nodeProperties(e).map(([f, t]) => `${f}: '${GRAPH[t]}'`);
    nodes.set(pascal(e.name), props.length ? `{ ${props.join(', ')} }` : '{}');
    for (const [f, target] of Object.entries(e.references ?? {})) {
      if (!nodes.has(pascal(target)) && !withViews.includes(byName.get(target)!)) nodes.set(pascal(target), '{}');
      edges.push(`${names.get(`${e.name}.${f}`)}: { from: '${pascal(e.name)}', to: '${pascal(target)}' }`);
    }
  }
  const nodeText = [...nodes].map(([label, props]) => `${label}: ${props}`);
  return `{\n  nodes: { ${nodeText.join(', ')} },\n  edges: { ${edges.join(', ')} },\n}`;
}

// Names an entity's constant may not take: reserved words and the module's own bindings.
const TAKEN = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined ' +
    'z join graph dataDir process createPolystore defineEntity defineKeyspace cacheView searchView graphView ' +
    'analyticsView pgliteHome lmdbStore oramaStore kuzuStore duckdbStore'
  ).split(' '),
);

/** The constant holding an entity: its name, unless that is taken. */
function variable(name: string): string {
  return TAKEN.has(name) ? `${name}Entity` : name;
}

/** `order_lines` -> `OrderLines`. */
function pascal(name: string): string {
  return name.replace(/(^|_)([a-z0-9])/gi, (_m, _s, c: string) => c.toUpperCase());
}

/** `followerId` -> `FOLLOWER`, `product_id` -> `PRODUCT`. */
function edgeType(field: string): string {
  return field
    .replace(/_?[Ii]d$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\*\//g, '*\\/').trim();
}
