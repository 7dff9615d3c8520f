import type { ChangeEvent } from './change-event.js';
import type { LogPosition } from './log-position.js';

/**
 * A durable, ordered log of change events shared by projectors. Embedded
 * deployments use the home's own outbox table; servers use a broker.
 * Delivery is at least once; order is guaranteed per key.
 */
export interface EventLog {
  /** A short name for logs and metrics (`outbox`, `jetstream`, ...). */
  readonly name: string;
  /**
   * True when each consumer handle receives events in position order without
   * gaps (the home's outbox read directly): the newest position a handle has
   * applied is then a contiguous prefix, which a process may trust for its
   * own read-your-writes without asking the log.
   */
  readonly inOrder?: boolean;
  /** Opens (or resumes) the named durable consumer. */
  consumer(name: string): Promise<EventConsumer>;
  /**
   * How far the named consumer has durably got, read from the log itself:
   * any process can call it, without opening or joining the consumer. A
   * consumer never opened reports `through: null` and the whole log as backlog.
   *
   * @example
   * const { through } = await log.progress('items_cache');
   * const applied = through !== null && through >= writeToken; // every event up to the write is handled
   */
  progress(name: string): Promise<ConsumerProgress>;
  /** `progress(name).through` alone, at the least cost: what a read-your-writes wait polls. */
  handledThrough(name: string): Promise<LogPosition | null>;
  /**
   * Deletes the named durable consumer and what the log keeps for it (a
   * replica that will not return). Resolves false when there was none.
   * Present on broker logs.
   */
  dropConsumer?(name: string): Promise<boolean>;
  /**
   * Forgets whatever the log cached from the home (a log that reads the home's
   * outbox): the home under it was replaced (`Polystore.moveHome`). Called
   * while no consumer is open.
   */
  reset?(): void;
}

/** A durable consumer's progress as the log records it (see {@link EventLog.progress}). */
export interface ConsumerProgress {
  /**
   * Every event at or before this position is handled (applied or
   * dead-lettered) and acknowledged: a contiguous prefix in position order,
   * so `through >= token` means a write with that token is visible. Null when
   * nothing is known to be handled.
   */
  readonly through: LogPosition | null;
  /** The newest position the log holds (of an event, or a watermark's settled bound); null when empty. */
  readonly head: LogPosition | null;
  /**
   * Messages the consumer has not acknowledged yet, delivered or not (broker
   * logs count watermarks too); null when the log cannot count. The outbox log
   * stops counting at 10 000.
   */
  readonly backlog: number | null;
  /** Delivered to some worker and not acknowledged yet; null when the log cannot tell. */
  readonly pending: number | null;
  /** Commit time (epoch ms) of the oldest message not yet handled; null when none is (or it is unknown). */
  readonly oldestUnhandledAt: number | null;
  /** When the consumer last acknowledged (epoch ms); null when the log does not record it. */
  readonly updatedAt: number | null;
}

/** An event as a consumer received it. */
export interface DeliveredEvent extends ChangeEvent {
  /**
   * How many times the log has handed this event to the consumer, this time
   * included (1 = first delivery). Absent when the log does not count.
   */
  readonly deliveryCount?: number;
}

export interface EventConsumer {
  /** Up to `max` events after the last fetched one; empty when none are ready. */
  fetch(max: number): Promise<DeliveredEvent[]>;
  /**
   * Marks events handled (applied or dead-lettered). After a restart, delivery
   * resumes after the acknowledged events; anything later is delivered again.
   */
  ack(events: readonly ChangeEvent[]): Promise<void>;
  /** The last acknowledged position, as stored durably. */
  acknowledged(): Promise<LogPosition | null>;
  /** Position of the newest event in the log (for lag in events). */
  head(): Promise<LogPosition | null>;
  close(): Promise<void>;
}

/**
 * Appends events to a log that is not the home itself (a broker), as the
 * outbox relay does. Idempotent by `eventId`: publishing an event again (a
 * relay that crashed before recording its progress) stores it once, within the
 * log's de-duplication window. Events keep the position the home gave them.
 */
export interface EventPublisher {
  /**
   * Appends `events` in order. `settled` is the publisher's promise that every
   * event at or before it is already stored in the log (confirmed before this
   * call began) or dead-lettered: the log stores it with each event, so the
   * message at a consumer's acknowledged floor tells how far that consumer has
   * handled a contiguous prefix (see {@link EventLog.progress}).
   */
  publish(events: readonly ChangeEvent[], settled?: LogPosition | null): Promise<void>;
  /**
   * Appends a watermark: every event at or before `settled` is already stored
   * in the log (or dead-lettered). Consumers acknowledge it without applying
   * anything; it moves their progress when the log is idle.
   */
  publishWatermark(settled: LogPosition): Promise<void>;
}

const OPS: ReadonlySet<string> = new Set(['create', 'update', 'delete']);

/**
 * The wire form of an event in a broker log: its JSON, every field included,
 * with the publisher's `settled` bound when it gave one.
 */
export function encodeEvent(event: ChangeEvent, settled?: LogPosition | null): string {
  const { eventId, entity, key, version, op, payload, position, committedAt } = event;
  const base = { eventId, entity, key, version, op, payload, position, committedAt };
  return JSON.stringify(settled ? { ...base, settled } : base);
}

/** The wire form of a watermark: every event at or before `settled` is in the log. */
export function encodeWatermark(settled: LogPosition, at = Date.now()): string {
  return JSON.stringify({ watermark: settled, at });
}

/** What a broker message says about progress: the settled bound it carries, and its own position and time. */
export interface MessageMark {
  /** Every event at or before it was stored before this message (null: the publisher gave none). */
  readonly settled: LogPosition | null;
  /** The event's own position, or the watermark's bound. */
  readonly position: LogPosition;
  /** The event's commit time, or when the watermark was published (epoch ms). */
  readonly at: number;
  readonly watermark: boolean;
}

/** Reads the progress marks of a broker message (event or watermark); null for a foreign message. */
export function decodeMark(text: string): MessageMark | null {
  const m = parseObject(text);
  if (m === null) return null;
  if (typeof m.watermark === 'string' && typeof m.at === 'number') {
    return { settled: m.watermark, position: m.watermark, at: m.at, watermark: true };
  }
  if (typeof m.position !== 'string' || typeof m.committedAt !== 'number') return null;
  const settled = typeof m.settled === 'string' ? m.settled : null;
  return { settled, position: m.position, at: m.committedAt, watermark: false };
}

/** True when a broker message is a watermark (acknowledged without being applied). */
export function isWatermark(text: string): boolean {
  return text.startsWith('{"watermark":');
}

/**
 * Reads an event back from its wire form; null when the text is not one (a
 * foreign message in the broker's stream), which the log then skips.
 */
export function decodeEvent(text: string): ChangeEvent | null {
  const e = parseObject(text);
  if (e === null) return null;
  const valid =
    typeof e.eventId === 'string' &&
    typeof e.entity === 'string' &&
    typeof e.key === 'string' &&
    Number.isSafeInteger(e.version) &&
    typeof e.op === 'string' &&
    OPS.has(e.op) &&
    (e.payload === null || (typeof e.payload === 'object' && !Array.isArray(e.payload))) &&
    typeof e.position === 'string' &&
    typeof e.committedAt === 'number';
  if (!valid) return null;
  const { eventId, entity, key, version, op, payload, position, committedAt } = e as unknown as ChangeEvent;
  return { eventId, entity, key, version, op, payload, position, committedAt };
}

/** A broker message's JSON object, or null for anything else (a foreign message). */
function parseObject(text: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}
