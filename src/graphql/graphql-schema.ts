import type * as Gql from 'graphql';
import { PolystoreError } from '../errors/index.js';
import type { AnyPolystore } from '../http/http-context.js';
import { TOKEN } from '../http/wire-format.js';
import type { Filter } from '../model/parse-filter.js';
import type { ReadConsistency, ReadOptions } from '../router/read-options.js';
import { importDriver } from '../runtime/import-driver.js';
import { type GraphqlModule, jsonScalar, ownFields, typeNameOf } from './entity-fields.js';
import type { GraphqlRequestContext } from './graphql-context.js';
import {
  type AnalyticsFieldSpec,
  analyticsParams,
  checkGraphqlOptions,
  type GraphqlOptions,
} from './graphql-options.js';
import { graphFields, relatedFilter, relationFields } from './relation-fields.js';

type Row = Record<string, unknown>;
type Fields = Gql.GraphQLFieldConfigMap<unknown, GraphqlRequestContext>;
interface ReadArgs {
  consistency?: ReadConsistency | null;
  after?: string | null;
  maxStalenessMs?: number | null;
}

/** Loads the optional `graphql` package. */
export function importGraphql(): Promise<GraphqlModule> {
  return importDriver('graphql', () => import('graphql'));
}

/**
 * A GraphQL schema over the model's entities, routing each field to the
 * store that suits it. Per entity (type `Users` for `users`):
 * - `users(id)`: one record by id through the cache (batched `getMany`);
 * - `usersList(filter, related, orderBy, limit, offset)` and `usersCount(filter, related)`: the home;
 * - `usersSearch(text, where, limit, offset)`: the search view, when there is one.
 * Every root field takes `consistency`, `after` and `maxStalenessMs`; nested
 * fields read as their root field asked. `options` adds relations, graph
 * fields and analytics root fields. Needs the optional `graphql` package.
 *
 * @example
 * const schema = await graphqlSchema(db, {
 *   relations: { users: { orders: { entity: 'orders', foreignKey: 'userId' } } },
 *   analytics: { revenueByCategory: { store: 'analytics', sql: REVENUE_BY_CATEGORY } },
 * });
 * const result = await graphqlExecute(db, { query: '{ users(id: "u1") { name orders { total } } }' }, { schema });
 */
export async function graphqlSchema(db: AnyPolystore, options: GraphqlOptions = {}): Promise<Gql.GraphQLSchema> {
  const gql = await importGraphql();
  const entities = new Map(db.model.entities.map((e) => [e.name, e]));
  const stores = new Map(Object.entries(db.model.stores).map(([name, store]) => [name, store.kind as string]));
  checkGraphqlOptions(options, new Set(entities.keys()), stores);
  const json = jsonScalar(gql);
  const types = new Map<string, Gql.GraphQLObjectType>();
  for (const entity of entities.values()) {
    types.set(
      entity.name,
      new gql.GraphQLObjectType<Row, GraphqlRequestContext>({
        name: typeNameOf(entity.name),
        description: `A record of the entity \`${entity.name}\`.`,
        fields: () => {
          const own = ownFields(gql, entity, json);
          const added = {
            ...relationFields(gql, options.relations?.[entity.name] ?? {}, types, entity.idField),
            ...graphFields(gql, entity.name, options.graph?.[entity.name] ?? {}, types, json, entity.idField),
          };
          for (const name of Object.keys(added)) if (own[name]) throw clash(`${entity.name}.${name}`, 'field');
          return { ...own, ...added };
        },
      }),
    );
  }
  const consistency = new gql.GraphQLEnumType({
    name: 'Consistency',
    values: {
      EVENTUAL: { value: 'eventual' },
      READ_YOUR_WRITES: { value: 'read-your-writes' },
      STRONG: { value: 'strong' },
    },
  });
  const readArgs: Gql.GraphQLFieldConfigArgumentMap = {
    consistency: { type: consistency },
    after: { type: gql.GraphQLString, description: 'A write token to read after (read-your-writes).' },
    maxStalenessMs: { type: gql.GraphQLInt },
  };
  const searchable = new Set(db.views.filter(({ view }) => view.kind === 'search').map(({ view }) => view.entity));
  const fields: Fields = {};
  for (const entity of entities.values()) {
    const name = entity.name;
    const type = types.get(name)!;
    const relations = options.relations?.[name] ?? {};
    const list = new gql.GraphQLNonNull(new gql.GraphQLList(new gql.GraphQLNonNull(type)));
    const read = (ctx: GraphqlRequestContext) => ctx.authorize(`entity:${name}:read`);
    const homeFilter = async (ctx: GraphqlRequestContext, args: Row) => {
      const through = await relatedFilter(ctx, name, entity.idField, relations, args.related);
      const own = (args.filter ?? null) as Filter | null;
      return own && through ? { $and: [own, through] } : (own ?? through ?? {});
    };
    fields[name] = {
      type,
      args: { id: { type: new gql.GraphQLNonNull(gql.GraphQLID) }, ...readArgs },
      resolve: (_root, args: ReadArgs & { id: string }, ctx) => {
        read(ctx);
        return ctx.byId(name, readOptions(args)).load(args.id);
      },
    };
    fields[`${name}List`] = {
      type: list,
      args: {
        filter: {
          type: json,
          description: 'A Mongo-style filter ($eq $ne $gt $gte $lt $lte $in $nin $exists $and $or).',
        },
        related: { type: json, description: 'Filters on declared relations: { relation: filter }.' },
        orderBy: { type: json, description: '{ field: "asc" | "desc" }' },
        limit: { type: gql.GraphQLInt },
        offset: { type: gql.GraphQLInt },
        ...readArgs,
      },
      resolve: async (_root, args: ReadArgs & Row, ctx) => {
        read(ctx);
        const rows = await ctx.db.entity(name).find(await homeFilter(ctx, args), {
          ...(args.limit == null ? {} : { limit: args.limit as number }),
          ...(args.offset == null ? {} : { offset: args.offset as number }),
          ...(args.orderBy == null ? {} : { orderBy: args.orderBy as Record<string, 'asc' | 'desc'> }),
        });
        return ctx.tag(rows as Row[], readOptions(args));
      },
    };
    fields[`${name}Count`] = {
      type: new gql.GraphQLNonNull(gql.GraphQLInt),
      args: { filter: { type: json }, related: { type: json }, ...readArgs },
      resolve: async (_root, args: ReadArgs & Row, ctx) => {
        read(ctx);
        return ctx.db.entity(name).count(await homeFilter(ctx, args));
      },
    };
    if (searchable.has(name)) fields[`${name}Search`] = searchField(gql, name, type, json, readArgs);
  }
  for (const [name, spec] of Object.entries(options.analytics ?? {})) {
    if (fields[name]) throw clash(`analytics.${name}`, 'root field');
    fields[name] = analyticsField(gql, name, spec, json, readArgs);
  }
  const schema = new gql.GraphQLSchema({ query: new gql.GraphQLObjectType({ name: 'Query', fields }) });
  // Two types of one name (an entity named like a generated type) or a relation shadowing a field fail here.
  const problems = gql.validateSchema(schema);
  if (problems.length > 0)
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'The generated GraphQL schema is not valid', {
      field: 'graphql',
      fix: `rename what clashes: ${problems.map((p) => p.message).join('; ')}`,
    });
  return schema;
}

function clash(field: string, what: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', `This ${what} has the name of a generated one`, {
    field,
    fix: 'give it another name',
  });
}

function searchField(
  gql: GraphqlModule,
  name: string,
  type: Gql.GraphQLObjectType,
  json: Gql.GraphQLScalarType,
  readArgs: Gql.GraphQLFieldConfigArgumentMap,
): Gql.GraphQLFieldConfig<unknown, GraphqlRequestContext> {
  const hit = new gql.GraphQLObjectType({
    name: `${type.name}SearchHit`,
    fields: {
      score: { type: new gql.GraphQLNonNull(gql.GraphQLFloat) },
      record: { type: new gql.GraphQLNonNull(type) },
    },
  });
  const result = new gql.GraphQLObjectType({
    name: `${type.name}SearchResult`,
    fields: {
      total: { type: new gql.GraphQLNonNull(gql.GraphQLInt) },
      hits: { type: new gql.GraphQLNonNull(new gql.GraphQLList(new gql.GraphQLNonNull(hit))) },
    },
  });
  return {
    type: new gql.GraphQLNonNull(result),
    args: {
      text: { type: gql.GraphQLString },
      where: { type: json, description: 'Filters on the search view fields.' },
      limit: { type: gql.GraphQLInt },
      offset: { type: gql.GraphQLInt },
      ...readArgs,
    },
    resolve: async (_root, args: ReadArgs & Row, ctx) => {
      ctx.authorize(`entity:${name}:read`);
      const options = readOptions(args);
      const found = await ctx.db.entity(name).search(
        {
          ...(args.text == null ? {} : { text: args.text as string }),
          ...(args.where == null ? {} : { where: args.where as never }),
          ...(args.limit == null ? {} : { limit: args.limit as number }),
          ...(args.offset == null ? {} : { offset: args.offset as number }),
        },
        options,
      );
      ctx.tag(
        found.hits.map((h) => h.record as object),
        options,
      );
      return found;
    },
  };
}

function analyticsField(
  gql: GraphqlModule,
  name: string,
  spec: AnalyticsFieldSpec,
  json: Gql.GraphQLScalarType,
  readArgs: Gql.GraphQLFieldConfigArgumentMap,
): Gql.GraphQLFieldConfig<unknown, GraphqlRequestContext> {
  const scalar = (type: string): Gql.GraphQLScalarType =>
    ({ String: gql.GraphQLString, Int: gql.GraphQLInt, Float: gql.GraphQLFloat, Boolean: gql.GraphQLBoolean })[type] ??
    json;
  const row = spec.columns
    ? new gql.GraphQLObjectType({
        name: `${name[0]!.toUpperCase()}${name.slice(1)}Row`,
        fields: Object.fromEntries(
          Object.entries(spec.columns).map(([column, type]) => [column, { type: scalar(type) }]),
        ),
      })
    : json;
  const args = Object.fromEntries(Object.entries(spec.args ?? {}).map(([arg, type]) => [arg, { type: scalar(type) }]));
  return {
    type: new gql.GraphQLNonNull(new gql.GraphQLList(new gql.GraphQLNonNull(row))),
    ...(spec.description ? { description: spec.description } : {}),
    args: { ...args, ...readArgs },
    resolve: async (_root, fieldArgs: ReadArgs & Row, ctx) => {
      ctx.authorize(`analytics:${spec.store}:query`);
      const rows = await ctx.db
        .analytics(spec.store)
        .query(spec.sql, analyticsParams(spec, fieldArgs), readOptions(fieldArgs));
      // Integers come back as bigints from some engines: as numbers when exact.
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
    },
  };
}

function plain(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  const small = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER);
  return small ? Number(value) : value.toString();
}

/** A root field's read options; the timeout is the model's. */
function readOptions(args: ReadArgs): ReadOptions {
  if (args.maxStalenessMs != null && args.maxStalenessMs < 0)
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'maxStalenessMs must not be negative', {
      field: 'maxStalenessMs',
      fix: 'pass a number of milliseconds, or leave it out',
    });
  if (args.after != null && !TOKEN.test(args.after))
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'Malformed write token', {
      field: 'after',
      fix: "pass the $token of the write (or the HTTP API's x-polystore-token header value)",
    });
  return {
    ...(args.consistency ? { consistency: args.consistency } : {}),
    ...(args.after ? { after: args.after } : {}),
    ...(args.maxStalenessMs == null ? {} : { maxStalenessMs: args.maxStalenessMs }),
  };
}
