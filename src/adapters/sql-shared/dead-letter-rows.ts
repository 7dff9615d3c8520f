import type { ChangeEvent } from '../../contracts/change-event.js';
import type { DeadLetter, NewDeadLetter } from '../../contracts/dead-letter.js';
import { type ColumnCodec, toNumber } from './row-values.js';
import { assertCount, assertName } from './sql-arguments.js';

/** A `_ps_dead_letters` row as the statements select it (id as decimal text). */
export interface DeadLetterRow {
  readonly id: string;
  readonly consumer: string;
  readonly event: unknown;
  readonly attempts: unknown;
  readonly error: string;
  readonly failed_at: unknown;
}

/**
 * Checks a new dead letter (a named consumer, non-negative attempts) and
 * returns the values every insert statement binds, in order: consumer, the
 * event as JSON text, attempts, error. The failure time is the server's clock.
 */
export function deadLetterValues(letter: NewDeadLetter): [string, string, number, string] {
  assertName(letter.consumer, 'consumer');
  assertCount(letter.attempts, 'attempts');
  return [letter.consumer, JSON.stringify(letter.event), letter.attempts, letter.error];
}

/** A dead-letter row as the sync engine sees it; the dialect's codec reads its JSON event and timestamp. */
export function toDeadLetter(row: DeadLetterRow, codec: ColumnCodec): DeadLetter {
  return {
    id: row.id,
    consumer: row.consumer,
    event: codec.decodeJson(row.event) as ChangeEvent,
    attempts: toNumber(row.attempts),
    error: row.error,
    failedAt: codec.decodeTimestamp(row.failed_at),
  };
}
