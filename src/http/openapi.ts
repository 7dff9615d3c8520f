import { ADMIN_BODIES, ADMIN_SCHEMAS, strict } from './admin-schemas.js';
import { asPatch, type JsonSchema, wireJsonSchema, withVersion } from './entity-json-schema.js';
import type { AnyPolystore } from './http-context.js';

type Operation = Record<string, unknown>;

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const ERRORS = {
  '401': error('No or unknown API key'),
  '403': error('Missing scope'),
  default: error('A coded error'),
};
const consistencyParams = [
  query('consistency', { type: 'string', enum: ['eventual', 'read-your-writes', 'strong'] }),
  query('after', { type: 'string' }, 'A write token (x-polystore-token) to wait for with read-your-writes'),
  query('timeoutMs', { type: 'integer', minimum: 1, maximum: 60000 }),
];

/**
 * The OpenAPI 3.1 document of a Polystore's HTTP API: one path per declared
 * entity and keyspace with its schemas as named components (`<Entity>`,
 * `<Entity>Input`, `<Entity>Patch`, `<Keyspace>Value`), the graph and
 * analytics stores' query routes, and the admin contract.
 */
export function openApiDocument(db: AnyPolystore): Record<string, unknown> {
  const { entities, keyspaces, stores } = db.model;
  const schemas: Record<string, JsonSchema> = { ...ADMIN_SCHEMAS, ...ADMIN_BODIES };
  const paths: Record<string, Record<string, Operation>> = {};
  for (const entity of entities) {
    const name = entity.name;
    const base = `#/components/schemas/${name}`;
    schemas[name] = withVersion(wireJsonSchema(entity.schema, 'output', base));
    schemas[`${name}Input`] = wireJsonSchema(entity.schema, 'input', `${base}Input`);
    schemas[`${name}Patch`] = asPatch(schemas[`${name}Input`]!);
    const write = (summary: string, status: string, body: string | null, params: unknown[] = []): Operation => ({
      summary,
      tags: [name],
      parameters: params,
      ...(body ? { requestBody: { required: true, ...json(ref(body)) } } : {}),
      responses: { [status]: { description: 'The record', ...json(ref(name)), headers: TOKEN }, ...ERRORS },
    });
    const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
    const expected = query('expectedVersion', { type: 'integer', minimum: 1 });
    paths[`/entities/${name}`] = { post: write(`Create a ${name} record`, '201', `${name}Input`) };
    paths[`/entities/${name}/{id}`] = {
      get: read(name, `Get a ${name} record`, ref(name), [idParam, ...consistencyParams]),
      patch: write(`Update a ${name} record`, '200', `${name}Patch`, [idParam, expected]),
      delete: {
        ...write(`Delete a ${name} record`, '200', null, [idParam, expected]),
        responses: { '200': { description: 'Deleted', ...json(ref('Deleted')), headers: TOKEN }, ...ERRORS },
      },
    };
    const findBody = strict(
      {
        filter: { type: 'object' },
        orderBy: { type: 'object', additionalProperties: { enum: ['asc', 'desc'] } },
        limit: { type: 'integer', minimum: 0 },
        offset: { type: 'integer', minimum: 0 },
      },
      ['filter', 'orderBy', 'limit', 'offset'],
    );
    schemas[`${name}List`] = strict({ records: { type: 'array', items: ref(name) } });
    paths[`/entities/${name}/find`] = {
      post: { ...read(name, `Find ${name} records (filter syntax of find())`, ref(`${name}List`)), ...body(findBody) },
    };
    paths[`/entities/${name}/count`] = {
      post: {
        ...read(name, `Count ${name} records`, ref('Count')),
        ...body(strict({ filter: { type: 'object' } }, ['filter'])),
      },
    };
    if (db.views.some(({ view }) => view.entity === name && view.kind === 'search')) {
      schemas[`${name}SearchResult`] = strict(
        {
          hits: { type: 'array', items: strict({ record: ref(name), score: { type: 'number' } }) },
          total: { type: 'integer', minimum: 0 },
          facets: { type: 'object' },
          backfilling: strict({ examined: { type: 'integer' }, total: { type: 'integer' } }),
        },
        ['backfilling'],
      );
      paths[`/entities/${name}/search`] = {
        post: {
          ...read(name, `Full-text search of ${name}`, ref(`${name}SearchResult`), consistencyParams),
          ...body({ type: 'object', properties: { text: { type: 'string' }, where: { type: 'object' } } }),
        },
      };
    }
  }
  for (const keyspace of keyspaces) {
    const name = keyspace.name;
    const value = wireJsonSchema(keyspace.schema, 'output', `#/components/schemas/${name}Value/properties/value`);
    schemas[`${name}Value`] = strict({ value });
    const keyParam = { name: 'key', in: 'path', required: true, schema: { type: 'string' } };
    const ttl = query('ttlMs', { type: 'integer', minimum: 1 });
    paths[`/keyspaces/${name}/{key}`] = {
      get: read(name, `Get a ${name} value`, ref(`${name}Value`), [keyParam]),
      put: { ...read(name, `Set a ${name} value`, ref(`${name}Value`), [keyParam, ttl]), ...body(ref(`${name}Value`)) },
      delete: read(name, `Delete a ${name} value`, ref('Removed'), [keyParam]),
    };
  }
  for (const [store, { kind }] of Object.entries(stores)) {
    if (kind !== 'graph' && kind !== 'analytics') continue;
    const request =
      kind === 'graph'
        ? strict({ query: { type: 'string' }, params: { type: 'object' } }, ['params'])
        : strict({ sql: { type: 'string' }, params: { type: 'array' } }, ['params']);
    paths[`/${kind}/${store}/query`] = {
      post: {
        ...read(store, `A parameterised ${kind} query on ${store}`, ref('Rows'), consistencyParams),
        ...body(request),
      },
    };
  }
  Object.assign(paths, adminPaths());
  return {
    openapi: '3.1.0',
    info: { title: 'Polystore HTTP API', version: '1' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: { schemas, securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths,
  };
}

const TOKEN = {
  'x-polystore-token': { description: 'The write token for read-your-writes', schema: { type: 'string' } },
};

function read(tag: string, summary: string, schema: JsonSchema, parameters: unknown[] = []): Operation {
  return { summary, tags: [tag], parameters, responses: { '200': { description: 'OK', ...json(schema) }, ...ERRORS } };
}

function body(schema: JsonSchema) {
  return { requestBody: { required: true, ...json(schema) } };
}

function query(name: string, schema: JsonSchema, description?: string) {
  return { name, in: 'query', required: false, schema, ...(description ? { description } : {}) };
}

function error(description: string) {
  return { description, ...json(ref('Error')) };
}

function adminPaths(): Record<string, Record<string, Operation>> {
  const get = (summary: string, schema: string, parameters: unknown[] = []) =>
    read('admin', summary, ref(schema), parameters);
  const post = (summary: string, request: string | null, schema: string, status = '200'): Operation => ({
    summary,
    tags: ['admin'],
    ...(request ? body(ref(request)) : {}),
    responses: { [status]: { description: 'OK', ...json(ref(schema)) }, ...ERRORS },
  });
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const sagaAction = (what: string) => ({ post: { ...post(`${what} a saga`, null, 'SagaResult'), parameters: [id] } });
  return {
    '/admin/status': { get: get('Topology, views and sagas (admin:status)', 'Status') },
    '/admin/check': {
      get: get('The last drift report per view (admin:check)', 'CheckReport'),
      post: post('Run a check, with repair when asked (admin:check)', 'CheckRequest', 'CheckReport'),
    },
    '/admin/backfills': { get: get('Backfills per view (admin:backfill)', 'Backfills') },
    '/admin/backfill': { post: post('Start a backfill (admin:backfill)', 'ViewRequest', 'BackfillStarted', '202') },
    '/admin/rebuild': { post: post('Rebuild a view beside itself (admin:backfill)', 'ViewRequest', 'Rebuilt') },
    '/admin/dead-letters': {
      get: get('Dead letters by view and error signature (admin:dead-letters)', 'DeadLetterGroups'),
    },
    '/admin/dead-letters/replay': { post: post('Replay one group (admin:dead-letters)', 'ReplayRequest', 'Replayed') },
    '/admin/sagas': {
      get: get('Sagas, newest first (admin:sagas)', 'SagaList', [
        query('state', { type: 'string' }, 'One state or several, comma-separated'),
        query('type', { type: 'string' }, 'The saga definition name'),
        query('olderThanMs', { type: 'integer', minimum: 0 }),
        query('error', { type: 'boolean' }),
        query('limit', { type: 'integer', minimum: 1, maximum: 10000 }),
      ]),
    },
    '/admin/sagas/{id}': { get: get('A saga and its step timeline (admin:sagas)', 'SagaDetail', [id]) },
    '/admin/sagas/{id}/resume': sagaAction('Resume'),
    '/admin/sagas/{id}/retry': sagaAction('Retry the compensation of'),
    '/admin/sagas/{id}/cancel': sagaAction('Cancel'),
    '/admin/sagas/batch': {
      post: post('Act on every saga a filter selects (admin:sagas)', 'SagaBatchRequest', 'SagaBatchResult'),
    },
    '/admin/audit': {
      get: get('Admin actions, newest first (admin:audit)', 'AuditLog', [query('limit', { type: 'integer' })]),
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (metrics:read)',
        tags: ['admin'],
        responses: {
          '200': { description: 'Prometheus text', content: { 'text/plain': { schema: { type: 'string' } } } },
          ...ERRORS,
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        tags: ['admin'],
        responses: { '200': { description: 'OpenAPI 3.1', ...json({ type: 'object' }) }, ...ERRORS },
      },
    },
  };
}
