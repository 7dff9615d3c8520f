import type { AnalyticsValue } from '../contracts/analytics-store.js';
import type { GraphValue } from '../contracts/graph-store.js';
import { PolystoreError } from '../errors/index.js';

/**
 * A field from one entity to records of another.
 * - `foreignKey`: the other entity's records whose `foreignKey` field holds
 *   this record's id (a list; loaded from the home with one `find` and `$in`
 *   per level of the request).
 * - `from`: the ids this record names, at a path (`userId`, or `items[].productId`
 *   for a field of each element of an array); loaded by id through the
 *   other entity's cache with one `getMany` per level. A path through `[]`
 *   gives a list, a plain path one record (or null).
 */
export type RelationSpec =
  | { readonly entity: string; readonly foreignKey: string; readonly from?: never }
  | { readonly entity: string; readonly from: string; readonly foreignKey?: never };

/**
 * A field answered by a Cypher query on a graph store. Batched: `ids` names
 * the list parameter that receives the ids of every parent of the level and
 * the query returns a `key` column naming the parent of each row (one query
 * per level). Unbatched: `id` names the parameter of the parent's id (one
 * query per parent). With `entity`, each row's `id` column is read as a record
 * of that entity through its cache; else rows are returned as JSON.
 */
export interface GraphFieldSpec {
  readonly store: string;
  readonly cypher: string;
  readonly ids?: string;
  readonly id?: string;
  readonly entity?: string;
  /** More parameters, the same for every call. */
  readonly params?: Readonly<Record<string, GraphValue>>;
  /** Rows kept per parent when the field's `limit` argument is not given (default 10). */
  readonly defaultLimit?: number;
}

export type AnalyticsColumnType = 'String' | 'Int' | 'Float' | 'Boolean' | 'JSON';

/**
 * A root query field answered by SQL on an analytics store. `args` are its
 * arguments, passed to the SQL as `$1, $2, ...` in their declared order.
 * With `columns` the rows get an object type; else they are JSON.
 */
export interface AnalyticsFieldSpec {
  readonly store: string;
  readonly sql: string;
  readonly args?: Readonly<Record<string, AnalyticsColumnType>>;
  readonly columns?: Readonly<Record<string, AnalyticsColumnType>>;
  readonly description?: string;
}

/** What `graphqlSchema` adds to the entities' own fields. */
export interface GraphqlOptions {
  /** Per entity, relation fields by name. */
  readonly relations?: Readonly<Record<string, Readonly<Record<string, RelationSpec>>>>;
  /** Per entity, graph-backed fields by name. */
  readonly graph?: Readonly<Record<string, Readonly<Record<string, GraphFieldSpec>>>>;
  /** Root fields backed by analytics SQL, by name. */
  readonly analytics?: Readonly<Record<string, AnalyticsFieldSpec>>;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Checks the options against the model and throws `PS_ERR_INVALID_CONFIG` naming the first wrong field. */
export function checkGraphqlOptions(
  options: GraphqlOptions,
  entities: ReadonlySet<string>,
  stores: ReadonlyMap<string, string>,
): void {
  const invalid = (field: string, message: string, fix: string) => {
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', message, { field, fix });
  };
  const known = (field: string, name: string, set: ReadonlySet<string>, what: string) => {
    if (!set.has(name)) invalid(field, `No ${what} of this model has this name`, `use one of ${[...set].join(', ')}`);
  };
  const store = (field: string, name: string, kind: string) => {
    if (stores.get(name) !== kind)
      invalid(field, `No ${kind} store of this model has this name`, `name a configured ${kind} store`);
  };
  const fieldName = (field: string, name: string) => {
    if (!NAME.test(name)) invalid(field, 'A GraphQL field name must match [_A-Za-z][_0-9A-Za-z]*', 'rename the field');
  };
  for (const [owner, fields] of Object.entries(options.relations ?? {})) {
    known(`relations.${owner}`, owner, entities, 'entity');
    for (const [name, spec] of Object.entries(fields)) {
      const at = `relations.${owner}.${name}`;
      fieldName(at, name);
      known(`${at}.entity`, spec.entity, entities, 'entity');
      if ((spec.foreignKey === undefined) === (spec.from === undefined))
        invalid(at, 'A relation needs exactly one of foreignKey and from', 'set foreignKey or from');
    }
  }
  for (const [owner, fields] of Object.entries(options.graph ?? {})) {
    known(`graph.${owner}`, owner, entities, 'entity');
    for (const [name, spec] of Object.entries(fields)) {
      const at = `graph.${owner}.${name}`;
      fieldName(at, name);
      if (options.relations?.[owner]?.[name])
        invalid(at, 'A graph field has the name of a relation of the same entity', 'give one of them another name');
      store(`${at}.store`, spec.store, 'graph');
      if (spec.entity !== undefined) known(`${at}.entity`, spec.entity, entities, 'entity');
      if ((spec.ids === undefined) === (spec.id === undefined))
        invalid(at, 'A graph field needs exactly one of ids (batched) and id', 'set ids or id');
    }
  }
  for (const [name, spec] of Object.entries(options.analytics ?? {})) {
    fieldName(`analytics.${name}`, name);
    store(`analytics.${name}.store`, spec.store, 'analytics');
    for (const arg of Object.keys(spec.args ?? {})) fieldName(`analytics.${name}.args.${arg}`, arg);
    for (const column of Object.keys(spec.columns ?? {})) fieldName(`analytics.${name}.columns.${column}`, column);
  }
}

/** Positional SQL parameters from a field's arguments, in declared order. */
export function analyticsParams(spec: AnalyticsFieldSpec, args: Record<string, unknown>): AnalyticsValue[] {
  return Object.keys(spec.args ?? {}).map((name) => (args[name] ?? null) as AnalyticsValue);
}
