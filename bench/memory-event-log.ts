import { outboxPosition } from '../src/contracts/log-position.js';
import type { ChangeEvent, EventLog } from '../src/index.js';
import type { BenchItem } from './bench-model.js';

/**
 * A log holding `events` in memory, so a projector's time is all its own:
 * fetching is a slice, acknowledging a no-op.
 */
export function memoryEventLog(events: readonly ChangeEvent[]): EventLog {
  return {
    name: 'memory',
    async progress() {
      // Not durable: benchmarks wait on the projector itself.
      return {
        through: null,
        head: events.at(-1)?.position ?? null,
        backlog: null,
        pending: null,
        oldestUnhandledAt: null,
        updatedAt: null,
      };
    },
    async handledThrough() {
      return null;
    },
    async consumer() {
      let cursor = 0;
      return {
        async fetch(max) {
          const batch = events.slice(cursor, cursor + max);
          cursor += batch.length;
          return batch;
        },
        async ack() {},
        async acknowledged() {
          return null;
        },
        async head() {
          return events.at(-1)?.position ?? null;
        },
        async close() {},
      };
    },
  };
}

/** Create events of `items`, as the outbox would hand them out (one transaction id per set). */
export function createEvents(entity: string, items: readonly BenchItem[], txId: number): ChangeEvent[] {
  const committedAt = Date.now();
  return items.map((item, i) => ({
    entity,
    key: item.id,
    version: 1,
    op: 'create',
    payload: item as unknown as Record<string, unknown>,
    eventId: `${entity}/${item.id}@1`,
    position: outboxPosition(txId, i + 1),
    committedAt,
  }));
}
