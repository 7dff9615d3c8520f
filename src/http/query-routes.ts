import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AnalyticsValue } from '../contracts/analytics-store.js';
import type { GraphParam } from '../contracts/graph-store.js';
import { PolystoreError } from '../errors/index.js';
import { allow, type HttpContext, send } from './http-context.js';
import { badParameter, unknownName } from './http-errors.js';
import { objectBody, optionalInt, type Query, readOptionsOf, TOKEN_HEADER } from './wire-format.js';

type KeyParams = { keyspace: string; key: string };

/**
 * Keyspaces (`/keyspaces/:keyspace/:key`: GET, PUT with `ttlMs`, DELETE;
 * scopes `entity:<keyspace>:read|write`), and the graph and analytics
 * stores' queries (`POST /graph/:store/query`, `POST /analytics/:store/query`;
 * scopes `graph:<store>:query`, `analytics:<store>:query`). A query scope
 * runs any statement the store accepts, parameterised: grant it as you would
 * a database login to that store.
 */
export function queryRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const keyspace = (request: FastifyRequest, access: 'read' | 'write') => {
    const { keyspace: name, key } = request.params as KeyParams;
    allow(ctx, request, `entity:${name}:${access}`);
    if (!ctx.keyspaces.has(name)) throw unknownName('keyspace', ctx.keyspaces.keys());
    return { client: ctx.db.keyspace(name), key, name };
  };

  app.get('/keyspaces/:keyspace/:key', async (request, reply) => {
    const { client, name } = keyspace(request, 'read');
    const value = await client.get((request.params as KeyParams).key);
    if (value === null)
      throw new PolystoreError('PS_ERR_NOT_FOUND', `No ${name} value has this key`, {
        field: 'key',
        fix: 'set it first (PUT), or it expired',
      });
    return send(reply, 200, { value });
  });

  app.put('/keyspaces/:keyspace/:key', async (request, reply) => {
    const { client, key } = keyspace(request, 'write');
    const ttlMs = optionalInt(request.query as Query, 'ttlMs', 1, 365 * 24 * 3_600_000);
    const body = objectBody(request.body, 'keyspace value');
    if (!('value' in body)) throw badParameter('value', 'The body has no value', 'send {"value": ...}');
    const value = await client.set(key, body.value, ttlMs === undefined ? {} : { ttlMs });
    return send(reply, 200, { value });
  });

  app.delete('/keyspaces/:keyspace/:key', async (request, reply) => {
    const { client, key } = keyspace(request, 'write');
    return send(reply, 200, { deleted: await client.delete(key) });
  });

  for (const kind of ['graph', 'analytics'] as const) {
    app.post(`/${kind}/:store/query`, async (request, reply) => {
      const { store } = request.params as { store: string };
      allow(ctx, request, `${kind}:${store}:query`);
      storeOf(ctx, store, kind);
      const body = objectBody(request.body, `${kind} query`);
      const text = statement(body, kind === 'graph' ? 'query' : 'sql');
      const params = body.params ?? (kind === 'graph' ? {} : []);
      const readOptions = readOptionsOf(request.query as Query, request.headers[TOKEN_HEADER] as string | undefined);
      let rows: unknown[];
      if (kind === 'graph') {
        if (typeof params !== 'object' || params === null || Array.isArray(params))
          throw badParameter('params', 'params must be an object', 'pass {"params": {"id": "p1"}}');
        rows = await ctx.db.graph(store).query(text, params as Readonly<Record<string, GraphParam>>, readOptions);
      } else {
        if (!Array.isArray(params))
          throw badParameter('params', 'params must be an array', 'pass {"params": ["audio"]}');
        rows = await ctx.db.analytics(store).query(text, params as AnalyticsValue[], readOptions);
      }
      return send(reply, 200, { rows: jsonSafe(rows) });
    });
  }
}

function storeOf(ctx: HttpContext, name: string, kind: 'graph' | 'analytics'): void {
  const stores = Object.entries(ctx.db.model.stores).filter(([, store]) => store.kind === kind);
  if (!stores.some(([known]) => known === name))
    throw unknownName(
      'store',
      stores.map(([known]) => known),
    );
}

function statement(body: Record<string, unknown>, field: string): string {
  const text = body[field];
  if (typeof text !== 'string' || text.trim() === '' || text.length > 20_000)
    throw badParameter(field, `${field} must be a statement of 1 to 20000 characters`, `pass {"${field}": "..."}`);
  return text;
}

/** Rows as JSON can carry them: bigints (Kuzu and DuckDB integers) as numbers when exact, else decimal strings. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = jsonSafe(inner);
    return out;
  }
  return value;
}
