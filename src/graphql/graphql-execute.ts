import type * as Gql from 'graphql';
import { isPolystoreError } from '../errors/index.js';
import type { AnyPolystore } from '../http/http-context.js';
import { describeError } from '../runtime/logger.js';
import { GraphqlRequestContext } from './graphql-context.js';
import { graphqlSchema, importGraphql } from './graphql-schema.js';

/** One GraphQL request: the document, its variables and the operation to run. */
export interface GraphqlRequest {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>> | null;
  readonly operationName?: string | null;
}

/** An error as the response carries it: its catalogue code, the field it is about, and the fix. */
export interface GraphqlErrorJson {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  readonly extensions: { readonly code: string; readonly field?: string; readonly fix?: string };
}

export interface GraphqlResponse {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphqlErrorJson[];
}

export interface GraphqlExecuteOptions {
  /** The schema to run against (default: `graphqlSchema(db)` with no options, built once per instance). */
  readonly schema?: Gql.GraphQLSchema;
  /** Throws a coded error unless the caller holds a scope (default: everything allowed, as in-process code is). */
  readonly authorize?: (scope: string) => void;
}

const DEFAULT_SCHEMAS = new WeakMap<AnyPolystore, Promise<Gql.GraphQLSchema>>();

/** Documents that parsed and validated, per schema, by their text: a repeated query skips both. */
const VALID_DOCUMENTS = new WeakMap<Gql.GraphQLSchema, Map<string, Gql.DocumentNode>>();
const MAX_CACHED_DOCUMENTS = 200;

/**
 * Runs a GraphQL request in-process, through the same routing as the HTTP
 * API: reads by id through the cache in batches, lists and counts from the
 * home, search, graph and analytics from their views. Errors come back in
 * `errors` with `extensions: { code, field, fix }` (a document that does not
 * parse or validate: `PS_ERR_GRAPHQL_DOCUMENT`, with no `data`).
 *
 * @example
 * const schema = await graphqlSchema(db, { relations: { users: { orders: { entity: 'orders', foreignKey: 'userId' } } } });
 * const { data, errors } = await graphqlExecute(db, { query: '{ users(id: "u1") { name orders { total } } }' }, { schema });
 */
export async function graphqlExecute(
  db: AnyPolystore,
  request: GraphqlRequest,
  options: GraphqlExecuteOptions = {},
): Promise<GraphqlResponse> {
  const gql = await importGraphql();
  let schema = options.schema;
  if (!schema) {
    let pending = DEFAULT_SCHEMAS.get(db);
    if (!pending) {
      pending = graphqlSchema(db);
      DEFAULT_SCHEMAS.set(db, pending);
      pending.catch(() => DEFAULT_SCHEMAS.delete(db));
    }
    schema = await pending;
  }
  let documents = VALID_DOCUMENTS.get(schema);
  if (!documents) {
    documents = new Map();
    VALID_DOCUMENTS.set(schema, documents);
  }
  let document = documents.get(request.query);
  if (!document) {
    try {
      document = gql.parse(request.query);
    } catch (err) {
      return { errors: [documentError(err as Gql.GraphQLError)] };
    }
    const invalid = gql.validate(schema, document);
    if (invalid.length > 0) return { errors: invalid.map(documentError) };
    // The oldest goes first: a fixed set of application queries stays cached, ad-hoc ones pass through.
    if (documents.size >= MAX_CACHED_DOCUMENTS) documents.delete(documents.keys().next().value!);
    documents.set(request.query, document);
  }
  const result = await gql.execute({
    schema,
    document,
    variableValues: request.variables ?? undefined,
    operationName: request.operationName ?? undefined,
    contextValue: new GraphqlRequestContext(db, options.authorize ?? (() => undefined)),
  });
  if (!result.errors) return { data: result.data ?? null };
  // No data at all: the request failed before execution (its variables did not coerce).
  if (result.data === undefined) return { errors: result.errors.map(documentError) };
  return {
    data: result.data ?? null,
    errors: result.errors.map((err) => fieldError(err, db)),
  };
}

/** True when a response failed before execution (its document did not parse or validate). */
export function isDocumentFailure(response: GraphqlResponse): boolean {
  return response.data === undefined && (response.errors?.length ?? 0) > 0;
}

function documentError(err: Gql.GraphQLError): GraphqlErrorJson {
  return {
    message: withoutValues(err.message),
    ...(err.locations ? { locations: err.locations } : {}),
    extensions: { code: 'PS_ERR_GRAPHQL_DOCUMENT', fix: 'fix the GraphQL document or variables as the message says' },
  };
}

/** GraphQL's message without the values it quotes (a rejected variable or literal may be a secret). */
function withoutValues(message: string): string {
  return message
    .replace(/ got invalid value .*/s, ' got an invalid value for its type.')
    .replace(/(cannot represent [^:]*value): .*/s, '$1.')
    .replace(/, found .*/s, '.');
}

function fieldError(err: Gql.GraphQLError, db: AnyPolystore): GraphqlErrorJson {
  const cause = err.originalError ?? err;
  const where = {
    ...(err.path ? { path: err.path } : {}),
    ...(err.locations ? { locations: err.locations } : {}),
  };
  if (isPolystoreError(cause)) {
    const suffix = cause.fix ? `. Fix: ${cause.fix}` : '';
    const message = suffix && cause.message.endsWith(suffix) ? cause.message.slice(0, -suffix.length) : cause.message;
    return {
      message,
      ...where,
      extensions: {
        code: cause.code,
        ...(cause.field ? { field: cause.field } : {}),
        ...(cause.fix ? { fix: cause.fix } : {}),
      },
    };
  }
  if (!err.originalError || err.originalError.name === 'GraphQLError') {
    // GraphQL's own: a stored value the field's type cannot carry, a null in a non-null field.
    return {
      message: withoutValues(err.message),
      ...where,
      extensions: {
        code: 'PS_ERR_INTERNAL',
        fix: 'the stored records and the generated schema disagree on this field',
      },
    };
  }
  db.model.logger.error({ error: describeError(cause) }, 'graphql field failed unexpectedly');
  return {
    message: 'The server failed to resolve this field',
    ...where,
    extensions: { code: 'PS_ERR_INTERNAL', fix: 'see the server log for the cause' },
  };
}
