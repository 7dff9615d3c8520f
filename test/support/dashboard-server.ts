import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { AnyPolystore } from '../../src/cli/load-config.js';
import type { SagaFilter, SagaRecord, SagaState } from '../../src/contracts/saga-log.js';
import { DASHBOARD_DIR } from '../../src/dashboard/dashboard-dir.js';
import { isPolystoreError, PolystoreError, redactSecrets } from '../../src/index.js';

/**
 * Stands in for `db.serve()` in the dashboard's end-to-end test until the
 * HTTP server lands: serves the built bundle and answers the admin routes of
 * the contract (docs: README "Dashboard") from a real Polystore. All its
 * routing is here, to be dropped for the real server.
 */
export async function startDashboardServer(
  db: AnyPolystore,
  options: {
    /** The home's driver (`pglite`, `postgres`, `mysql`): the instance does not expose it. */
    readonly homeDriver: string;
    readonly renderMetrics?: () => Promise<{ contentType: string; body: string }>;
  },
) {
  const checks = new Map<string, { at: number; drift: Awaited<ReturnType<AnyPolystore['check']>>[number] }>();
  const authorizations: string[] = [];
  const viewNames = () => db.views.map(({ view }) => view.name);

  const status = async () => {
    const stats = await db.sync.stats();
    const now = Date.now();
    const letters = await db.sync.deadLetters();
    const breakers = new Map(db.health().views.map((b) => [b.view, b.state]));
    const stores = new Map<string, { name: string; kind: string; health: string }>();
    for (const { view, store } of db.views) {
      const state = breakers.get(view.name);
      const health = state === 'open' ? 'down' : state === 'half-open' ? 'degraded' : 'up';
      const kind = store.kind === 'key-value' ? 'cache' : store.kind;
      if (stores.get(view.store)?.health !== 'down') stores.set(view.store, { name: view.store, kind, health });
    }
    const entities = new Map<string, string[]>();
    for (const { view } of db.views) entities.set(view.entity, [...(entities.get(view.entity) ?? []), view.name]);
    const sagaCounts = Object.fromEntries(
      await Promise.all(
        (['running', 'compensating', 'stuck', 'completed', 'compensated', 'cancelled'] as const).map(
          async (state) => [state, (await db.sagas.list({ states: [state], limit: 10_000 })).length] as const,
        ),
      ),
    );
    const backfilling = new Set(stats.backfills.map((b) => b.view));
    return {
      at: new Date(now).toISOString(),
      topology: {
        home: { kind: options.homeDriver === 'mysql' ? 'mariadb' : options.homeDriver, health: 'up' },
        log: stats.capture ? { kind: stats.capture.name, health: 'up' } : null,
        entities: [...entities].map(([name, views]) => ({ name, views })),
        stores: [...stores.values()],
      },
      views: stats.views.map((v) => {
        const { progress } = v;
        const caughtUp = progress.head === null || (progress.through !== null && progress.through >= progress.head);
        return {
          view: v.view,
          entity: db.views.find((d) => d.view.name === v.view)!.view.entity,
          store: db.views.find((d) => d.view.name === v.view)!.view.store,
          state: backfilling.has(v.view) ? 'backfilling' : caughtUp ? 'up-to-date' : 'behind',
          applied: v.applied,
          skipped: v.skipped,
          failed: v.failedAttempts,
          deadLetters: letters.filter((l) => l.consumer === v.view).length,
          backlog: progress.backlog ?? 0,
          lagMs: v.local ? { p50: v.lagP50Ms, p99: v.lagP99Ms } : { p50: null, p99: null },
          checkpointAgeMs: progress.updatedAt === null ? null : Math.max(0, now - progress.updatedAt),
        };
      }),
      sagas: sagaCounts,
    };
  };

  const checkReport = async () => ({
    views: await Promise.all(
      viewNames().map(async (view) => {
        const scheduled = await db.lastCheck(view);
        const mine = checks.get(view);
        const last = mine && (!scheduled || mine.at >= scheduled.checkedAt) ? mine : undefined;
        const at = last?.at ?? scheduled?.checkedAt ?? null;
        const drift = last?.drift ?? scheduled?.result;
        return {
          view,
          checkedAt: at === null ? null : new Date(at).toISOString(),
          missing: drift?.missing ?? 0,
          stale: drift?.stale ?? 0,
          extra: drift?.extra ?? 0,
          drift: drift ? drift.missing + drift.stale + drift.extra + drift.changed : 0,
          ok: drift?.ok ?? true,
        };
      }),
    ),
  });

  const deadLetterGroups = async () => {
    const groups = new Map<string, { view: string; signature: string; ids: string[]; sample: object }>();
    for (const letter of await db.sync.deadLetters()) {
      const signature = signatureOf(letter.error);
      const key = `${letter.consumer}\u0000${signature}`;
      const group = groups.get(key) ?? { view: letter.consumer, signature, ids: [], sample: {} };
      if (group.ids.length === 0) {
        const { entity, key: id } = letter.event;
        group.sample = { entity, key: id, error: letter.error, at: letter.failedAt.toISOString() };
      }
      group.ids.push(letter.id);
      groups.set(key, group);
    }
    return [...groups.values()];
  };

  const sagaFilter = (q: Record<string, unknown>): SagaFilter => ({
    ...(q.state ? { states: String(q.state).split(',') as SagaState[] } : {}),
    ...(q.type ? { name: String(q.type) } : {}),
    ...(q.olderThanMs !== undefined && q.olderThanMs !== '' ? { olderThanMs: Number(q.olderThanMs) } : {}),
    ...(q.error !== undefined && q.error !== '' ? { hasError: q.error === true || q.error === 'true' } : {}),
    ...(q.limit ? { limit: Number(q.limit) } : {}),
  });
  const sagaAction = (id: string, action: string): Promise<SagaRecord> =>
    action === 'resume'
      ? db.sagas.resume(id)
      : action === 'retry'
        ? db.sagas.retryCompensation(id)
        : action === 'cancel'
          ? db.sagas.cancel(id)
          : Promise.reject(invalid(`unknown saga action "${action}"`, 'action'));

  const route = async (method: string, path: string, query: URLSearchParams, body: Record<string, unknown>) => {
    const saga = /^\/admin\/sagas\/([^/]+)(?:\/(resume|retry|cancel))?$/.exec(path);
    if (method === 'GET' && path === '/admin/status') return status();
    if (path === '/admin/check') {
      if (method === 'POST') {
        const views = typeof body.view === 'string' ? [body.view] : undefined;
        const results = await db.check({ ...(views ? { views } : {}), repair: body.repair === true });
        for (const drift of results) checks.set(drift.view, { at: Date.now(), drift });
      }
      return checkReport();
    }
    if (method === 'GET' && path === '/admin/backfills') {
      const backfills = await Promise.all(
        viewNames().map(async (view) => {
          const record = await db.sync.backfills.status(view);
          if (!record) return { view, state: 'idle', examined: 0, total: 0, ratePerSec: null, etaSeconds: null };
          const state = record.status === 'running' ? 'running' : record.status === 'done' ? 'done' : 'idle';
          const rate = (record.examined * 1000) / Math.max(1, (record.finishedAt ?? Date.now()) - record.startedAt);
          const left = Math.max(0, record.total - record.examined);
          const etaSeconds = state === 'running' && rate > 0 ? Math.round(left / rate) : null;
          return { view, state, examined: record.examined, total: record.total, ratePerSec: rate, etaSeconds };
        }),
      );
      return { backfills };
    }
    if (method === 'POST' && path === '/admin/backfill')
      return { backfill: await db.sync.backfills.request(viewOf(body)) };
    if (method === 'POST' && path === '/admin/rebuild') return { rebuild: await db.rebuild(viewOf(body)) };
    if (method === 'GET' && path === '/admin/dead-letters')
      return { groups: (await deadLetterGroups()).map(({ ids, ...g }) => ({ ...g, count: ids.length })) };
    if (method === 'POST' && path === '/admin/dead-letters/replay') {
      const group = (await deadLetterGroups()).find((g) => g.view === viewOf(body) && g.signature === body.signature);
      if (!group)
        throw new PolystoreError('PS_ERR_DEAD_LETTER_NOT_FOUND', 'No dead letter of this view has this signature');
      return { replayed: (await db.sync.replayDeadLetters(group.view, (l) => group.ids.includes(l.id))).replayed };
    }
    if (method === 'GET' && path === '/admin/sagas')
      return { sagas: await db.sagas.list(sagaFilter(Object.fromEntries(query))) };
    if (method === 'POST' && path === '/admin/sagas/batch') {
      const filter = sagaFilter({ limit: 10_000, ...(body.filter as Record<string, unknown>) });
      const failed: { id: string; error: string }[] = [];
      let done = 0;
      for (const { id } of await db.sagas.list(filter)) {
        await sagaAction(id, String(body.action)).then(
          () => done++,
          (err: unknown) =>
            failed.push({ id, error: isPolystoreError(err) ? `${err.code}: ${err.message}` : 'failed' }),
        );
      }
      return { done, failed };
    }
    if (saga && method === 'GET' && !saga[2]) {
      const id = decodeURIComponent(saga[1]!);
      const record = await db.sagas.get(id);
      if (!record) throw new PolystoreError('PS_ERR_UNKNOWN_SAGA', 'No saga has this id');
      return { saga: record, timeline: await db.sagas.timeline(id) };
    }
    if (saga && method === 'POST' && saga[2]) return { saga: await sagaAction(decodeURIComponent(saga[1]!), saga[2]) };
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    try {
      if (url.pathname === '/metrics' && options.renderMetrics) {
        const { contentType, body } = await options.renderMetrics();
        return send(res, 200, contentType, body);
      }
      if (url.pathname.startsWith('/admin/')) {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown>;
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          throw invalid('the request body is not JSON', 'body');
        }
        const result = await route(method, url.pathname, url.searchParams, body);
        if (result !== undefined) return send(res, 200, 'application/json', JSON.stringify(result));
      } else if (method === 'GET') {
        const file = resolve(DASHBOARD_DIR, `.${url.pathname === '/' ? '/index.html' : url.pathname}`);
        if (file.startsWith(DASHBOARD_DIR.replace(/[/\\]$/, '') + sep)) {
          const content = await readFile(file).catch(() => null);
          if (content) return send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', content);
        }
      }
      throw new PolystoreError('PS_ERR_NOT_FOUND', `Nothing is served at ${method} ${url.pathname.slice(0, 100)}`);
    } catch (err) {
      const coded = isPolystoreError(err)
        ? { status: err.status, error: { code: err.code, message: err.message, field: err.field, fix: err.fix } }
        : { status: 500, error: { code: 'INTERNAL', message: redactSecrets(String(err)) } };
      send(res, coded.status, 'application/json', JSON.stringify({ error: coded.error }));
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Every `authorization` header received, in order. */
    authorizations,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

function invalid(message: string, field: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_ARGUMENT', message, { field });
}

function viewOf(body: Record<string, unknown>): string {
  if (typeof body.view !== 'string') throw invalid('the body needs "view", the name of a view', 'view');
  return body.view;
}

/** An error message with its variable parts (quoted values, ids, numbers) replaced, so that alike failures group. */
export function signatureOf(error: string): string {
  return error
    .replace(/(["'`])(?:(?!\1).)*\1/g, '<value>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<id>')
    .replace(/\d+(\.\d+)?/g, '<n>');
}
