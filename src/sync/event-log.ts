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

export interface EventConsumer {
  /** Up to `max` events after the last fetched one; empty when none are ready. */
  fetch(max: number): Promise<ChangeEvent[]>;
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
