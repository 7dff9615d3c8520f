import type { ChangeEvent, ChangeOp, NewChangeEvent } from '../../contracts/change-event.js';
import { eventIdOf } from '../../contracts/change-event.js';
import { type LogPosition, parseOutboxPosition } from '../../contracts/log-position.js';
import { type ColumnCodec, toNumber } from './row-values.js';
import { assertCount, assertId, invalidArgument } from './sql-arguments.js';

const OPS: ReadonlySet<string> = new Set<ChangeOp>(['create', 'update', 'delete']);

/** The columns of an outbox row both dialects read back, whatever they call its position columns. */
export interface OutboxEventRow {
  readonly entity: string;
  readonly key: string;
  readonly version: unknown;
  readonly op: ChangeOp;
  /** The record after the change as JSON, or null for a delete. */
  readonly payload: unknown;
  readonly committed_ms: unknown;
}

/**
 * Checks a new event (a known op, a non-negative version, a key the home can
 * store as a record id) and returns the values every append statement binds,
 * in order: entity, key, version, op, and the payload as JSON text (null for a delete).
 */
export function outboxEventValues(
  event: NewChangeEvent,
  maxIdBytes: number,
): [string, string, number, ChangeOp, string | null] {
  if (!OPS.has(event.op))
    throw invalidArgument('An outbox event has an unknown op', 'op', 'use create, update or delete');
  assertCount(event.version, 'version');
  assertId(event.key, maxIdBytes);
  const payload = event.payload === null ? null : JSON.stringify(event.payload);
  return [event.entity, event.key, event.version, event.op, payload];
}

/** Splits a caller's log position, refusing one this home did not hand out (`PS_ERR_INVALID_ARGUMENT`). */
export function parsePositionArgument(position: LogPosition): { txId: string; seq: string } {
  try {
    return parseOutboxPosition(position);
  } catch (err) {
    throw invalidArgument(
      'A log position is not an outbox position',
      'position',
      'pass a position read from this home',
      err,
    );
  }
}

/**
 * An outbox row as a change event. The dialect's codec reads the payload
 * (jsonb arrives parsed, MariaDB JSON as text), and the dialect builds the
 * position from its own transaction-number column.
 */
export function toChangeEvent(row: OutboxEventRow, codec: ColumnCodec, position: LogPosition): ChangeEvent {
  const event = { entity: row.entity, key: row.key, version: toNumber(row.version) };
  return {
    ...event,
    op: row.op,
    payload: row.payload === null ? null : (codec.decodeJson(row.payload) as Record<string, unknown>),
    eventId: eventIdOf(event),
    position,
    committedAt: toNumber(row.committed_ms),
  };
}
