import type { LogPosition } from './log-position.js';

export type ChangeOp = 'create' | 'update' | 'delete';

/** What a home write appends to the outbox, in the same transaction. */
export interface NewChangeEvent {
  readonly entity: string;
  readonly key: string;
  readonly version: number;
  readonly op: ChangeOp;
  /** The record after the change, in its JSON form; null for a delete. */
  readonly payload: Record<string, unknown> | null;
}

/** An event as read back from a log. */
export interface ChangeEvent extends NewChangeEvent {
  /** Unique per change: `${entity}/${key}@${version}`; logs de-duplicate on it. */
  readonly eventId: string;
  readonly position: LogPosition;
  /** Commit time in epoch milliseconds, as the home's clock saw it. */
  readonly committedAt: number;
}

export function eventIdOf(event: Pick<NewChangeEvent, 'entity' | 'key' | 'version'>): string {
  return `${event.entity}/${event.key}@${event.version}`;
}

/** The `create` events of rows just inserted for `entity`: `rows[i]` at `versions[i]`, carrying `payloads[i]`. */
export function createEventsOf(
  entity: string,
  rows: readonly { readonly id: string }[],
  versions: readonly number[],
  payloads: readonly Record<string, unknown>[],
): NewChangeEvent[] {
  return rows.map((row, i) => ({ entity, key: row.id, version: versions[i]!, op: 'create', payload: payloads[i]! }));
}
