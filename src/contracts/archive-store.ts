import type { ChangeOp } from './change-event.js';
import type { ViewStoreBase } from './view-store.js';

/**
 * What an archive line says: `snapshot` marks a record's state that an
 * archive learnt from the home (a backfill or a checker repair) rather than
 * from a change event; it carries no position.
 */
export type ArchivedOp = ChangeOp | 'snapshot';

/** One line of an archive: a change event, or a snapshot of a record's state. */
export interface ArchivedEvent {
  /** `${entity}/${key}@${version}`, as the log names the event. */
  readonly eventId: string;
  readonly entity: string;
  readonly key: string;
  readonly op: ArchivedOp;
  readonly version: number;
  /** The event's log position; null for a snapshot. */
  readonly position: string | null;
  /** Commit time in epoch milliseconds (for a snapshot: when it was archived). */
  readonly committedAt: number;
  /** The record after the change (its JSON form); null for a delete. */
  readonly record: Record<string, unknown> | null;
}

/** What to read from an archive. */
export interface ArchiveQuery {
  /** Only this record's lines. */
  readonly key?: string;
  /** Only lines committed at or before this time (epoch milliseconds). */
  readonly until?: number;
}

/**
 * An append-only store of change events. Its views see every event of a
 * batch (not only the newest per key), and each apply writes them whole;
 * `applyIfNewer` is idempotent because a re-delivered batch overwrites the
 * same objects with the same lines, and readers de-duplicate on `eventId`.
 */
export interface ArchiveStore extends ViewStoreBase<unknown> {
  readonly kind: 'archive';
  /**
   * The archived lines of `scope` (an entity), one per event id, ordered by
   * key then version.
   */
  readEvents(scope: string, query?: ArchiveQuery): Promise<ArchivedEvent[]>;
}

const ARCHIVED = Symbol.for('polystore.archivedEvent');

/** Marks a projected value as a whole event line (rather than a record's state). */
export function archivedEvent(event: ArchivedEvent): ArchivedEvent {
  return Object.defineProperty({ ...event }, ARCHIVED, { value: true, enumerable: false });
}

export function isArchivedEvent(value: unknown): value is ArchivedEvent {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ARCHIVED] === true;
}
