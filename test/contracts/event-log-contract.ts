import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChangeEvent, eventIdOf, type NewChangeEvent } from '../../src/contracts/change-event.js';
import type { DeliveredEvent, EventConsumer, EventLog, EventPublisher } from '../../src/contracts/event-log.js';
import { type LogPosition, outboxPosition } from '../../src/contracts/log-position.js';
import { uniqueName } from '../support/temp-dir.js';

export interface EventLogContractContext {
  readonly log: EventLog;
  /**
   * Makes events readable from the log, in this order: a broker log publishes
   * them (see {@link publishThrough}); the outbox appends them in one home
   * transaction.
   */
  readonly publish: (events: readonly NewChangeEvent[]) => Promise<void>;
  /** Deletes the stream, keys or schema the context created and closes what it opened. */
  readonly cleanup: () => Promise<void>;
}

/** What a log declares it cannot do; the contract checks the weaker promise instead. */
export interface EventLogCapabilities {
  /** A re-published event id is stored once (brokers); the outbox stores every append. */
  readonly deduplicates: boolean;
  /** `dropConsumer` deletes a durable consumer (brokers: a replica that will not return). */
  readonly dropsConsumers?: boolean;
  /** Handles of one durable consumer split its events (brokers); outbox handles each read everything. */
  readonly sharesLoad: boolean;
}

/**
 * Publishes through a broker log as the outbox relay would: each event gets
 * its id, a commit time and an outbox position in publish order; publishing an
 * event again re-sends the same id and position. Each call's events carry the
 * newest position of the earlier calls as their `settled` bound, and a
 * watermark with the newest position follows them.
 */
export function publishThrough(publisher: EventPublisher): (events: readonly NewChangeEvent[]) => Promise<void> {
  const positions = new Map<string, LogPosition>();
  let seq = 0;
  let settled: LogPosition | null = null;
  return async (events) => {
    const changes: ChangeEvent[] = events.map((event) => {
      const eventId = eventIdOf(event);
      let position = positions.get(eventId);
      if (position === undefined) {
        position = outboxPosition(1, ++seq);
        positions.set(eventId, position);
      }
      return { ...event, eventId, position, committedAt: Date.now() };
    });
    await publisher.publish(changes, settled);
    for (const change of changes) if (settled === null || change.position > settled) settled = change.position;
    if (settled !== null) await publisher.publishWatermark(settled);
  };
}

/** `count` changes over `keys` keys, interleaved: k0@1, k1@1, ..., k0@2, k1@2, ... */
function changes(count: number, keys: number, entity = 'items'): NewChangeEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `k${i % keys}`;
    const version = Math.floor(i / keys) + 1;
    return { entity, key, version, op: version === 1 ? 'create' : 'update', payload: { id: key, n: i } };
  });
}

interface DrainOptions {
  /** Distinct events to wait for. */
  readonly until: number;
  readonly batch?: number;
  readonly ack?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Fetches until `until` distinct events arrived (or the timeout), then once
 * more so that extra deliveries (duplicates) are caught too.
 */
async function drain(consumer: EventConsumer, options: DrainOptions): Promise<DeliveredEvent[]> {
  const { until, batch = 100, ack = true, timeoutMs = 20_000 } = options;
  const out: DeliveredEvent[] = [];
  const distinct = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  let extraFetch = false;
  while (Date.now() < deadline) {
    const events = await consumer.fetch(batch);
    if (ack && events.length > 0) await consumer.ack(events);
    out.push(...events);
    for (const e of events) distinct.add(e.eventId);
    if (distinct.size >= until) {
      if (extraFetch && events.length === 0) break;
      extraFetch = true;
    }
    if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return out;
}

function ids(events: readonly ChangeEvent[]): string[] {
  return events.map((e) => e.eventId);
}

/** Each key's versions in delivery order. */
function versionsByKey(events: readonly ChangeEvent[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const e of events) byKey.set(`${e.entity}/${e.key}`, [...(byKey.get(`${e.entity}/${e.key}`) ?? []), e.version]);
  return byKey;
}

function expectAscending(values: readonly number[]): void {
  expect(values).toEqual([...values].sort((a, b) => a - b));
}

/**
 * The behaviour every event log must show: per-key order, acks that survive a
 * reopen, redelivery of what was not acked, independent views, de-duplication
 * of re-published ids, large batches, and workers sharing a durable consumer.
 */
export function describeEventLogContract(
  name: string,
  make: () => Promise<EventLogContractContext>,
  capabilities: EventLogCapabilities,
): void {
  describe(`event log contract: ${name}`, () => {
    let ctx: EventLogContractContext;
    let view: string;
    const opened: EventConsumer[] = [];
    const open = async (consumerName = view) => {
      const consumer = await ctx.log.consumer(consumerName);
      opened.push(consumer);
      return consumer;
    };

    beforeEach(async () => {
      ctx = await make();
      view = uniqueName('view');
    });

    afterEach(async () => {
      for (const consumer of opened.splice(0)) await consumer.close();
      await ctx.cleanup();
    });

    it('has no head, no acknowledged position and nothing to fetch when empty', async () => {
      const consumer = await open();
      const started = Date.now();
      expect(await consumer.fetch(10)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await consumer.head()).toBeNull();
      expect(await consumer.acknowledged()).toBeNull();
    });

    it('delivers events whole, in order per key, with positions that grow in log order', async () => {
      const published = changes(40, 5);
      await ctx.publish(published);
      const consumer = await open();
      const got = await drain(consumer, { until: 40, batch: 7 });
      expect(ids(got).sort()).toEqual(published.map(eventIdOf).sort());
      for (const versions of versionsByKey(got).values()) expectAscending(versions);
      const positions = got.map((e) => e.position);
      expect(positions).toEqual([...positions].sort());
      const first = got.find((e) => e.eventId === 'items/k0@1')!;
      expect(first).toMatchObject({
        entity: 'items',
        key: 'k0',
        version: 1,
        op: 'create',
        payload: { id: 'k0', n: 0 },
      });
      expect(typeof first.committedAt).toBe('number');
      for (const e of got) if (e.deliveryCount !== undefined) expect(e.deliveryCount).toBe(1);
      expect(await consumer.head()).toBe(positions.at(-1));
      expect(await consumer.acknowledged()).toBe(positions.at(-1));
    });

    it('does not deliver acked events again after the consumer reopens', async () => {
      await ctx.publish(changes(10, 10));
      const first = await open();
      const got = await drain(first, { until: 10, ack: false });
      expect(got).toHaveLength(10);
      await first.ack(got.slice(0, 6));
      await first.close();

      const second = await open();
      expect(await second.acknowledged()).toBe(got[5]!.position);
      const again = await drain(second, { until: 4 });
      expect(ids(again).sort()).toEqual(ids(got.slice(6)).sort());
    });

    it('delivers unacked events again after close and reopen', async () => {
      await ctx.publish(changes(5, 5));
      const first = await open();
      const got = await drain(first, { until: 5, ack: false });
      expect(got).toHaveLength(5);
      await first.close();

      const second = await open();
      const again = await drain(second, { until: 5, timeoutMs: 10_000 });
      expect(ids(again).sort()).toEqual(ids(got).sort());
      for (const e of again) if (e.deliveryCount !== undefined) expect(e.deliveryCount).toBeGreaterThanOrEqual(2);
    });

    it('gives every consumer (view) every event', async () => {
      const published = changes(30, 4);
      await ctx.publish(published);
      const a = await open(`${view}_a`);
      const b = await open(`${view}_b`);
      const gotA = await drain(a, { until: 30 });
      const gotB = await drain(b, { until: 30, batch: 13 });
      expect(ids(gotA).sort()).toEqual(published.map(eventIdOf).sort());
      expect(ids(gotB).sort()).toEqual(published.map(eventIdOf).sort());
    });

    it(
      capabilities.deduplicates
        ? 'delivers a re-published event id once'
        : 'delivers a re-published event id at least once (the log does not de-duplicate)',
      async () => {
        const published = changes(15, 5);
        await ctx.publish(published.slice(0, 10));
        await ctx.publish(published); // a relay re-sending after a crash, plus 5 new events
        const consumer = await open();
        const got = await drain(consumer, { until: 15 });
        const counts = new Map<string, number>();
        for (const id of ids(got)) counts.set(id, (counts.get(id) ?? 0) + 1);
        expect([...counts.keys()].sort()).toEqual(published.map(eventIdOf).sort());
        if (capabilities.deduplicates) expect(got).toHaveLength(15);
        for (const versions of versionsByKey(got).values()) {
          if (capabilities.deduplicates) expectAscending(versions);
        }
      },
    );

    it('delivers a batch of 5 000 events completely, in order per key', async () => {
      const published = changes(5_000, 250);
      await ctx.publish(published);
      const consumer = await open();
      const got = await drain(consumer, { until: 5_000, batch: 500, timeoutMs: 50_000 });
      expect(new Set(ids(got)).size).toBe(5_000);
      for (const versions of versionsByKey(got).values()) expectAscending(versions);
    });

    it('carries any id the home accepts (newline, spaces, unicode, 1 000 bytes), de-duplicated like any other', async () => {
      const keys = ['a\nb', 'a b', 'ü/é:*>.', '\r\n\t', 'x'.repeat(1_000 - 'items/@1'.length)];
      const odd: NewChangeEvent[] = keys.map((key) => ({
        entity: 'items',
        key,
        version: 1,
        op: 'create',
        payload: { id: key },
      }));
      expect(Buffer.byteLength(eventIdOf(odd[4]!))).toBe(1_000);
      await ctx.publish(odd);
      await ctx.publish([...odd, ...changes(3, 3)]); // re-sent, and later events still flow
      const consumer = await open();
      const got = await drain(consumer, { until: keys.length + 3 });
      expect(new Set(ids(got))).toEqual(new Set([...odd, ...changes(3, 3)].map(eventIdOf)));
      if (capabilities.deduplicates) expect(got).toHaveLength(keys.length + 3);
      expect(got.find((e) => e.key === 'a\nb')).toMatchObject({ payload: { id: 'a\nb' } });
    });

    it('reports progress from outside the consumer: nothing before it starts, all once everything is acked', async () => {
      const published = changes(30, 6);
      await ctx.publish(published);
      const before = await ctx.log.progress(view);
      expect(before.through).toBeNull();
      expect(before.backlog === null || before.backlog >= 30).toBe(true);
      expect(before.head).not.toBeNull();
      expect(typeof before.oldestUnhandledAt).toBe('number');

      const consumer = await open();
      const got = await drain(consumer, { until: 30 });
      const last = got
        .map((e) => e.position)
        .sort()
        .at(-1)!;
      const after = await ctx.log.progress(view);
      expect(after.through! >= last).toBe(true);
      expect(await ctx.log.handledThrough(view)).toBe(after.through);
      expect(after.backlog === null || after.backlog === 0).toBe(true);
      expect(after.oldestUnhandledAt).toBeNull();
    });

    if (capabilities.dropsConsumers) {
      it('drops a consumer on request: its progress starts over, the others keep theirs', async () => {
        await ctx.publish(changes(6, 3));
        const other = uniqueName('other');
        for (const name of [view, other]) {
          const consumer = await open(name);
          await drain(consumer, { until: 6 });
          await consumer.close();
        }
        expect(await ctx.log.handledThrough(view)).not.toBeNull();
        expect(await ctx.log.dropConsumer!(view)).toBe(true);
        expect(await ctx.log.dropConsumer!(view)).toBe(false);
        expect(await ctx.log.handledThrough(view)).toBeNull();
        expect(await ctx.log.handledThrough(other)).not.toBeNull();
        // Opened again, it is a new consumer that receives every event.
        const again = await drain(await open(), { until: 6 });
        expect(again).toHaveLength(6);
      });
    }

    if (capabilities.sharesLoad) {
      it('never reports an unacknowledged event as handled, whatever was acked after it', async () => {
        const groups = [changes(10, 10, 'g1'), changes(10, 10, 'g2'), changes(10, 10, 'g3')];
        for (const group of groups) await ctx.publish(group);
        const consumer = await open();
        const got = await drain(consumer, { until: 30, ack: false });
        const held = got.find((e) => e.eventId === 'g2/k4@1')!;
        await consumer.ack(got.filter((e) => e !== held));
        const through = await ctx.log.handledThrough(view);
        expect(through === null || through < held.position).toBe(true);
        expect((await ctx.log.progress(view)).pending).toBe(1);
        await consumer.ack([held]);
        expect(await ctx.log.handledThrough(view)).toBe(
          got
            .map((e) => e.position)
            .sort()
            .at(-1),
        );
      });
    }

    if (capabilities.sharesLoad) {
      it('progress is a contiguous acked prefix under random publishes, fetches and out-of-order acks (property)', async () => {
        // Every published position, across runs: a new consumer reads the stream from its start.
        // Broker contexts publish with publishThrough, which numbers new events 1, 2, 3, ...
        const published: LogPosition[] = [];
        let runs = 0;
        const command = fc.oneof(
          fc.record({ kind: fc.constant('publish' as const), n: fc.integer({ min: 1, max: 6 }) }),
          fc.record({ kind: fc.constant('fetch' as const), max: fc.integer({ min: 1, max: 8 }) }),
          fc.record({ kind: fc.constant('ack' as const), picks: fc.array(fc.nat(), { maxLength: 6 }) }),
        );
        await fc.assert(
          fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 14 }), async (commands) => {
            const name = `${view}_p${runs++}`;
            const consumer = await open(name);
            const held: DeliveredEvent[] = [];
            const acked = new Set<string>();
            const check = async () => {
              const through = await ctx.log.handledThrough(name);
              if (through === null) return;
              for (const position of published) if (position <= through) expect(acked.has(position)).toBe(true);
            };
            for (const c of commands) {
              if (c.kind === 'publish') {
                const batch = Array.from({ length: c.n }, (_, i) => ({
                  entity: 'prop',
                  key: `r${published.length + i}`,
                  version: 1,
                  op: 'create' as const,
                  payload: { n: published.length + i },
                }));
                await ctx.publish(batch);
                for (let i = 0; i < batch.length; i++) published.push(outboxPosition(1, published.length + 1));
              } else if (c.kind === 'fetch') {
                held.push(...(await consumer.fetch(c.max)));
              } else {
                const picked = new Set(c.picks.filter((i) => i < held.length));
                const chosen = held.filter((_, i) => picked.has(i));
                if (chosen.length === 0) continue;
                await consumer.ack(chosen);
                for (const e of chosen) acked.add(e.position);
                for (let i = held.length - 1; i >= 0; i--) if (picked.has(i)) held.splice(i, 1);
              }
              await check();
            }
            // Acking everything brings progress to the newest event.
            const unseen = published.length - acked.size - new Set(held.map((e) => e.position)).size;
            const rest = [...held, ...(await drain(consumer, { until: unseen, ack: false, timeoutMs: 5_000 }))];
            await consumer.ack(rest);
            for (const e of rest) acked.add(e.position);
            await drain(consumer, { until: 0, timeoutMs: 1_000 });
            await check();
            if (published.length > 0) {
              expect(await ctx.log.handledThrough(name)).toBe(published.at(-1));
            }
          }),
          { numRuns: 6 },
        );
      }, 120_000);
    }

    it('lets two workers of one consumer share its events without losing any', async () => {
      const published = changes(400, 40);
      await ctx.publish(published);
      const workers = [await open(), await open()];
      const received: DeliveredEvent[][] = [[], []];
      const union = new Set<string>();
      const deadline = Date.now() + 20_000;
      for (let turn = 0; union.size < 400 && Date.now() < deadline; turn++) {
        const worker = turn % 2;
        const events = await workers[worker]!.fetch(25);
        await workers[worker]!.ack(events);
        received[worker]!.push(...events);
        for (const e of events) union.add(e.eventId);
      }
      expect([...union].sort()).toEqual(published.map(eventIdOf).sort());
      const [one, two] = received.map((events) => new Set(ids(events)));
      if (capabilities.sharesLoad) {
        expect(one!.size).toBeGreaterThan(0);
        expect(two!.size).toBeGreaterThan(0);
        expect([...one!].filter((id) => two!.has(id))).toEqual([]);
      } else {
        expect(one!.size + two!.size).toBeGreaterThanOrEqual(400);
      }
    });
  });
}
