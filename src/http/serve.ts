import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_DIR } from '../dashboard/dashboard-dir.js';
import { PolystoreError } from '../errors/index.js';
import { type PolystoreMetrics, polystoreMetrics } from '../metrics/polystore-metrics.js';
import { importDriver } from '../runtime/import-driver.js';
import { AccessControl, isLoopbackHost } from './access-control.js';
import { adminRoutes } from './admin-routes.js';
import { ApiKeys } from './api-keys.js';
import { AuditLog } from './audit-log.js';
import { entityRoutes } from './entity-routes.js';
import { graphqlRoutes } from './graphql-routes.js';
import { type AnyPolystore, allow, type HttpContext, send, setPrincipal } from './http-context.js';
import { errorResponse } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import { queryRoutes } from './query-routes.js';
import { sagaRoutes } from './saga-routes.js';
import type { RunningServer, ServeOptions } from './serve-options.js';
import { staticFiles } from './static-files.js';

/** Default request body limit: a record at the default 1 MiB payload limit, with room for its JSON envelope. */
const DEFAULT_BODY_LIMIT = 1024 * 1024 + 16 * 1024;

/**
 * Builds the Fastify app of the HTTP API over `db` without listening (a
 * bench or a test may `inject` into it). Needs the optional `fastify` package.
 */
export async function buildHttpApp(db: AnyPolystore, options: ServeOptions = {}): Promise<FastifyInstance> {
  const { default: fastify } = await importDriver('fastify', () => import('fastify'));
  const logger = options.logger ?? db.model.logger;
  const ctx: HttpContext = {
    db,
    access: new AccessControl(new ApiKeys(options.keys ?? [])),
    audit: new AuditLog(logger, options.auditCapacity),
    logger,
    entities: new Map(db.model.entities.map((e) => [e.name, e])),
    keyspaces: new Map(db.model.keyspaces.map((k) => [k.name, k])),
  };
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(bodyLimit) || bodyLimit < 1024)
    throw new PolystoreError('PS_ERR_INVALID_CONFIG', 'bodyLimitBytes must be an integer of at least 1024', {
      field: 'bodyLimitBytes',
      fix: 'pass a byte count, e.g. 1048576',
    });
  const app = fastify({ bodyLimit, logger: false, routerOptions: { maxParamLength: 8192 } });
  app.setErrorHandler((err, _request, reply) => {
    const { status, body } = errorResponse(err, logger);
    return send(reply, status, body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = errorResponse(notFound(request.method), logger);
    return send(reply, status, body);
  });
  app.addHook('onRequest', async (request) => {
    const isPublic = (request.routeOptions.config as { public?: boolean } | undefined)?.public === true;
    // The dashboard's own files load without a key (a browser cannot send one); its API calls need one.
    if (isPublic && ctx.access.hasKeys) return;
    setPrincipal(request, ctx.access.authenticate(request.headers.authorization, request.socket.remoteAddress));
  });
  entityRoutes(app, ctx);
  queryRoutes(app, ctx);
  adminRoutes(app, ctx);
  sagaRoutes(app, ctx);
  if (options.graphql !== false) graphqlRoutes(app, ctx, options.graphql ?? {});
  let document: Record<string, unknown> | undefined;
  app.get('/openapi.json', async (_request, reply) => {
    // Any valid key may read it (the hook checked the key): it describes what exists, not what the key may do.
    document ??= openApiDocument(db);
    return send(reply, 200, document);
  });
  app.get('/metrics', async (request, reply) => {
    allow(ctx, request, 'metrics:read');
    if (!options.renderMetrics) throw notFound(request.method);
    const { contentType, body } = await options.renderMetrics();
    return reply.code(200).type(contentType).send(body);
  });
  // The built dashboard by default (when the package has it), another folder when given, none when false.
  const dashboard =
    options.dashboardDir === false
      ? undefined
      : (options.dashboardDir ?? (existsSync(DASHBOARD_DIR) ? DASHBOARD_DIR : undefined));
  if (dashboard) app.register(async (scope) => staticFiles(scope, dashboard));
  await app.ready();
  return app;
}

/**
 * Listens on `options.host` (default `127.0.0.1`) and `options.port`
 * (default 0: any free port). Without keys, a non-loopback host is refused
 * with `PS_ERR_UNSAFE_BIND`. The Polystore must be ready (`db.ready()`).
 */
export async function serveHttp(db: AnyPolystore, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if ((options.keys ?? []).length === 0 && !isLoopbackHost(host)) {
    throw new PolystoreError('PS_ERR_UNSAFE_BIND', 'Refusing to serve a non-loopback address with no API keys', {
      field: 'host',
      fix: 'configure keys (polystore keys create), or listen on 127.0.0.1',
    });
  }
  // `/metrics` by default: Polystore's own families (measuring from now on); false: none.
  let metrics: PolystoreMetrics | undefined;
  let renderMetrics = options.renderMetrics;
  if (renderMetrics === undefined) {
    try {
      const own = await polystoreMetrics(db);
      metrics = own;
      renderMetrics = () => own.render();
    } catch (err) {
      // prom-client is not installed: `/metrics` answers with the fix-it error instead of the server failing.
      renderMetrics = () => Promise.reject(err);
    }
  }
  const app = await buildHttpApp(db, { ...options, renderMetrics });
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: async () => {
      await app.close();
      await metrics?.close();
    },
  };
}

function notFound(method: string): PolystoreError {
  return new PolystoreError('PS_ERR_ROUTE_NOT_FOUND', `No route answers ${method} on this path`, {
    fix: 'see GET /openapi.json for the routes',
  });
}
