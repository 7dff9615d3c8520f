import type { ChangeEvent } from '../../src/contracts/change-event.js';
import type { EventConsumer, EventLog } from '../../src/contracts/event-log.js';

/**
 * Wraps a real event log and misbehaves the way real brokers do: it shuffles
 * each batch and, with probability `p`, delivers an earlier batch again
 * (duplicates, and older versions after newer ones).
 */
export function faultyEventLog(
  inner: EventLog,
  options: { p: number; random: () => number },
): EventLog & { redelivered: () => number } {
  let redelivered = 0;
  return {
    name: `faulty(${inner.name})`,
    redelivered: () => redelivered,
    progress: (name: string) => inner.progress(name),
    handledThrough: (name: string) => inner.handledThrough(name),
    async consumer(name: string): Promise<EventConsumer> {
      const consumer = await inner.consumer(name);
      const history: ChangeEvent[][] = [];
      return {
        ...consumer,
        async fetch(max) {
          if (history.length > 0 && options.random() < options.p) {
            redelivered++;
            return shuffle([...history[Math.floor(options.random() * history.length)]!], options.random);
          }
          const events = await consumer.fetch(max);
          if (events.length > 0) history.push(events);
          return shuffle([...events], options.random);
        },
        ack: (events) => consumer.ack(events),
        acknowledged: () => consumer.acknowledged(),
        head: () => consumer.head(),
        close: () => consumer.close(),
      };
    },
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
