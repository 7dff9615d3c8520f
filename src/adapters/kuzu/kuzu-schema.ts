import type { GraphPropertyType, GraphSchemaSpec } from '../../contracts/graph-store.js';
import { PolystoreError } from '../../errors/index.js';
import { assertIdentifier } from '../../runtime/identifier.js';
import { cypherName, type KuzuSession } from './kuzu-session.js';

/** Properties in a fixed order: statements and encoded rows rely on it. */
export type PropertyList = readonly (readonly [name: string, type: GraphPropertyType])[];

export interface NodeTable {
  readonly label: string;
  readonly properties: PropertyList;
}

export interface RelTable {
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly properties: PropertyList;
}

/** What the store knows about the graph's tables, built by `ensureSchema`. */
export interface KuzuSchema {
  readonly nodes: ReadonlyMap<string, NodeTable>;
  readonly edges: ReadonlyMap<string, RelTable>;
}

export const EMPTY_SCHEMA: KuzuSchema = { nodes: new Map(), edges: new Map() };

const KUZU_TYPES: Record<GraphPropertyType, string> = {
  string: 'STRING',
  int64: 'INT64',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};
/** How `table_info` spells each type. */
const CATALOG_TYPES: Record<GraphPropertyType, string> = {
  string: 'STRING',
  int64: 'INT64',
  double: 'DOUBLE',
  boolean: 'BOOL',
};

/** The Kuzu type of a declared property, for DDL and casts. */
export function kuzuType(type: GraphPropertyType): string {
  return KUZU_TYPES[type];
}

/**
 * Merges `spec` into what the store already knows and creates whatever is
 * missing in the database. A spec the store already knows is a no-op without
 * any statement; a conflicting redeclaration throws `PS_ERR_INVALID_CONFIG`.
 */
export async function ensureKuzuSchema(
  session: KuzuSession,
  known: KuzuSchema,
  spec: GraphSchemaSpec,
): Promise<KuzuSchema> {
  const merged = mergeSchema(known, readSpec(spec));
  const newNodes = [...merged.nodes.values()].filter((table) => !sameTable(known.nodes.get(table.label), table));
  const newEdges = [...merged.edges.values()].filter((table) => !sameTable(known.edges.get(table.type), table));
  if (newNodes.length === 0 && newEdges.length === 0) return known;

  const nodes = new Map(merged.nodes);
  for (const table of newNodes) {
    const columns = table.properties.map(([name, type]) => `, ${cypherName(name)} ${kuzuType(type)}`).join('');
    await session.runOnce(
      `CREATE NODE TABLE IF NOT EXISTS ${cypherName(table.label)}(id STRING${columns}, PRIMARY KEY(id))`,
    );
    nodes.set(table.label, {
      label: table.label,
      properties: await reconcileProperties(session, table.label, table.properties),
    });
  }
  const edges = new Map(merged.edges);
  for (const table of newEdges) {
    const columns = table.properties.map(([name, type]) => `, ${cypherName(name)} ${kuzuType(type)}`).join('');
    await session.runOnce(
      `CREATE REL TABLE IF NOT EXISTS ${cypherName(table.type)}(FROM ${cypherName(table.from)} TO ${cypherName(table.to)}, _owner STRING${columns})`,
    );
    await checkEndpoints(session, table);
    edges.set(table.type, { ...table, properties: await reconcileProperties(session, table.type, table.properties) });
  }
  session.resetStatements();
  return { nodes, edges };
}

function readSpec(spec: GraphSchemaSpec): KuzuSchema {
  const nodes = new Map<string, NodeTable>();
  for (const [label, properties] of Object.entries(spec.nodes)) {
    assertTableName(label, 'node label');
    nodes.set(label, { label, properties: readProperties(properties, 'id', `node property of ${label}`) });
  }
  const edges = new Map<string, RelTable>();
  for (const [type, edge] of Object.entries(spec.edges)) {
    assertTableName(type, 'edge type');
    const from = assertIdentifier(edge.from, `source label of ${type}`);
    const to = assertIdentifier(edge.to, `target label of ${type}`);
    edges.set(type, {
      type,
      from,
      to,
      properties: readProperties(edge.properties ?? {}, '_owner', `edge property of ${type}`),
    });
  }
  return { nodes, edges };
}

function readProperties(
  properties: Readonly<Record<string, GraphPropertyType>>,
  reserved: string,
  what: string,
): PropertyList {
  return Object.entries(properties).map(([name, type]) => {
    assertIdentifier(name, what);
    if (name === reserved) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The ${what} "${name}" is reserved by the kuzu store`, {
        field: name,
        fix: reserved === 'id' ? 'every node already has a string `id` primary key; remove it' : 'rename the property',
      });
    }
    if (!Object.hasOwn(KUZU_TYPES, type)) {
      throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The ${what} "${name}" has an unsupported type`, {
        field: name,
        fix: 'use one of string, int64, double, boolean',
      });
    }
    return [name, type] as const;
  });
}

function assertTableName(name: string, what: string): void {
  assertIdentifier(name, what);
  if (name.startsWith('_Ps')) {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', `The ${what} "${name}" uses the reserved prefix "_Ps"`, {
      field: name,
      fix: 'rename it; names starting with `_Ps` belong to the store',
    });
  }
}

function mergeSchema(known: KuzuSchema, spec: KuzuSchema): KuzuSchema {
  const nodes = new Map(known.nodes);
  for (const table of spec.nodes.values()) {
    nodes.set(table.label, { label: table.label, properties: mergeProperties(nodes.get(table.label), table) });
  }
  const edges = new Map(known.edges);
  for (const table of spec.edges.values()) {
    for (const label of [table.from, table.to]) {
      if (!nodes.has(label)) {
        throw new PolystoreError(
          'PS_ERR_INVALID_CONFIG',
          `The edge type "${table.type}" connects the undeclared label "${label}"`,
          {
            field: table.type,
            fix: 'declare the label under `nodes` in the same or an earlier ensureSchema call',
          },
        );
      }
    }
    const before = edges.get(table.type);
    if (before && (before.from !== table.from || before.to !== table.to)) {
      throw conflict(`The edge type "${table.type}" was declared before with other endpoints`, table.type);
    }
    edges.set(table.type, { ...table, properties: mergeProperties(before, table) });
  }
  return { nodes, edges };
}

function mergeProperties(
  before: { readonly properties: PropertyList } | undefined,
  table: NodeTable | RelTable,
): PropertyList {
  const merged = new Map(before?.properties ?? []);
  for (const [name, type] of table.properties) {
    const previous = merged.get(name);
    if (previous !== undefined && previous !== type) {
      throw conflict(`The property "${name}" was declared before with type ${previous}`, name);
    }
    merged.set(name, type);
  }
  return [...merged];
}

function sameTable(
  a: { readonly properties: PropertyList } | undefined,
  b: { readonly properties: PropertyList },
): boolean {
  return (
    a !== undefined &&
    a.properties.length === b.properties.length &&
    a.properties.every(([n, t], i) => b.properties[i]?.[0] === n && b.properties[i]?.[1] === t)
  );
}

/**
 * Adds declared properties an existing table lacks, refuses a changed type,
 * and returns every property the table has, including ones only an earlier
 * spec declared (applies then write them as null).
 */
async function reconcileProperties(session: KuzuSession, table: string, declared: PropertyList): Promise<PropertyList> {
  const rows = await session.runOnce(`CALL table_info('${table}') RETURN name, type`);
  const existing = rows
    .map((row) => [String(row.name), String(row.type)] as const)
    .filter(([name]) => name !== 'id' && name !== '_owner');
  const properties: (readonly [string, GraphPropertyType])[] = existing.map(([name, catalogType]) => {
    const type = fromCatalogType(catalogType);
    const wanted = declared.find(([declaredName]) => declaredName === name)?.[1];
    if (type === undefined || (wanted !== undefined && wanted !== type)) {
      throw conflict(
        `The property "${name}" of "${table}" already exists in the database with type ${catalogType}`,
        name,
      );
    }
    return [name, type] as const;
  });
  for (const [name, type] of declared) {
    if (properties.some(([existingName]) => existingName === name)) continue;
    await session.runOnce(`ALTER TABLE ${cypherName(table)} ADD IF NOT EXISTS ${cypherName(name)} ${kuzuType(type)}`);
    properties.push([name, type]);
  }
  return properties;
}

function fromCatalogType(catalogType: string): GraphPropertyType | undefined {
  return (Object.keys(CATALOG_TYPES) as GraphPropertyType[]).find((type) => CATALOG_TYPES[type] === catalogType);
}

async function checkEndpoints(session: KuzuSession, table: RelTable): Promise<void> {
  const rows = await session.runOnce(`CALL show_connection('${table.type}') RETURN *`);
  const matches = rows.some(
    (row) => row['source table name'] === table.from && row['destination table name'] === table.to,
  );
  if (!matches)
    throw conflict(`The edge type "${table.type}" already exists in the database with other endpoints`, table.type);
}

function conflict(message: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, {
    field,
    fix: 'keep a declared name with its original type and endpoints, or use a new name',
  });
}
