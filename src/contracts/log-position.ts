/**
 * A position in an event log, opaque to consumers but totally ordered by plain
 * string comparison. The outbox encodes `(transaction id, sequence)` as two
 * zero-padded decimal numbers so that `a < b` is the log order.
 */
export type LogPosition = string & { readonly __brand?: 'LogPosition' };

const WIDTH = 20;

/** Encodes an outbox position from its transaction id and sequence number. */
export function outboxPosition(txId: bigint | string | number, seq: bigint | string | number): LogPosition {
  return `${String(txId).padStart(WIDTH, '0')}:${String(seq).padStart(WIDTH, '0')}`;
}

/** Splits an outbox position back into its parts (as decimal strings). */
export function parseOutboxPosition(position: LogPosition): { txId: string; seq: string } {
  const match = /^(\d{20}):(\d{20})$/.exec(position);
  if (!match) throw new TypeError('not an outbox position');
  return { txId: BigInt(match[1]!).toString(), seq: BigInt(match[2]!).toString() };
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxPosition(a: LogPosition | null, b: LogPosition | null): LogPosition | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
