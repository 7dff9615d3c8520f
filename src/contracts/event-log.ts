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
  /** Opens (or resumes) the named durable consumer. */
  consumer(name: string): Promise<EventConsumer>;
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
  publish(events: readonly ChangeEvent[]): Promise<void>;
}

const OPS: ReadonlySet<string> = new Set(['create', 'update', 'delete']);

/** The wire form of an event in a broker log: its JSON, every field included. */
export function encodeEvent(event: ChangeEvent): string {
  const { eventId, entity, key, version, op, payload, position, committedAt } = event;
  return JSON.stringify({ eventId, entity, key, version, op, payload, position, committedAt });
}

/**
 * Reads an event back from its wire form; null when the text is not one (a
 * foreign message in the broker's stream), which the log then skips.
 */
export function decodeEvent(text: string): ChangeEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const e = value as Record<string, unknown>;
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
