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
export function faultyLog<L extends EventLog & { close(): Promise<void> }>(
  inner: L,
  p: number,
  random: Random,
): L & FaultyLog {
  let duplicates = 0;
  const wrap = (consumer: EventConsumer): EventConsumer => {
    const history: DeliveredEvent[][] = [];
    return forward(consumer, {
      async fetch(max: number) {
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
    });
  };
  // Everything else the log and its consumers offer (publishing, acks, progress...) passes through.
  return forward(inner, {
    duplicates: () => duplicates,
    consumer: async (name: string) => wrap(await inner.consumer(name)),
  }) as L & FaultyLog;
}

/** `object` with some members replaced or added; every other member is the object's own, bound to it. */
function forward<T extends object>(object: T, overrides: Readonly<Record<string, unknown>>): T {
  return new Proxy(object, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has(target, prop) {
      return (typeof prop === 'string' && Object.hasOwn(overrides, prop)) || Reflect.has(target, prop);
    },
  });
}
