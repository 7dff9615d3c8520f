import type { ChangeEvent } from '../contracts/change-event.js';
import type { ConsumerProgress, EventConsumer, EventLog } from '../contracts/event-log.js';
import type { HomeStore } from '../contracts/home-store.js';
import { type LogPosition, maxPosition } from '../contracts/log-position.js';
import { SharedOutboxReader } from './shared-outbox-reader.js';

/** The outbox log counts a consumer's backlog up to this many events (reading them costs). */
export const BACKLOG_CAP = 10_000;

/**
 * The home's outbox table used directly as the event log (embedded mode):
 * each consumer keeps a checkpoint row in the home and reads after it. The
 * consumers of one log share a single reader, so the outbox is read once.
 *
 * @example
 * const log = outboxEventLog(home);
 * const consumer = await log.consumer('products_search');
 */
export function outboxEventLog(home: HomeStore): EventLog {
  let reader = new SharedOutboxReader(home);
  return {
    name: 'outbox',
    inOrder: true,
    handledThrough: (name: string) => home.getCheckpoint(name),
    reset() {
      reader = new SharedOutboxReader(home);
    },
    async progress(name: string): Promise<ConsumerProgress> {
      // The checkpoint only moves forward over events read in order: a contiguous prefix.
      const [through, head] = await Promise.all([home.getCheckpoint(name), home.outboxHead()]);
      const unhandled = head !== null && (through === null || through < head);
      const after = unhandled ? await home.readOutbox(through, BACKLOG_CAP) : [];
      return {
        through,
        head,
        backlog: after.length,
        pending: null,
        oldestUnhandledAt: after[0]?.committedAt ?? null,
        updatedAt: null,
      };
    },
    async consumer(name: string): Promise<EventConsumer> {
      let acked = await home.getCheckpoint(name);
      let cursor = acked;
      return {
        async fetch(max) {
          const events = await reader.read(cursor, max);
          const last = events.at(-1);
          if (last) cursor = last.position;
          return events;
        },
        async ack(events: readonly ChangeEvent[]) {
          const newest = events.reduce<LogPosition | null>((pos, e) => maxPosition(pos, e.position), null);
          if (newest === null || (acked !== null && newest <= acked)) return;
          await home.setCheckpoint(name, newest);
          acked = newest;
        },
        acknowledged: () => home.getCheckpoint(name),
        head: () => home.outboxHead(),
        async close() {},
      };
    },
  };
}
