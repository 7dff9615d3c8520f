import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
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
import { RedisStreamsConsumer } from './redis-streams-consumer.js';
import {
  connectRedis,
  loadLua,
  type RedisStreamsClientLike,
  type RedisStreamsConnection,
  redisCall,
  redisError,
  runLua,
} from './redis-streams-driver.js';
import { redisStreamsHandledThrough, redisStreamsProgress } from './redis-streams-progress.js';

const PUBLISH_EVENTS = loadLua('publish-events.lua');
const REAP_CONSUMERS = loadLua('reap-consumers.lua');
/** Events per publish script call. */
const PUBLISH_CHUNK = 500;

export interface RedisStreamsLogOptions {
  /** Server URL. Default: `POLYSTORE_REDIS_URL`, else `redis://127.0.0.1:6379`. Not together with `client`. */
  readonly url?: string;
  /** An `ioredis` client to use instead of opening one; `close()` leaves it open. It must not set `keyPrefix`. */
  readonly client?: RedisStreamsClientLike;
  /**
   * The stream's key. De-duplication markers are `<stream>:seen:<eventId>`; on
   * Redis Cluster use a hash tag (`{shop}:events`) so they share its slot.
   */
  readonly stream: string;
  /** Prefix of each view's consumer group name: the group of view `v` is `<groupPrefix><v>` (default ''). */
  readonly groupPrefix?: string;
  /**
   * This process's consumer name in the groups (default `<hostname>-<pid>`);
   * each opened handle appends a random suffix, so two handles never share entries.
   */
  readonly consumerName?: string;
  /** Unacked entries idle this long are taken over by other handles, in ms (default 30 000). */
  readonly claimIdleMs?: number;
  /** How long a published event id is remembered to drop a re-publish, in ms (default 120 000). */
  readonly duplicateWindowMs?: number;
  /** Where skipped entries and failed releases are reported (default: stderr). */
  readonly logger?: Logger;
}

/** An event log on a Redis stream that the outbox relay publishes to. */
export interface RedisStreamsLog extends EventLog, EventPublisher {
  /** Connects (the first publish or consumer does it too). */
  ensure(): Promise<void>;
  /** Closes the client the log opened. */
  close(): Promise<void>;
}

/**
 * A change-event log on one Redis stream, with a consumer group per view.
 *
 * - **Publish**: one script per 500 events sets a marker `SET NX PX` per
 *   event id and appends (`XADD`) only the events whose marker was new, so a
 *   re-publish within `duplicateWindowMs` is dropped.
 * - **Consume**: `consumer(view)` joins the group `<groupPrefix><view>`
 *   (created from the start of the stream) under a per-handle consumer name.
 *   `fetch` claims entries idle for `claimIdleMs` in other consumers' pending
 *   lists (a dead worker's batch), then reads new ones; events carry the
 *   group's delivery count. `ack` is `XACK`.
 * - **Order per key**: the stream is one totally ordered sequence, so one
 *   worker receives each key's versions in order. With several workers, or
 *   after a claim, a key's versions may be applied out of order; views apply
 *   with `applyIfNewer`, so an older version is skipped.
 * - **Positions**: events keep the outbox position the home gave them (the
 *   read-your-writes token); `acknowledged()` and `head()` are positions of
 *   events in the stream. Each event carries the relay's `settled` bound and
 *   watermark entries carry one alone (consumers ack them without applying),
 *   so `progress(view)` reads the group's contiguous handled prefix from the
 *   entry at its acknowledged floor, from any process.
 * - **Retention** is yours: trim with `XTRIM <stream> MINID` below the oldest
 *   entry every group has acked (a trimmed unacked entry is dropped).
 *
 * @example
 * const log = redisStreamsLog({ url: 'redis://127.0.0.1:6379', stream: 'shop:events' });
 * await log.publish(events); // from the outbox relay
 * const db = createPolystore({ home, stores, entities, views, log });
 */
export function redisStreamsLog(options: RedisStreamsLogOptions): RedisStreamsLog {
  const config = validate(options);
  const logger = options.logger ?? stderrLogger;
  const injected = options.client;
  const guard = new RuntimeGuard<RedisStreamsConnection>(
    'redis-streams',
    async () => (injected ? { client: injected, release: async () => {} } : connectRedis(config.url)),
    (connection) => connection.release(),
  );

  return {
    name: 'redis-streams',
    async ensure() {
      await guard.client();
    },
    async publish(events: readonly ChangeEvent[], settled?: LogPosition | null) {
      if (events.length === 0) return;
      const { client } = await guard.client();
      for (let i = 0; i < events.length; i += PUBLISH_CHUNK) {
        const chunk = events.slice(i, i + PUBLISH_CHUNK);
        // Keys and fields are binary-safe: any event id (newlines, spaces, unicode) is stored as is.
        const keys = [config.stream, ...chunk.map((e) => `${config.stream}:seen:${e.eventId}`)];
        const args = [config.duplicateWindowMs, ...chunk.flatMap((e) => [e.eventId, encodeEvent(e, settled)])];
        await redisCall('publish events', () => runLua(client, PUBLISH_EVENTS, keys, args));
      }
    },
    async publishWatermark(settled: LogPosition) {
      const { client } = await guard.client();
      await redisCall('publish a watermark', () =>
        client.call('XADD', [config.stream, '*', 'event', encodeWatermark(settled)]),
      );
    },
    async progress(name: string): Promise<ConsumerProgress> {
      const { client } = await guard.client();
      return redisStreamsProgress(client, config.stream, `${config.groupPrefix}${name}`);
    },
    async handledThrough(name: string): Promise<LogPosition | null> {
      const { client } = await guard.client();
      return redisStreamsHandledThrough(client, config.stream, `${config.groupPrefix}${name}`);
    },
    async dropConsumer(name: string): Promise<boolean> {
      const { client } = await guard.client();
      const group = `${config.groupPrefix}${name}`;
      const dropped = await redisCall('delete a consumer group', () =>
        client.call('XGROUP', ['DESTROY', config.stream, group]).catch((err: unknown) => {
          // No stream yet: no group either.
          if (/no such key|requires the key to exist/i.test(String(err))) return 0;
          throw err;
        }),
      );
      return Number(dropped) > 0;
    },
    async consumer(name: string): Promise<EventConsumer> {
      if (typeof name !== 'string' || name.length === 0 || /\s/.test(name)) {
        throw new PolystoreError('PS_ERR_INVALID_ARGUMENT', 'A redis-streams consumer name is invalid', {
          field: 'name',
          fix: 'use a non-empty name without whitespace (view names always qualify)',
        });
      }
      const { client } = await guard.client();
      const group = `${config.groupPrefix}${name}`;
      await createGroup(client, config.stream, group);
      // Handles of closed or dead workers that hold nothing are dropped from the group.
      await redisCall('remove idle consumers', () =>
        runLua(client, REAP_CONSUMERS, [config.stream], [group, config.claimIdleMs]),
      );
      return new RedisStreamsConsumer({
        client,
        stream: config.stream,
        group,
        consumer: `${config.consumerName}-${randomUUID().slice(0, 8)}`,
        claimIdleMs: config.claimIdleMs,
        logger,
      });
    },
    close: () => guard.close(),
  };
}

/** Creates the group at the start of the stream (and the stream if missing); an existing group is kept. */
async function createGroup(client: RedisStreamsClientLike, stream: string, group: string): Promise<void> {
  try {
    await client.call('XGROUP', ['CREATE', stream, group, '0', 'MKSTREAM']);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return;
    throw redisError(err, `create consumer group "${group}"`);
  }
}

interface Config {
  readonly url: string;
  readonly stream: string;
  readonly groupPrefix: string;
  readonly consumerName: string;
  readonly claimIdleMs: number;
  readonly duplicateWindowMs: number;
}

const NAME = /^[^\s]{1,200}$/;

function validate(options: RedisStreamsLogOptions): Config {
  if (typeof options.stream !== 'string' || !NAME.test(options.stream)) {
    throw invalid('stream', 'use a key of 1-200 characters without whitespace');
  }
  if (options.url !== undefined && options.client !== undefined) {
    throw invalid('url', 'pass either `url` or `client`, not both');
  }
  if (options.client?.options?.keyPrefix) {
    throw invalid('client', 'use a client without `keyPrefix`; namespace with the stream name instead');
  }
  if (options.groupPrefix !== undefined && !/^[^\s]{0,100}$/.test(options.groupPrefix)) {
    throw invalid('groupPrefix', 'use at most 100 characters without whitespace');
  }
  if (options.consumerName !== undefined && !/^[^\s]{1,100}$/.test(options.consumerName)) {
    throw invalid('consumerName', 'use 1-100 characters without whitespace');
  }
  return {
    url: options.url ?? process.env.POLYSTORE_REDIS_URL ?? 'redis://127.0.0.1:6379',
    stream: options.stream,
    groupPrefix: options.groupPrefix ?? '',
    consumerName: options.consumerName ?? `${hostname()}-${process.pid}`,
    claimIdleMs: positive(options.claimIdleMs, 30_000, 'claimIdleMs'),
    duplicateWindowMs: positive(options.duplicateWindowMs, 120_000, 'duplicateWindowMs'),
  };
}

function positive(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalid(field, 'use a positive integer');
  return value;
}

function invalid(field: string, fix: string): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', `redisStreamsLog option "${field}" is invalid`, { field, fix });
}
