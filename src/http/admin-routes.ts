import type { FastifyInstance } from 'fastify';
import type { ViewDrift } from '../checker/consistency-checker.js';
import type { BackfillRecord } from '../sync/backfill/backfill-state.js';
import { backfillRate } from '../sync/view-state.js';
import { adminStatus } from './admin-status.js';
import { errorSignature, groupDeadLetters } from './dead-letter-groups.js';
import { allow, audited, type HttpContext, send } from './http-context.js';
import { badParameter, unknownName } from './http-errors.js';
import { objectBody, optionalInt, type Query } from './wire-format.js';

type CheckItem = {
  view: string;
  checkedAt: string | null;
  missing: number;
  stale: number;
  extra: number;
  drift: number;
  ok: boolean;
};

/**
 * The operator's routes of the admin contract: status, check (last report
 * and a run, with repair), backfills and rebuilds, dead letters grouped by
 * error signature with replay per group, and the audit log. Every action
 * that changes something goes through the audit log.
 */
export function adminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { db } = ctx;
  /** Checks run through this server, newer than the scheduled ones the home records until the next runs. */
  const ranHere = new Map<string, { at: number; drift: ViewDrift }>();
  const viewNames = () => db.views.map(({ view }) => view.name);
  const requiredView = (body: Record<string, unknown>): string => {
    const view = optionalString(body, 'view');
    if (view === undefined) throw badParameter('view', 'The request names no view', 'pass "view": "<view name>"');
    if (!viewNames().includes(view)) throw unknownName('view', viewNames());
    return view;
  };

  app.get('/admin/status', async (request, reply) => {
    allow(ctx, request, 'admin:status');
    return send(reply, 200, await adminStatus(db));
  });

  app.get('/admin/check', async (request, reply) => {
    allow(ctx, request, 'admin:check');
    const views = await Promise.all(
      viewNames().map(async (view): Promise<CheckItem> => {
        const scheduled = await db.lastCheck(view);
        const here = ranHere.get(view);
        const newest =
          here && (!scheduled || here.at >= scheduled.checkedAt)
            ? here
            : scheduled && { at: scheduled.checkedAt, drift: scheduled.result };
        return newest ? checkItem(newest.drift, newest.at) : neverChecked(view);
      }),
    );
    return send(reply, 200, { views });
  });

  app.post('/admin/check', async (request, reply) => {
    const body = objectBody(request.body ?? {}, 'check request');
    const view = body.view === undefined ? undefined : requiredView(body);
    if (body.repair !== undefined && typeof body.repair !== 'boolean')
      throw badParameter('repair', 'repair must be a boolean', 'pass "repair": true');
    const results = await audited(ctx, request, 'admin:check', view ?? null, () =>
      db.check({ ...(view === undefined ? {} : { views: [view] }), repair: body.repair === true }),
    );
    const at = Date.now();
    for (const drift of results) ranHere.set(drift.view, { at, drift });
    return send(reply, 200, { views: results.map((drift) => checkItem(drift, at)) });
  });

  app.get('/admin/backfills', async (request, reply) => {
    allow(ctx, request, 'admin:backfill');
    const now = Date.now();
    const records = await Promise.all(viewNames().map((view) => db.sync.backfills.status(view)));
    const backfills = viewNames().map((view, i) => backfillItem(view, records[i] ?? null, now));
    return send(reply, 200, { backfills });
  });

  app.post('/admin/backfill', async (request, reply) => {
    const view = requiredView(objectBody(request.body, 'backfill request'));
    const record = await audited(ctx, request, 'admin:backfill', view, () => db.sync.backfills.request(view));
    return send(reply, 202, { backfill: backfillItem(view, record, Date.now()) });
  });

  app.post('/admin/rebuild', async (request, reply) => {
    const view = requiredView(objectBody(request.body, 'rebuild request'));
    const outcome = await audited(ctx, request, 'admin:backfill', view, () => db.rebuild(view));
    return send(reply, 200, { rebuilt: outcome });
  });

  app.get('/admin/dead-letters', async (request, reply) => {
    allow(ctx, request, 'admin:dead-letters');
    return send(reply, 200, { groups: groupDeadLetters(await db.sync.deadLetters()) });
  });

  app.post('/admin/dead-letters/replay', async (request, reply) => {
    const body = objectBody(request.body, 'replay request');
    const view = requiredView(body);
    const signature = optionalString(body, 'signature');
    if (signature === undefined)
      throw badParameter('signature', 'The replay names no signature', 'pass a signature from GET /admin/dead-letters');
    const result = await audited(ctx, request, 'admin:dead-letters', `${view} ${signature}`, () =>
      db.sync.replayDeadLetters(view, (letter) => errorSignature(letter.error) === signature),
    );
    return send(reply, 200, { replayed: result.replayed, failed: result.failed });
  });

  app.get('/admin/audit', async (request, reply) => {
    allow(ctx, request, 'admin:audit');
    const limit = optionalInt(request.query as Query, 'limit', 1, 10_000);
    return send(reply, 200, { entries: ctx.audit.list(limit) });
  });
}

function checkItem(drift: ViewDrift, at: number): CheckItem {
  const { view, missing, stale, extra, changed, ok } = drift;
  return {
    view,
    checkedAt: new Date(at).toISOString(),
    missing,
    stale,
    extra,
    drift: missing + stale + extra + changed,
    ok,
  };
}

function neverChecked(view: string): CheckItem {
  return { view, checkedAt: null, missing: 0, stale: 0, extra: 0, drift: 0, ok: false };
}

/** A backfill as the contract shows it; `status` keeps the recorded status (`paused` and `cancelled` show as idle). */
function backfillItem(view: string, record: BackfillRecord | null, now: number) {
  if (!record) return { view, state: 'idle', status: null, examined: 0, total: 0, ratePerSec: null, etaSeconds: null };
  const running = record.status === 'running';
  const rate = backfillRate(record, now);
  return {
    view,
    state: running ? 'running' : record.status === 'done' ? 'done' : 'idle',
    status: record.status,
    examined: record.examined,
    total: record.total,
    ratePerSec: running ? Math.round(rate.perSec) : null,
    etaSeconds: rate.etaMs === null ? null : Math.round(rate.etaMs / 1000),
  };
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000)
    throw badParameter(field, `${field} must be a non-empty string`, `pass "${field}": "..."`);
  return value;
}
