import type { GraphFragment, GraphPropertyType, GraphValue } from '../../contracts/graph-store.js';
import type { VersionedChange } from '../../contracts/view-store.js';
import { PolystoreError } from '../../errors/index.js';
import { isIdentifier } from '../../runtime/identifier.js';
import { assertScope, ledgerKey } from './kuzu-ledger.js';
import type { KuzuSchema, PropertyList } from './kuzu-schema.js';

export interface CheckedChange {
  /** Ledger key, also the `_owner` of the edges this change creates. */
  readonly k: string;
  readonly version: number;
  readonly fragment: GraphFragment | null;
}

/**
 * Validates a batch before anything is written: scope, versions, unique keys
 * and every fragment against the declared schema. Messages name labels and
 * properties, never values.
 */
export function checkChanges(
  schema: KuzuSchema,
  scope: string,
  changes: readonly VersionedChange<GraphFragment>[],
): CheckedChange[] {
  assertScope(scope);
  const seen = new Set<string>();
  return changes.map((change) => {
    if (typeof change.key !== 'string' || change.key.length === 0) throw invalid('A change has no string key', 'key');
    if (!Number.isSafeInteger(change.version)) throw invalid('A change version is not a safe integer', 'version');
    if (seen.has(change.key)) throw invalid('A key appears more than once in one applyIfNewer call', 'key');
    seen.add(change.key);
    if (change.value !== null) checkFragment(schema, change.value);
    return { k: ledgerKey(scope, change.key), version: change.version, fragment: change.value };
  });
}

function checkFragment(schema: KuzuSchema, fragment: GraphFragment): void {
  if (!fragment || !Array.isArray(fragment.nodes) || !Array.isArray(fragment.edges)) {
    throw invalid('A graph fragment must have `nodes` and `edges` arrays', 'value');
  }
  for (const node of fragment.nodes) {
    const table = schema.nodes.get(node?.label);
    if (!table) throw undeclared('node label', node?.label);
    if (typeof node.id !== 'string') throw invalid(`A node of label "${table.label}" has no string id`, 'id');
    checkProperties(table.properties, node.properties, table.label);
  }
  for (const edge of fragment.edges) {
    const table = schema.edges.get(edge?.type);
    if (!table) throw undeclared('edge type', edge?.type);
    if (edge.from?.label !== table.from || edge.to?.label !== table.to) {
      throw invalid(`An edge of type "${table.type}" does not connect ${table.from} to ${table.to}`, table.type);
    }
    if (typeof edge.from.id !== 'string' || typeof edge.to.id !== 'string') {
      throw invalid(`An edge of type "${table.type}" has an endpoint without a string id`, table.type);
    }
    checkProperties(table.properties, edge.properties, table.type);
  }
}

function checkProperties(
  declared: PropertyList,
  values: Readonly<Record<string, GraphValue>> | undefined,
  owner: string,
): void {
  if (values === undefined) return;
  for (const [name, value] of Object.entries(values)) {
    const type = declared.find(([declaredName]) => declaredName === name)?.[1];
    if (type === undefined) throw undeclared(`property of "${owner}"`, name);
    if (value !== null && !fitsType(value, type)) {
      throw invalid(`The property "${name}" of "${owner}" does not hold a ${type}`, name);
    }
  }
}

function fitsType(value: GraphValue, type: GraphPropertyType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int64':
      return Number.isSafeInteger(value);
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

export function undeclared(what: string, name: unknown): PolystoreError {
  const shown = typeof name === 'string' && isIdentifier(name) ? `"${name}"` : '(not a valid identifier)';
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', `The ${what} ${shown} is not declared in the graph schema`, {
    field: typeof name === 'string' && isIdentifier(name) ? name : undefined,
    fix: 'declare it with ensureSchema before applying fragments that use it',
  });
}

function invalid(message: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, {
    field,
    fix: 'fix the projector that builds the fragment',
  });
}
