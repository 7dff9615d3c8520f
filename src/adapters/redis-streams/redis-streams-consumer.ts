import type { ChangeEvent } from '../../contracts/change-event.js';
import {
  type DeliveredEvent,
  decodeEvent,
  decodeMark,
  type EventConsumer,
  isWatermark,
} from '../../contracts/event-log.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { PolystoreError } from '../../errors/index.js';
import { describeError, type Logger } from '../../runtime/logger.js';
import { loadLua, type RedisStreamsClientLike, redisCall, runLua } from './redis-streams-driver.js';

const CLAIM_STALE = loadLua('claim-stale.lua');
const REAP_CONSUMERS = loadLua('reap-consumers.lua');
/** Entry ids per XACK / XCLAIM call. */
const ID_CHUNK = 1_000;
/** Reads one fetch may make while it receives nothing but watermarks. */
const WATERMARK_ROUNDS = 4;
/** The longest pause between scans for stale entries (scans are also bounded by `claimIdleMs`). */
const MAX_SWEEP_EVERY_MS = 1_000;

export interface RedisStreamsConsumerContext {
  readonly client: RedisStreamsClientLike;
  readonly stream: string;
  readonly group: string;
  /** This handle's consumer name in the group (unique per handle). */
  readonly consumer: string;
  readonly claimIdleMs: number;
  readonly logger: Logger;
}

type Entry = [id: string, fields: string[]];

/**
 * One worker's handle on a consumer group. `fetch` first claims entries that
 * other consumers of the group have held unacked for `claimIdleMs` (XAUTOCLAIM:
 * a dead worker's batch), then reads new ones (XREADGROUP `>`). `close()`
 * marks the entries it holds unacked as idle, so the next handle's first
 * fetch takes them over at once.
 */
export class RedisStreamsConsumer implements EventConsumer {
  /** eventId → entry ids this handle fetched and has not acked (duplicates share an event id). */
  readonly #inFlight = new Map<string, string[]>();
  #cursor = '0-0';
  #lastSweep = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(private readonly ctx: RedisStreamsConsumerContext) {}

  async fetch(max: number): Promise<DeliveredEvent[]> {
    this.#assertOpen();
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'fetch(max) needs a positive integer', {
        field: 'max',
        fix: 'pass the batch size, e.g. 500',
      });
    }
    const { client, stream, group, consumer, claimIdleMs } = this.ctx;
    const out: DeliveredEvent[] = [];
    const bad: string[] = [];
    const now = Date.now();
    if (this.#cursor !== '0-0' || now - this.#lastSweep >= Math.min(claimIdleMs, MAX_SWEEP_EVERY_MS)) {
      const [cursor, claimed] = (await redisCall('claim stale entries', () =>
        runLua(client, CLAIM_STALE, [stream], [group, consumer, claimIdleMs, this.#cursor, max]),
      )) as [string, [string, string[], number][]];
      this.#cursor = cursor;
      if (cursor === '0-0') this.#lastSweep = now;
      for (const [id, fields, deliveries] of claimed) this.#accept(out, bad, id, fields, deliveries);
    }
    // Entries that were all watermarks are read past, so an empty result means an empty stream.
    for (let round = 0; round < WATERMARK_ROUNDS && out.length < max; round++) {
      const reply = (await redisCall('read new entries', () =>
        client.call('XREADGROUP', ['GROUP', group, consumer, 'COUNT', max - out.length, 'STREAMS', stream, '>']),
      )) as [string, Entry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      for (const [id, fields] of entries) this.#accept(out, bad, id, fields, 1);
      if (out.length > 0 || entries.length === 0) break;
    }
    if (bad.length > 0) await this.#xack(bad);
    return out;
  }

  /** Acks every entry of these events this handle holds; events it never fetched are ignored. */
  async ack(events: readonly ChangeEvent[]): Promise<void> {
    this.#assertOpen();
    const ids: string[] = [];
    for (const event of events) ids.push(...(this.#inFlight.get(event.eventId) ?? []));
    await this.#xack(ids);
    for (const event of events) this.#inFlight.delete(event.eventId);
  }

  /**
   * The position of the last entry before the group's oldest unacked one (or
   * of the last delivered entry when nothing is pending): every entry up to it
   * is acked.
   */
  async acknowledged(): Promise<LogPosition | null> {
    const { client, stream, group } = this.ctx;
    return redisCall('read the acknowledged position', async () => {
      const groups = (await client.call('XINFO', ['GROUPS', stream])) as (string | number)[][];
      const info = groups.map(pairs).find((g) => g.name === group);
      const delivered = info?.['last-delivered-id'];
      if (typeof delivered !== 'string' || delivered === '0-0') return null;
      const [count, oldest] = (await client.call('XPENDING', [stream, group])) as [number, string | null];
      const upTo = count > 0 && oldest ? `(${oldest}` : delivered;
      return positionOf(await client.call('XREVRANGE', [stream, upTo, '-', 'COUNT', 1]));
    });
  }

  async head(): Promise<LogPosition | null> {
    const { client, stream } = this.ctx;
    return redisCall('read the head', async () =>
      positionOf(await client.call('XREVRANGE', [stream, '+', '-', 'COUNT', 1])),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const { client, stream, group, consumer, claimIdleMs } = this.ctx;
    const held = [...this.#inFlight.values()].flat();
    this.#inFlight.clear();
    try {
      // Re-stamping them as idle for claimIdleMs (JUSTID: without counting a delivery)
      // makes them claimable by the next fetch of any handle, this view's next one included.
      for (let i = 0; i < held.length; i += ID_CHUNK) {
        const ids = held.slice(i, i + ID_CHUNK);
        await client.call('XCLAIM', [stream, group, consumer, 0, ...ids, 'IDLE', claimIdleMs, 'JUSTID']);
      }
      await runLua(client, REAP_CONSUMERS, [stream], [group, 0, consumer]);
    } catch (err) {
      // Not fatal: other handles claim them once claimIdleMs has passed.
      this.ctx.logger.warn(
        { stream, group, consumer, error: describeError(err) },
        'could not release unacked entries on close',
      );
    }
  }

  #accept(out: DeliveredEvent[], bad: string[], id: string, fields: string[], deliveryCount: number): void {
    const text = pairs(fields).event;
    if (typeof text === 'string' && isWatermark(text)) {
      // Nothing to apply: acked with this fetch. The floor still waits for every earlier entry.
      bad.push(id);
      return;
    }
    const event = typeof text === 'string' ? decodeEvent(text) : null;
    if (event === null) {
      this.ctx.logger.warn(
        { stream: this.ctx.stream, entry: id },
        'skipping a stream entry that is not a change event',
      );
      bad.push(id);
      return;
    }
    const ids = this.#inFlight.get(event.eventId);
    if (ids) ids.push(id);
    else this.#inFlight.set(event.eventId, [id]);
    out.push({ ...event, deliveryCount });
  }

  async #xack(ids: readonly string[]): Promise<void> {
    const { client, stream, group } = this.ctx;
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      await redisCall('ack entries', () => client.call('XACK', [stream, group, ...chunk]));
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new PolystoreError(
        'PS_ERR_STORE_CLOSED',
        `The redis-streams consumer "${this.ctx.group}" was used after close()`,
        { fix: 'open a new consumer with log.consumer(name)' },
      );
    }
  }
}

/** A flat `[name, value, name, value, ...]` reply as an object. */
function pairs(flat: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function positionOf(range: unknown): LogPosition | null {
  const entry = (range as Entry[] | null)?.[0];
  const text = entry ? pairs(entry[1]).event : undefined;
  // An event's own position, or a watermark's bound.
  return typeof text === 'string' ? (decodeMark(text)?.position ?? null) : null;
}
