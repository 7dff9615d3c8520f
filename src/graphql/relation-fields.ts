import type * as Gql from 'graphql';
import { PolystoreError } from '../errors/index.js';
import type { Filter } from '../model/parse-filter.js';
import { type GraphqlModule, idsAt } from './entity-fields.js';
import { type GraphqlRequestContext, MAX_IN, MAX_RELATED, tooMany } from './graphql-context.js';
import type { GraphFieldSpec, RelationSpec } from './graphql-options.js';

type Row = Record<string, unknown>;
type Fields = Gql.GraphQLFieldConfigMap<Row, GraphqlRequestContext>;

/**
 * Relation fields of one entity's type: `foreignKey` relations as lists
 * loaded from the home (one `find` per level), `from` relations by id
 * through the target's cache (one `getMany` per level). Nested loads read
 * with the read options of the root field that reached them.
 */
export function relationFields(
  gql: GraphqlModule,
  relations: Readonly<Record<string, RelationSpec>>,
  types: ReadonlyMap<string, Gql.GraphQLObjectType>,
  idField: string,
): Fields {
  const fields: Fields = {};
  for (const [name, spec] of Object.entries(relations)) {
    const target = types.get(spec.entity)!;
    // Nullable: a relation the caller may not read (or that failed) nulls itself, not its parent.
    const list = new gql.GraphQLList(new gql.GraphQLNonNull(target));
    if (spec.foreignKey !== undefined) {
      const foreignKey = spec.foreignKey;
      fields[name] = {
        type: list,
        resolve: (row, _args, ctx) => {
          ctx.authorize(`entity:${spec.entity}:read`);
          return ctx.byForeignKey(spec.entity, foreignKey, ctx.optionsOf(row)).load(String(row[idField]));
        },
      };
    } else {
      const path = spec.from!;
      const many = path.includes('[]');
      fields[name] = {
        type: many ? list : target,
        resolve: async (row, _args, ctx) => {
          ctx.authorize(`entity:${spec.entity}:read`);
          const loader = ctx.byId(spec.entity, ctx.optionsOf(row));
          const ids = [...new Set(idsAt(row, path))];
          if (!many) return ids.length === 0 ? null : loader.load(ids[0]!);
          // A record gone from the target (deleted since) is left out, not an error.
          return (await loader.loadMany(ids)).filter((found) => found !== null);
        },
      };
    }
  }
  return fields;
}

/**
 * Graph-backed fields of one entity's type, with a `limit` argument (rows
 * kept per parent). Batched specs run one Cypher query per level of the
 * request; rows become records of `entity` through its cache when it is set.
 */
export function graphFields(
  gql: GraphqlModule,
  owner: string,
  specs: Readonly<Record<string, GraphFieldSpec>>,
  types: ReadonlyMap<string, Gql.GraphQLObjectType>,
  json: Gql.GraphQLScalarType,
  idField: string,
): Fields {
  const fields: Fields = {};
  for (const [name, spec] of Object.entries(specs)) {
    const item = spec.entity ? types.get(spec.entity)! : json;
    fields[name] = {
      type: new gql.GraphQLList(new gql.GraphQLNonNull(item)),
      args: { limit: { type: gql.GraphQLInt } },
      resolve: async (row, args: { limit?: number | null }, ctx) => {
        ctx.authorize(`graph:${spec.store}:query`);
        const limit = args.limit ?? spec.defaultLimit ?? 10;
        if (!Number.isInteger(limit) || limit < 0 || limit > MAX_RELATED)
          throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', `limit must be an integer from 0 to ${MAX_RELATED}`, {
            field: `${owner}.${name}.limit`,
            fix: 'pass a smaller limit',
          });
        const options = ctx.optionsOf(row);
        const id = String(row[idField]);
        const rows = spec.ids
          ? await ctx
              .byGraph(`${owner}.${name}`, spec.store, spec.cypher, spec.params ?? {}, spec.ids, options)
              .load(id)
          : await ctx.db.graph(spec.store).query(spec.cypher, { ...spec.params, [spec.id!]: id, limit }, options);
        const kept = rows.slice(0, limit);
        if (!spec.entity) return kept;
        ctx.authorize(`entity:${spec.entity}:read`);
        const records = await ctx.byId(spec.entity, options).loadMany(kept.map((r) => String(r.id)));
        return records.filter((found) => found !== null);
      },
    };
  }
  return fields;
}

/**
 * Turns a `related` argument (`{ user: { country: 'DE' } }`: a filter on the
 * target of a declared relation) into a filter the home answers: the
 * matching target records are found first, then their ids (for a `from`
 * relation) or their foreign keys (for a `foreignKey` relation) become an
 * `$in` on this entity. Limits: at most 1000 matching targets
 * (`PS_ERR_GRAPHQL_TOO_MANY`), `from` paths without `[]`, and no ordering by
 * a related field.
 */
export async function relatedFilter(
  ctx: GraphqlRequestContext,
  owner: string,
  idField: string,
  relations: Readonly<Record<string, RelationSpec>>,
  related: unknown,
): Promise<Filter | null> {
  if (related === undefined || related === null) return null;
  if (typeof related !== 'object' || Array.isArray(related))
    throw invalid(`${owner}.related`, 'related must be an object of relation names to filters');
  const parts: Filter[] = [];
  for (const [name, filter] of Object.entries(related as Record<string, Filter>)) {
    const spec = relations[name];
    if (!spec)
      throw invalid(
        `${owner}.related`,
        'related names no relation of this entity',
        `use one of ${Object.keys(relations).join(', ') || '(none declared)'}`,
      );
    if (spec.from?.includes('[]'))
      throw invalid(`${owner}.related.${name}`, 'A relation through an array cannot filter in the home');
    ctx.authorize(`entity:${spec.entity}:read`);
    const matches = (await ctx.db.entity(spec.entity).find(filter, { limit: MAX_IN + 1 })) as Row[];
    if (matches.length > MAX_IN) throw tooMany(`${owner}.related.${name}`, MAX_IN);
    if (spec.from !== undefined) {
      const targetId = ctx.db.model.entities.find((e) => e.name === spec.entity)!.idField;
      parts.push({ [spec.from]: { $in: matches.map((m) => m[targetId]) } } as Filter);
    } else {
      const keys = [...new Set(matches.map((m) => m[spec.foreignKey!]))].filter((k) => k !== null && k !== undefined);
      parts.push({ [idField]: { $in: keys } } as Filter);
    }
  }
  return parts.length === 1 ? parts[0]! : ({ $and: parts } as Filter);
}

function invalid(field: string, message: string, fix = 'see the GraphQL section of the README'): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field, fix });
}
