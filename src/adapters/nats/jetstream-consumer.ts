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
import { pullBatch } from './jetstream-pull.js';
import type { JetStreamManagerLike, NatsConnectionLike, NatsSubscriptionLike } from './nats-driver.js';
import { jetStreamErrorCode, natsCall, natsError } from './nats-driver.js';

const NO_MESSAGE_FOUND = 10037;
const ACK_TIMEOUT_MS = 5_000;
/** Pulls one fetch may make while it receives nothing but watermarks. */
const WATERMARK_ROUNDS = 4;

export interface JetStreamConsumerContext {
  readonly nc: NatsConnectionLike;
  readonly jsm: JetStreamManagerLike;
  readonly stream: string;
  readonly durable: string;
  readonly fetchWaitMs: number;
  readonly logger: Logger;
}

/**
 * One worker's handle on a durable pull consumer. Messages it fetched and has
 * not acked are tracked by event id; `close()` naks them so the broker
 * delivers them again at once (to this durable's next fetch, from any worker)
 * rather than after `ack_wait`.
 */
export class JetStreamConsumer implements EventConsumer {
  /** eventId → ack subjects of its unacked deliveries (a redelivery may overlap an earlier one). */
  readonly #inFlight = new Map<string, string[]>();
  #closed = false;

  constructor(private readonly ctx: JetStreamConsumerContext) {}

  async fetch(max: number): Promise<DeliveredEvent[]> {
    this.#assertOpen();
    assertBatch(max);
    const { nc, stream, durable, fetchWaitMs, logger } = this.ctx;
    const events: DeliveredEvent[] = [];
    // A batch of watermarks alone is pulled past: returning it empty would make
    // the projector sleep a poll interval while events may wait behind it.
    for (let round = 0; round < WATERMARK_ROUNDS; round++) {
      const deliveries = await natsCall(`fetch from consumer "${durable}"`, () =>
        pullBatch(nc, stream, durable, max, fetchWaitMs),
      );
      for (const delivery of deliveries) {
        const text = TEXT.decode(delivery.data);
        if (isWatermark(text)) {
          // Nothing to apply: acked at once. The floor still waits for every earlier message.
          nc.publish(delivery.reply, '+ACK');
          continue;
        }
        const event = decodeEvent(text);
        if (event === null) {
          logger.warn(
            { stream, consumer: durable, streamSeq: delivery.streamSeq },
            'skipping a message that is not a change event',
          );
          nc.publish(delivery.reply, '+TERM');
          continue;
        }
        const subjects = this.#inFlight.get(event.eventId);
        if (subjects) subjects.push(delivery.reply);
        else this.#inFlight.set(event.eventId, [delivery.reply]);
        events.push({ ...event, deliveryCount: delivery.deliveryCount });
      }
      if (events.length > 0 || deliveries.length === 0) break;
    }
    return events;
  }

  /** Acks every delivery of these events this handle holds; events it never fetched are ignored. */
  async ack(events: readonly ChangeEvent[]): Promise<void> {
    this.#assertOpen();
    await this.#settle(
      events.map((e) => e.eventId),
      '+ACK',
    );
  }

  async acknowledged(): Promise<LogPosition | null> {
    const { jsm, stream, durable } = this.ctx;
    const info = await natsCall(`read consumer "${durable}"`, () => jsm.consumers.info(stream, durable));
    return this.#positionAt(info.ack_floor.stream_seq);
  }

  async head(): Promise<LogPosition | null> {
    const { jsm, stream } = this.ctx;
    const info = await natsCall(`read stream "${stream}"`, () => jsm.streams.info(stream));
    return this.#positionAt(info.state.last_seq);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#settle([...this.#inFlight.keys()], '-NAK').catch((err: unknown) =>
      // Not fatal: the broker redelivers them after ack_wait anyway.
      this.ctx.logger.warn(
        { consumer: this.ctx.durable, error: describeError(err) },
        'could not nak unacked events on close',
      ),
    );
  }

  /** Sends `verb` for each delivery of `eventIds`; on return the broker has recorded them all. */
  async #settle(eventIds: readonly string[], verb: '+ACK' | '-NAK'): Promise<void> {
    const subjects = eventIds.flatMap((id) => this.#inFlight.get(id) ?? []);
    const last = subjects.pop();
    if (last === undefined) return;
    await natsCall(verb === '+ACK' ? 'ack events' : 'nak events', async () => {
      for (const subject of subjects) this.ctx.nc.publish(subject, verb);
      // The server handles a consumer's acks one at a time in arrival order, and one
      // connection delivers them in send order: its reply to the last one means all
      // are recorded. (A lost fire-and-forget ack only causes a harmless redelivery.)
      await this.ctx.nc.request(last, verb, { timeout: ACK_TIMEOUT_MS });
    });
    // Forgotten only once the broker confirmed, so a failed ack can still be nak'ed on close.
    for (const id of eventIds) this.#inFlight.delete(id);
  }

  /** The home position carried by the event at `seq` (null at 0, or if retention removed it). */
  async #positionAt(seq: number): Promise<LogPosition | null> {
    if (seq === 0) return null;
    const { jsm, stream } = this.ctx;
    try {
      const stored = await jsm.streams.getMessage(stream, { seq });
      // An event's own position, or a watermark's bound.
      return decodeMark(TEXT.decode(stored.data))?.position ?? null;
    } catch (err) {
      if (jetStreamErrorCode(err) === NO_MESSAGE_FOUND) return null;
      throw natsError(err, `read message ${seq} of stream "${stream}"`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new PolystoreError(
        'PS_ERR_STORE_CLOSED',
        `The jetstream consumer "${this.ctx.durable}" was used after close()`,
        {
          fix: 'open a new consumer with log.consumer(name)',
        },
      );
    }
  }
}

const TEXT = new TextDecoder();

/**
 * Logs a warning for each max-deliveries advisory of a durable: the broker
 * stopped delivering one of its events after `maxDeliver` attempts.
 */
export function watchMaxDeliveries(
  nc: NatsConnectionLike,
  stream: string,
  durable: string,
  logger: Logger,
): NatsSubscriptionLike {
  return nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`, {
    callback: (err, msg) => {
      if (err) return;
      const advisory = safeJson(msg.data) as { stream_seq?: number; deliveries?: number } | null;
      logger.warn(
        { stream, consumer: durable, streamSeq: advisory?.stream_seq, deliveries: advisory?.deliveries },
        'jetstream stopped redelivering an event after max_deliver attempts; it stays unacked in the stream',
      );
    },
  });
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(TEXT.decode(data));
  } catch {
    return null;
  }
}

export function assertBatch(max: number): void {
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'fetch(max) needs a positive integer', {
      field: 'max',
      fix: 'pass the batch size, e.g. 500',
    });
  }
}
