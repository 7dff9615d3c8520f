import type * as Gql from 'graphql';
import type { JsonSchema } from '../http/entity-json-schema.js';
import { wireJsonSchema } from '../http/entity-json-schema.js';
import { jsonSafe } from '../http/query-routes.js';
import type { AnyEntity } from '../polystore-config.js';

export type GraphqlModule = typeof Gql;

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
const INT32 = 2 ** 31 - 1;

/** A GraphQL type name for an entity: `order_lines` gives `OrderLines`. */
export function typeNameOf(entity: string): string {
  const name = entity
    .split(/[^0-9A-Za-z]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
  return /^[A-Za-z_]/.test(name) ? name : `E${name}`;
}

/** The `JSON` scalar: any JSON value in and out (dates as ISO strings, exact bigints as numbers, others as strings). */
export function jsonScalar(gql: GraphqlModule): Gql.GraphQLScalarType {
  return new gql.GraphQLScalarType({
    name: 'JSON',
    description: 'Any JSON value.',
    serialize: (value) => jsonSafe(value),
    parseValue: (value) => value,
    parseLiteral: (ast, variables) => gql.valueFromASTUntyped(ast, variables),
  });
}

/**
 * An entity's own fields, from the JSON Schema of its records: strings,
 * booleans and numbers as GraphQL scalars (integers as `Int` only when the
 * schema bounds them to 32 bits, else `Float`), arrays of those as lists, and
 * everything else (nested objects, arrays of objects, unions) as `JSON`.
 * Dates are ISO strings. `$version` is `_version`. Fields whose names GraphQL
 * cannot carry are left out. Every field but the id is nullable: a record
 * written before a field was added may lack it.
 */
export function ownFields(
  gql: GraphqlModule,
  entity: AnyEntity,
  json: Gql.GraphQLScalarType,
): Gql.GraphQLFieldConfigMap<Record<string, unknown>, unknown> {
  const schema = wireJsonSchema(entity.schema, 'output', '#');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const fields: Gql.GraphQLFieldConfigMap<Record<string, unknown>, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    if (!NAME.test(name)) continue;
    const type = outputType(gql, property, json);
    fields[name] = {
      type: name === entity.idField ? new gql.GraphQLNonNull(type) : type,
      resolve: (record) => wireValue(record[name]),
    };
  }
  if (!fields[entity.idField] && NAME.test(entity.idField))
    fields[entity.idField] = { type: new gql.GraphQLNonNull(gql.GraphQLID) };
  fields._version = { type: new gql.GraphQLNonNull(gql.GraphQLInt), resolve: (record) => record.$version };
  return fields;
}

function outputType(gql: GraphqlModule, schema: JsonSchema, json: Gql.GraphQLScalarType): Gql.GraphQLOutputType {
  const scalar = scalarType(gql, schema);
  if (scalar) return scalar;
  if (schema.type === 'array' && typeof schema.items === 'object' && schema.items !== null) {
    const item = scalarType(gql, schema.items as JsonSchema);
    if (item) return new gql.GraphQLList(item);
  }
  return json;
}

function scalarType(gql: GraphqlModule, schema: JsonSchema): Gql.GraphQLScalarType | null {
  switch (schema.type) {
    case 'string':
      return gql.GraphQLString;
    case 'boolean':
      return gql.GraphQLBoolean;
    case 'number':
      return gql.GraphQLFloat;
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -Infinity;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
      return min >= -INT32 - 1 && max <= INT32 ? gql.GraphQLInt : gql.GraphQLFloat;
    }
    default:
      return null;
  }
}

/** A stored value as the wire carries it: dates as ISO strings, bigints as decimal strings. */
function wireValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(wireValue);
  return value;
}

/** Reads the ids at a path of a record: `userId`, `owner.id`, `items[].productId` (each element's field). */
export function idsAt(record: unknown, path: string): string[] {
  let values: unknown[] = [record];
  for (const part of path.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    values = values.flatMap((value) => {
      const inner = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      return many ? (Array.isArray(inner) ? inner : []) : [inner];
    });
  }
  return values.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
}
