import type { ChangeEvent } from '../../contracts/change-event.js';
import {
  type ConsumerProgress,
  type EventConsumer,
  type EventLog,
  type EventPublisher,
  encodeEvent,
  encodeWatermark,
} from '../../contracts/event-log.js';
import type { LogPosition } from '../../contracts/log-position.js';
import { PolystoreError } from '../../errors/index.js';
import { type Logger, stderrLogger } from '../../runtime/logger.js';
import { RuntimeGuard } from '../../runtime/runtime-guard.js';
import { JetStreamConsumer, watchMaxDeliveries } from './jetstream-consumer.js';
import { jetStreamHandledThrough, jetStreamProgress, messageIdOf } from './jetstream-progress.js';
import { type ConsumerSpec, ensureConsumer, ensureStream, type StreamSpec, subjectFor } from './jetstream-setup.js';
import {
  connectNats,
  type JetStreamClientLike,
  type JetStreamManagerLike,
  jetStreamErrorCode,
  type NatsConnectionLike,
  type NatsSubscriptionLike,
  natsCall,
  natsError,
} from './nats-driver.js';

export interface JetStreamLogOptions {
  /**
   * NATS server URL(s), comma-separated. Default: `POLYSTORE_NATS_URL`, else
   * `nats://127.0.0.1:4222`. Not together with `connection`.
   */
  readonly servers?: string;
  /** A connection to use instead of opening one from `servers`; `close()` leaves it open. */
  readonly connection?: NatsConnectionLike;
  /** Stream name (letters, digits, `_`, `-`); its subjects are `<stream>.<partition>`. */
  readonly stream: string;
  /** Subjects the keys hash over (default 16). Changing it moves keys between subjects. */
  readonly partitions?: number;
  /** Deliveries of one event before the broker gives up on it (default 10). */
  readonly maxDeliver?: number;
  /** How long a fetched, unacked event is held before redelivery, in ms (default 30 000). */
  readonly ackWaitMs?: number;
  /** How long the stream remembers an event id to drop a re-publish, in ms (default 120 000). */
  readonly duplicateWindowMs?: number;
  /** Age after which the stream deletes events, in ms (default 0: kept until removed by other limits). */
  readonly maxAgeMs?: number;
  /** Unacked events a durable may hold across all its workers (default 10 000). */
  readonly maxAckPending?: number;
  /** Longest time an empty `fetch` waits for a first event, in ms (default 100). */
  readonly fetchWaitMs?: number;
  /** Where max-deliver advisories and skipped messages are reported (default: stderr). */
  readonly logger?: Logger;
}

/** An event log on a NATS JetStream stream that the outbox relay publishes to. */
export interface JetStreamLog extends EventLog, EventPublisher {
  /** Connects and creates (or reconciles) the stream; the first publish or consumer does it too. */
  ensure(): Promise<void>;
  /** Closes the connection the log opened. */
  close(): Promise<void>;
}

interface OpenNats {
  readonly nc: NatsConnectionLike;
  readonly jsm: JetStreamManagerLike;
  readonly js: JetStreamClientLike;
  /** Max-deliveries advisory subscriptions, one per durable this log opened. */
  readonly advisories: Map<string, NatsSubscriptionLike>;
}

/** PubAcks awaited at once; one connection keeps them in publish order on the server. */
const PUBLISH_WINDOW = 1_000;
const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A change-event log on NATS JetStream.
 *
 * - **Publish**: each event goes to `<stream>.<hash(entity/key) % partitions>`
 *   with `Nats-Msg-Id` = a digest of the event id (any id travels, newlines
 *   included), so a re-publish within `duplicateWindowMs` is dropped by the
 *   server. Each event carries the relay's `settled` bound; watermarks go to
 *   `<stream>.watermark` and are acknowledged by consumers without applying.
 * - **Consume**: `consumer(view)` is a durable pull consumer named after the
 *   view, with explicit acks. Unacked events come back after `ackWaitMs`, or
 *   at once when the handle that fetched them closes (it naks them). Fetched
 *   events carry the broker's `deliveryCount`.
 * - **Order per key**: all versions of a key share one subject and a stream
 *   keeps its publish order, so one worker receives a key's versions in order.
 *   Several workers on one durable split batches between them and may apply a
 *   key's versions out of order; every view applies with `applyIfNewer`, so an
 *   older version arriving late is skipped and a view never moves backwards.
 * - **max_deliver**: poison events are dead-lettered by the projector long
 *   before the broker gives up; reaching `maxDeliver` means a worker kept
 *   crashing or timing out on an event. The broker then stops delivering it
 *   (an advisory is logged as a warning) and the durable's ack floor stays
 *   behind it: replay it from the home (`polystore check --repair`).
 * - **Positions**: events keep the outbox position the home gave them (the
 *   read-your-writes token of a write). `acknowledged()` is the position of the
 *   event at the durable's ack floor (every earlier stream message is acked),
 *   `head()` that of the newest one. `progress(view)` reads the durable's
 *   contiguous handled prefix from the `settled` bound at its ack floor, from
 *   any process.
 *
 * @example
 * const log = jetstreamLog({ servers: 'nats://127.0.0.1:4222', stream: 'shop_events' });
 * await log.publish(events); // from the outbox relay
 * const db = createPolystore({ home, stores, entities, views, log });
 */
export function jetstreamLog(options: JetStreamLogOptions): JetStreamLog {
  const config = validate(options);
  const logger = options.logger ?? stderrLogger;
  const guard = new RuntimeGuard<OpenNats>(
    'jetstream',
    async () => {
      const nc = options.connection ?? (await connectNats(config.servers));
      try {
        const jsm = await natsCall('open the JetStream API (is JetStream enabled?)', () => nc.jetstreamManager());
        return { nc, jsm, js: nc.jetstream(), advisories: new Map() };
      } catch (err) {
        if (!options.connection) await nc.close().catch(() => undefined);
        throw err;
      }
    },
    async ({ nc, advisories }) => {
      for (const subscription of advisories.values()) subscription.unsubscribe();
      if (!options.connection) await nc.close();
    },
  );
  let streamReady: Promise<void> | undefined;

  const ensure = async (): Promise<OpenNats> => {
    const open = await guard.client();
    streamReady ??= ensureStream(open.jsm, config, logger).catch((err: unknown) => {
      streamReady = undefined;
      throw err;
    });
    await streamReady;
    return open;
  };

  return {
    name: 'jetstream',
    async ensure() {
      await ensure();
    },
    async publish(events: readonly ChangeEvent[], settled?: LogPosition | null) {
      if (events.length === 0) return;
      const { js } = await ensure();
      for (let i = 0; i < events.length; i += PUBLISH_WINDOW) {
        const window = events.slice(i, i + PUBLISH_WINDOW);
        await natsCall('publish events', () =>
          Promise.all(
            window.map((event) =>
              js.publish(
                subjectFor(config.stream, config.partitions, event),
                ENCODER.encode(encodeEvent(event, settled)),
                { msgID: messageIdOf(event.eventId) },
              ),
            ),
          ),
        );
      }
    },
    async publishWatermark(settled: LogPosition) {
      const { js } = await ensure();
      // No message id: every watermark is stored, a repeated one is harmless.
      await natsCall('publish a watermark', () =>
        js.publish(`${config.stream}.${WATERMARK_SUBJECT}`, ENCODER.encode(encodeWatermark(settled)), {}),
      );
    },
    async progress(name: string): Promise<ConsumerProgress> {
      assertConsumerName(name);
      const { jsm } = await ensure();
      return jetStreamProgress(jsm, config.stream, name);
    },
    async handledThrough(name: string): Promise<LogPosition | null> {
      assertConsumerName(name);
      const { jsm } = await ensure();
      return jetStreamHandledThrough(jsm, config.stream, name);
    },
    async dropConsumer(name: string): Promise<boolean> {
      assertConsumerName(name);
      const { jsm, advisories } = await ensure();
      advisories.get(name)?.unsubscribe();
      advisories.delete(name);
      try {
        return await jsm.consumers.delete(config.stream, name);
      } catch (err) {
        if (jetStreamErrorCode(err) === CONSUMER_NOT_FOUND) return false;
        throw natsError(err, `delete consumer "${name}"`);
      }
    },
    async consumer(name: string): Promise<EventConsumer> {
      assertConsumerName(name);
      const { nc, jsm, advisories } = await ensure();
      await ensureConsumer(jsm, config.stream, name, config);
      if (!advisories.has(name)) advisories.set(name, watchMaxDeliveries(nc, config.stream, name, logger));
      return new JetStreamConsumer({
        nc,
        jsm,
        stream: config.stream,
        durable: name,
        fetchWaitMs: config.fetchWaitMs,
        logger,
      });
    },
    close: () => guard.close(),
  };
}

const ENCODER = new TextEncoder();
/** JetStream's API error code for a consumer that does not exist. */
const CONSUMER_NOT_FOUND = 10014;
/** The subject token of watermarks (`<stream>.watermark`); partitions are numbers, so it never collides. */
const WATERMARK_SUBJECT = 'watermark';

type Config = StreamSpec &
  ConsumerSpec & { readonly servers: string; readonly partitions: number; readonly fetchWaitMs: number };

function validate(options: JetStreamLogOptions): Config {
  if (typeof options.stream !== 'string' || !NAME.test(options.stream)) {
    throw invalid('stream', 'use 1-64 letters, digits, `_` or `-` (NATS stream names cannot hold `.`, `*` or `>`)');
  }
  if (options.servers !== undefined && options.connection !== undefined) {
    throw invalid('servers', 'pass either `servers` or `connection`, not both');
  }
  return {
    stream: options.stream,
    servers: options.servers ?? process.env.POLYSTORE_NATS_URL ?? 'nats://127.0.0.1:4222',
    partitions: count(options.partitions, 16, 'partitions', 1),
    maxDeliver: count(options.maxDeliver, 10, 'maxDeliver', 1),
    ackWaitMs: count(options.ackWaitMs, 30_000, 'ackWaitMs', 1),
    duplicateWindowMs: count(options.duplicateWindowMs, 120_000, 'duplicateWindowMs', 1),
    maxAgeMs: count(options.maxAgeMs, 0, 'maxAgeMs', 0),
    maxAckPending: count(options.maxAckPending, 10_000, 'maxAckPending', 1),
    fetchWaitMs: count(options.fetchWaitMs, 100, 'fetchWaitMs', 1),
  };
}

function count(value: number | undefined, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw invalid(field, `use an integer of at least ${min}`);
  return value;
}

function invalid(field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', `jetstreamLog option "${field}" is invalid`, { field, fix });
}

function assertConsumerName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A jetstream consumer name is invalid', {
      field: 'name',
      fix: 'use 1-64 letters, digits, `_` or `-` (view names always qualify)',
    });
  }
}
