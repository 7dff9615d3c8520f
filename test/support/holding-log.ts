import type { ChangeEvent, EventConsumer, EventLog } from '../../src/index.js';

/** An event a consumer holds: its key, version and operation. */
export type HeldEvent = Pick<ChangeEvent, 'key' | 'version' | 'op'>;

/** A log wrapped by `holdingLog`, and the switch that makes one of its consumers hold a delivery. */
export interface HoldingLog<L extends EventLog> {
  readonly log: L;
  /**
   * From now on, the next fetch of `consumer` in this process that brings an
   * event of a key starting with `keyPrefix` is taken from the broker and then
   * never handed to the projector: its events stay delivered and unacked for
   * as long as the process lives. Resolves with them, once it holds them.
   */
  hold(consumer: string, keyPrefix: string): Promise<HeldEvent[]>;
}

/**
 * Wraps a real broker log (everything else it offers, publishing included,
 * passes through untouched) so a test can make a worker die holding a batch
 * it fetched and never acked: the case in which a shared durable consumer
 * still owes events after the worker is gone.
 *
 * @example
 * const holding = holdingLog(jetstreamLog({ stream }));
 * const db = createPolystore({ ..., log: holding.log });
 * await holding.hold('items_cache', 'held-'); // then SIGKILL this process
 */
export function holdingLog<L extends EventLog>(log: L): HoldingLog<L> {
  let target: { consumer: string; keyPrefix: string; held: (events: HeldEvent[]) => void } | undefined;
  const wrap = (name: string, consumer: EventConsumer): EventConsumer =>
    forward(consumer, {
      fetch: async (max: number) => {
        const events = await consumer.fetch(max);
        if (target?.consumer === name && events.some((e) => e.key.startsWith(target!.keyPrefix))) {
          target.held(events.map(({ key, version, op }) => ({ key, version, op })));
          await new Promise<never>(() => undefined);
        }
        return events;
      },
    });
  return {
    log: forward(log, { consumer: async (name: string) => wrap(name, await log.consumer(name)) }),
    hold: (consumer, keyPrefix) =>
      new Promise<HeldEvent[]>((resolve) => {
        target = { consumer, keyPrefix, held: resolve };
      }),
  };
}

/** `object` with some members replaced; every other member is the object's own, bound to it. */
function forward<T extends object>(object: T, overrides: Readonly<Record<string, unknown>>): T {
  return new Proxy(object, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
