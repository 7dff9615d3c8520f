import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { graphqlExecute, isDocumentFailure } from '../graphql/graphql-execute.js';
import type { GraphqlOptions } from '../graphql/graphql-options.js';
import { graphqlSchema } from '../graphql/graphql-schema.js';
import { grants } from './api-keys.js';
import { type HttpContext, principalOf, send } from './http-context.js';
import { badParameter } from './http-errors.js';
import { objectBody } from './wire-format.js';

/**
 * `POST /graphql` with `{ query, variables?, operationName? }`: the schema
 * of `graphqlSchema(db, options)`, built on the first request. A key with
 * `graphql:query` may read every field; any other key reads the fields its
 * read scopes cover (`entity:<name>:read`, `graph:<store>:query`,
 * `analytics:<store>:query`), each other field answering a coded
 * `PS_ERR_FORBIDDEN` error. A document that does not parse or validate gets 400;
 * field errors come back with 200 beside the data, as GraphQL does.
 */
export function graphqlRoutes(app: FastifyInstance, ctx: HttpContext, options: GraphqlOptions): void {
  let schema: Promise<GraphQLSchema> | undefined;
  app.post('/graphql', async (request, reply) => {
    const principal = principalOf(request);
    const body = objectBody(request.body, 'GraphQL request');
    if (typeof body.query !== 'string' || body.query.trim() === '')
      throw badParameter('query', 'The request has no GraphQL document', 'send {"query": "{ ... }"}');
    const variables = body.variables ?? null;
    if (variables !== null && (typeof variables !== 'object' || Array.isArray(variables)))
      throw badParameter('variables', 'variables must be an object', 'send {"variables": {"id": "u1"}}');
    if (body.operationName != null && typeof body.operationName !== 'string')
      throw badParameter('operationName', 'operationName must be a string', 'name an operation of the document');
    schema ??= graphqlSchema(ctx.db, options).catch((err: unknown) => {
      schema = undefined;
      throw err;
    });
    const everything = principal.scopes === null || grants(principal.scopes, 'graphql:query');
    const response = await graphqlExecute(
      ctx.db,
      {
        query: body.query,
        variables: variables as Record<string, unknown> | null,
        operationName: (body.operationName as string | undefined) ?? null,
      },
      {
        schema: await schema,
        authorize: everything ? () => undefined : (scope) => ctx.access.require(principal, scope),
      },
    );
    return send(reply, isDocumentFailure(response) ? 400 : 200, response);
  });
}
