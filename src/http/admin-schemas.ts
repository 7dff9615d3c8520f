import type { JsonSchema } from './entity-json-schema.js';

/** An object schema whose every listed property is required and nothing else is allowed. */
export function strict(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    additionalProperties: false,
  };
}

const int: JsonSchema = { type: 'integer', minimum: 0 };
const str: JsonSchema = { type: 'string' };
const time: JsonSchema = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });
const list = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const health = (values: string[]): JsonSchema => ({ type: 'string', enum: values });
const SAGA_STATES = ['running', 'compensating', 'completed', 'compensated', 'stuck', 'cancelled'];

/** The component schemas of the admin contract, the error body and the shared shapes. */
export const ADMIN_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Error: strict(
    {
      error: strict({ code: { type: 'string', pattern: '^PS_ERR_[A-Z_]+$' }, message: str, field: str, fix: str }, [
        'field',
        'fix',
      ]),
    },
    [],
  ),
  Status: strict({
    at: time,
    topology: strict({
      home: strict({ kind: str, health: health(['up', 'down']) }),
      log: nullable(strict({ kind: str, health: health(['up', 'down']) })),
      entities: list(strict({ name: str, views: list(str) })),
      stores: list(strict({ name: str, kind: str, health: health(['up', 'down', 'degraded']) })),
    }),
    views: list(
      strict({
        view: str,
        entity: str,
        store: str,
        state: str,
        applied: int,
        skipped: int,
        failed: int,
        deadLetters: int,
        backlog: int,
        lagMs: strict({ p50: nullable({ type: 'number' }), p99: nullable({ type: 'number' }) }),
        checkpointAgeMs: nullable(int),
      }),
    ),
    sagas: strict(Object.fromEntries(SAGA_STATES.map((state) => [state, int]))),
  }),
  CheckReport: strict({
    views: list(
      strict({
        view: str,
        checkedAt: nullable(time),
        missing: int,
        stale: int,
        extra: int,
        drift: int,
        ok: { type: 'boolean' },
      }),
    ),
  }),
  Backfill: strict({
    view: str,
    state: health(['running', 'done', 'idle']),
    status: nullable(health(['running', 'paused', 'done', 'cancelled'])),
    examined: int,
    total: int,
    ratePerSec: nullable(int),
    etaSeconds: nullable(int),
  }),
  Backfills: strict({ backfills: list(ref('Backfill')) }),
  BackfillStarted: strict({ backfill: ref('Backfill') }),
  Rebuilt: strict({ rebuilt: strict({ view: str, from: int, to: int, examined: int, repaired: int }) }),
  DeadLetterGroups: strict({
    groups: list(
      strict({
        view: str,
        signature: str,
        count: int,
        sample: strict({ entity: str, key: str, error: str, at: time }, ['key']),
      }),
    ),
  }),
  Replayed: strict({ replayed: int, failed: int }),
  Saga: strict({
    id: str,
    name: str,
    version: int,
    state: health(SAGA_STATES),
    input: {},
    stepIndex: int,
    owner: nullable(str),
    leaseUntil: int,
    attempts: int,
    error: nullable(str),
    cancelling: { type: 'boolean' },
    createdAt: int,
    updatedAt: int,
  }),
  SagaStep: strict({
    sagaId: str,
    stepIndex: int,
    step: str,
    phase: health(['forward', 'compensate']),
    status: health(['pending', 'done', 'failed', 'skipped']),
    attempts: int,
    result: {},
    error: nullable(str),
    startedAt: int,
    updatedAt: int,
  }),
  SagaList: strict({ sagas: list(ref('Saga')) }),
  SagaDetail: strict({ saga: ref('Saga'), timeline: list(ref('SagaStep')) }),
  SagaResult: strict({ saga: ref('Saga') }),
  SagaBatchResult: strict({ done: int, failed: list(strict({ id: str, error: str })) }),
  AuditLog: strict({
    entries: list(
      strict({
        at: time,
        who: str,
        action: str,
        target: nullable(str),
        outcome: health(['ok', 'refused', 'failed']),
        code: nullable(str),
      }),
    ),
  }),
  Deleted: strict({ id: str, $version: int }),
  Count: strict({ count: int }),
  Rows: strict({ rows: list({ type: 'object' }) }),
  Removed: strict({ deleted: { type: 'boolean' } }),
};

/** Request bodies of the admin routes. */
export const ADMIN_BODIES: Readonly<Record<string, JsonSchema>> = {
  CheckRequest: strict({ view: str, repair: { type: 'boolean' } }, ['view', 'repair']),
  ViewRequest: strict({ view: str }),
  ReplayRequest: strict({ view: str, signature: str }),
  SagaBatchRequest: strict({
    action: health(['resume', 'retry', 'cancel']),
    filter: strict({ state: str, type: str, olderThanMs: int, error: { type: 'boolean' } }, [
      'state',
      'type',
      'olderThanMs',
      'error',
    ]),
  }),
};
