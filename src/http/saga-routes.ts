import type { FastifyInstance } from 'fastify';
import type { SagaFilter, SagaRecord, SagaState } from '../contracts/saga-log.js';
import { PolystoreError } from '../errors/index.js';
import { describeError } from '../runtime/logger.js';
import { allow, audited, type HttpContext, send } from './http-context.js';
import { badParameter } from './http-errors.js';
import { objectBody, optionalInt, type Query } from './wire-format.js';

const STATES: readonly SagaState[] = ['running', 'compensating', 'completed', 'compensated', 'stuck', 'cancelled'];
const ACTIONS = ['resume', 'retry', 'cancel'] as const;
type Action = (typeof ACTIONS)[number];

/**
 * Sagas for operators (scope `admin:sagas`): list with filters, one saga with
 * its step timeline, resume, retry compensation and cancel, one by one or on
 * every saga a filter selects.
 */
export function sagaRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { db } = ctx;
  const act = (action: Action, id: string): Promise<SagaRecord> =>
    action === 'resume'
      ? db.sagas.resume(id)
      : action === 'retry'
        ? db.sagas.retryCompensation(id)
        : db.sagas.cancel(id);

  app.get('/admin/sagas', async (request, reply) => {
    allow(ctx, request, 'admin:sagas');
    const query = request.query as Query;
    const filter = filterOf({
      state: query.state,
      type: query.type,
      olderThanMs: query.olderThanMs === undefined ? undefined : optionalInt(query, 'olderThanMs', 0, 2 ** 52),
      error:
        query.error === undefined ? undefined : query.error === 'true' ? true : query.error === 'false' ? false : 0,
    });
    const limit = optionalInt(query, 'limit', 1, 10_000);
    return send(reply, 200, { sagas: await db.sagas.list(limit === undefined ? filter : { ...filter, limit }) });
  });

  app.get('/admin/sagas/:id', async (request, reply) => {
    allow(ctx, request, 'admin:sagas');
    const { id } = request.params as { id: string };
    const saga = await db.sagas.get(id);
    if (!saga) throw unknownSaga();
    return send(reply, 200, { saga, timeline: await db.sagas.timeline(id) });
  });

  for (const action of ACTIONS) {
    app.post(`/admin/sagas/:id/${action}`, async (request, reply) => {
      const { id } = request.params as { id: string };
      const saga = await audited(ctx, request, 'admin:sagas', id, async () => {
        // Checked here so that the error does not quote the id back.
        if (!(await db.sagas.get(id))) throw unknownSaga();
        return act(action, id);
      });
      return send(reply, 200, { saga });
    });
  }

  app.post('/admin/sagas/batch', async (request, reply) => {
    const body = objectBody(request.body, 'batch request');
    const action = body.action as Action;
    if (!ACTIONS.includes(action))
      throw badParameter('action', 'Unknown batch action', `use one of ${ACTIONS.join(', ')}`);
    const filter = filterOf(objectBody(body.filter ?? {}, 'batch filter'));
    const outcome = await audited(ctx, request, 'admin:sagas', `${action} ${JSON.stringify(filter)}`, async () => {
      const sagas = await db.sagas.list({ ...filter, limit: 10_000 });
      let done = 0;
      const failed: { id: string; error: string }[] = [];
      for (const saga of sagas) {
        try {
          await act(action, saga.id);
          done++;
        } catch (err) {
          failed.push({ id: saga.id, error: describeError(err) });
        }
      }
      return { done, failed };
    });
    return send(reply, 200, outcome);
  });
}

/** A saga filter from the contract's names (`state` may list several, comma-separated; `type` is the definition name). */
function filterOf(raw: Record<string, unknown>): SagaFilter {
  const { state, type, olderThanMs, error } = raw;
  const states = state === undefined ? undefined : String(state).split(',');
  if (states?.some((s) => !(STATES as readonly string[]).includes(s)))
    throw badParameter('state', 'Unknown saga state', `use one of ${STATES.join(', ')}`);
  if (type !== undefined && (typeof type !== 'string' || type.length === 0))
    throw badParameter('type', 'type must be a saga definition name', 'pass e.g. type=order');
  if (olderThanMs !== undefined && !(Number.isInteger(olderThanMs) && (olderThanMs as number) >= 0))
    throw badParameter('olderThanMs', 'olderThanMs must be a non-negative integer', 'pass e.g. olderThanMs=60000');
  if (error !== undefined && typeof error !== 'boolean')
    throw badParameter('error', 'error must be true or false', 'pass error=true for sagas with an error');
  return {
    ...(states ? { states: states as SagaState[] } : {}),
    ...(type === undefined ? {} : { name: type as string }),
    ...(olderThanMs === undefined ? {} : { olderThanMs: olderThanMs as number }),
    ...(error === undefined ? {} : { hasError: error as boolean }),
  };
}

function unknownSaga(): PolystoreError {
  return new PolystoreError('PS_ERR_UNKNOWN_SAGA', 'No saga has this id', {
    field: 'id',
    fix: 'list sagas (GET /admin/sagas) for their ids',
  });
}
