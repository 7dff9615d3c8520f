import type { ChangeEvent } from '../src/contracts/change-event.js';
import type { DeliveredEvent, EventConsumer, EventLog } from '../src/contracts/event-log.js';
import { type Random, shuffle } from './random.js';

/** Probability, per fetch, of a duplicate or re-delivered batch. */
export const DUPLICATE_P = 0.1;

/** Batches kept per consumer for re-delivery: old enough to carry versions the view has long passed. */
const HISTORY = 64;

export interface FaultyLog extends EventLog {
  /** Events delivered again (duplicates, many older than what the view holds by then). */
  duplicates(): number;
  close(): Promise<void>;
}

/**
 * Wraps the real log the worker consumes and misbehaves the way brokers may:
 * every batch arrives shuffled, and with probability `p` a fetch returns an
 * earlier batch again (a duplicate delivery, often of versions older than the
 * view holds by then) or a batch with some of its events repeated. Acks pass
 * through to the real log.
 */
export function faultyLog(inner: EventLog & { close(): Promise<void> }, p: number, random: Random): FaultyLog {
  let duplicates = 0;
  return {
    name: inner.name,
    duplicates: () => duplicates,
    close: () => inner.close(),
    // The broker log is also the relay's publisher: keep that capability visible.
    ...('publish' in inner
      ? {
          publish: (inner as unknown as PublishLike).publish.bind(inner),
          publishWatermark: (inner as unknown as PublishLike).publishWatermark.bind(inner),
        }
      : {}),
    progress: (name: string) => inner.progress(name),
    handledThrough: (name: string) => inner.handledThrough(name),
    async consumer(name: string): Promise<EventConsumer> {
      const consumer = await inner.consumer(name);
      const history: DeliveredEvent[][] = [];
      return {
        async fetch(max) {
          if (history.length > 0 && random() < p) {
            const again = [...history[Math.floor(random() * history.length)]!];
            duplicates += again.length;
            return shuffle(again, random);
          }
          const events = await consumer.fetch(max);
          if (events.length === 0) return events;
          history.push(events);
          if (history.length > HISTORY) history.shift();
          const out = [...events];
          if (random() < p) {
            const extra = events.filter(() => random() < 0.3);
            duplicates += extra.length;
            out.push(...extra);
          }
          return shuffle(out, random);
        },
        ack: (events: readonly ChangeEvent[]) => consumer.ack(events),
        acknowledged: () => consumer.acknowledged(),
        head: () => consumer.head(),
        close: () => consumer.close(),
      };
    },
  };
}

interface PublishLike {
  publish(events: readonly ChangeEvent[], settled?: string | null): Promise<void>;
  publishWatermark(settled: string): Promise<void>;
}
