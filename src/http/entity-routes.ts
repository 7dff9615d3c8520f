import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SearchQuery } from '../contracts/search-store.js';
import { PolystoreError } from '../errors/index.js';
import type { AnyEntity } from '../polystore-config.js';
import type { FindOptions } from '../router/entity-reads.js';
import { allow, type HttpContext, send } from './http-context.js';
import { badParameter, unknownName } from './http-errors.js';
import { objectBody, optionalInt, type Query, readOptionsOf, recordJson, TOKEN_HEADER } from './wire-format.js';

type Params = { entity: string; id?: string };
type Versioned = Record<string, unknown> & { $version: number };

/**
 * `/entities/:entity`: create, get, update (PATCH, `expectedVersion`),
 * delete, find (the entity API's filter syntax), count and search, with the
 * read consistency as query parameters and each write's token in the
 * `x-polystore-token` response header. Scopes `entity:<name>:read|write`.
 */
export function entityRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const open = (request: FastifyRequest, access: 'read' | 'write') => {
    const { entity } = request.params as Params;
    allow(ctx, request, `entity:${entity}:${access}`);
    const def = ctx.entities.get(entity);
    if (!def) throw unknownName('entity', ctx.entities.keys());
    return { def, client: ctx.db.entity(entity) };
  };
  const readOptions = (request: FastifyRequest) =>
    readOptionsOf(request.query as Query, request.headers[TOKEN_HEADER] as string | undefined);
  const expectedVersion = (request: FastifyRequest) => {
    const version = optionalInt(request.query as Query, 'expectedVersion', 1, Number.MAX_SAFE_INTEGER);
    return version === undefined ? {} : { expectedVersion: version };
  };

  app.post('/entities/:entity', async (request, reply) => {
    const { def, client } = open(request, 'write');
    const input = def.codec.fromJson(objectBody(request.body, `${def.name} record`));
    const written = await client.create(input);
    reply.header(TOKEN_HEADER, written.$token);
    return send(reply, 201, recordJson(def.codec, written as Versioned));
  });

  app.get('/entities/:entity/:id', async (request, reply) => {
    const { def, client } = open(request, 'read');
    const record = await client.get((request.params as Params).id!, readOptions(request));
    if (!record) throw notFound(def);
    return send(reply, 200, recordJson(def.codec, record as Versioned));
  });

  app.patch('/entities/:entity/:id', async (request, reply) => {
    const { def, client } = open(request, 'write');
    const patch = def.codec.fromJson(objectBody(request.body, `${def.name} patch`));
    const written = await client.update((request.params as Params).id!, patch, expectedVersion(request));
    reply.header(TOKEN_HEADER, written.$token);
    return send(reply, 200, recordJson(def.codec, written as Versioned));
  });

  app.delete('/entities/:entity/:id', async (request, reply) => {
    const { client } = open(request, 'write');
    const deleted = await client.delete((request.params as Params).id!, expectedVersion(request));
    reply.header(TOKEN_HEADER, deleted.$token);
    return send(reply, 200, { id: deleted.id, $version: deleted.$version });
  });

  app.post('/entities/:entity/find', async (request, reply) => {
    const { def, client } = open(request, 'read');
    const body = objectBody(request.body ?? {}, 'find request');
    const records = await client.find(body.filter as Record<string, unknown> | undefined, findOptions(body));
    return send(reply, 200, { records: records.map((r) => recordJson(def.codec, r as Versioned)) });
  });

  app.post('/entities/:entity/count', async (request, reply) => {
    const { client } = open(request, 'read');
    const body = objectBody(request.body ?? {}, 'count request');
    return send(reply, 200, { count: await client.count(body.filter as Record<string, unknown> | undefined) });
  });

  app.post('/entities/:entity/search', async (request, reply) => {
    const { def, client } = open(request, 'read');
    const query = objectBody(request.body, 'search query') as SearchQuery;
    const result = await client.search(query, readOptions(request));
    return send(reply, 200, {
      hits: result.hits.map((hit) => ({ record: recordJson(def.codec, hit.record as Versioned), score: hit.score })),
      total: result.total,
      facets: result.facets,
      ...(result.backfilling ? { backfilling: result.backfilling } : {}),
    });
  });
}

function findOptions(body: Record<string, unknown>): FindOptions {
  const { limit, offset, orderBy } = body;
  for (const [name, value] of [
    ['limit', limit],
    ['offset', offset],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0))
      throw badParameter(name, `${name} must be a non-negative integer`, `pass e.g. "${name}": 10`);
  }
  if (orderBy !== undefined && (typeof orderBy !== 'object' || orderBy === null || Array.isArray(orderBy)))
    throw badParameter('orderBy', 'orderBy must be an object of field: "asc" | "desc"', 'pass e.g. {"price":"asc"}');
  return {
    ...(limit === undefined ? {} : { limit: limit as number }),
    ...(offset === undefined ? {} : { offset: offset as number }),
    ...(orderBy === undefined ? {} : { orderBy: orderBy as FindOptions['orderBy'] & object }),
  };
}

function notFound(def: AnyEntity): PolystoreError {
  return new PolystoreError('PS_ERR_NOT_FOUND', `No ${def.name} record has this id`, {
    field: 'id',
    fix: `create it first, or check the id (find ${def.name} records with POST /entities/${def.name}/find)`,
  });
}
