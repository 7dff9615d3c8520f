import { type PolystoreError, redactSecrets, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';

/** A core NATS message, as far as this adapter reads one. */
export interface NatsMsgLike {
  readonly subject: string;
  readonly reply?: string | undefined;
  readonly data: Uint8Array;
  /** Set on status messages (`404 No Messages`, `408 Request Timeout`, ...). */
  readonly headers?: { readonly code: number; readonly description: string } | undefined;
}

export interface NatsSubscriptionLike {
  unsubscribe(): void;
}

export interface StreamConfigLike {
  readonly name?: string;
  readonly subjects?: string[];
  /** Nanoseconds. */
  readonly duplicate_window?: number;
  /** Nanoseconds; 0 keeps messages until other limits remove them. */
  readonly max_age?: number;
}

export interface ConsumerConfigLike {
  readonly durable_name?: string;
  readonly ack_policy?: string;
  readonly deliver_policy?: string;
  /** Nanoseconds. */
  readonly ack_wait?: number;
  readonly max_deliver?: number;
  readonly max_ack_pending?: number;
}

export interface ConsumerInfoLike {
  readonly config: ConsumerConfigLike;
  /** Every stream message up to `stream_seq` is acknowledged (`last_active`: when, as the client decodes it). */
  readonly ack_floor: { readonly stream_seq: number; readonly last_active?: unknown };
  /** Messages not yet delivered to the durable. */
  readonly num_pending?: number;
  /** Messages delivered and not acknowledged yet. */
  readonly num_ack_pending?: number;
}

/**
 * The few `nats` client members this adapter calls, declared structurally so
 * its types do not tie Polystore to one client version (a `NatsConnection`
 * from `nats` 2.x satisfies it).
 */
export interface NatsConnectionLike {
  publish(subject: string, payload?: Uint8Array | string, options?: { reply?: string }): void;
  subscribe(
    subject: string,
    options: { callback: (err: Error | null, msg: NatsMsgLike) => void; queue?: string },
  ): NatsSubscriptionLike;
  /** Resolves once the server has processed everything sent so far. */
  flush?(): Promise<void>;
  /** The server's limits, once connected (`max_payload` in bytes). */
  readonly info?: { readonly max_payload?: number } | undefined;
  request(subject: string, payload?: Uint8Array | string, options?: { timeout: number }): Promise<NatsMsgLike>;
  jetstreamManager(): Promise<JetStreamManagerLike>;
  jetstream(): JetStreamClientLike;
  close(): Promise<void>;
}

export interface JetStreamManagerLike {
  readonly streams: {
    info(stream: string): Promise<{
      readonly config: StreamConfigLike;
      readonly state: { readonly last_seq: number; readonly messages: number };
    }>;
    add(config: StreamConfigLike): Promise<unknown>;
    update(stream: string, config: StreamConfigLike): Promise<unknown>;
    getMessage(stream: string, query: { seq: number }): Promise<{ readonly data: Uint8Array }>;
  };
  readonly consumers: {
    info(stream: string, consumer: string): Promise<ConsumerInfoLike>;
    add(stream: string, config: ConsumerConfigLike): Promise<unknown>;
    update(stream: string, consumer: string, config: ConsumerConfigLike): Promise<unknown>;
    delete(stream: string, consumer: string): Promise<boolean>;
  };
}

export interface JetStreamClientLike {
  publish(
    subject: string,
    payload: Uint8Array,
    options: { msgID?: string; timeout?: number },
  ): Promise<{ readonly seq: number; readonly duplicate: boolean }>;
}

/** Loads `nats` lazily and connects; reconnects forever once connected (operations time out meanwhile). */
export async function connectNats(servers: string): Promise<NatsConnectionLike> {
  const driver = await importDriver('nats', () => import('nats'));
  try {
    return await driver.connect({
      servers: servers.split(',').map((s) => s.trim()),
      name: 'polystore',
      maxReconnectAttempts: -1,
    });
  } catch (err) {
    throw wrapStoreError(err, 'PS_ERR_STORE_UNAVAILABLE', `Could not connect to NATS at ${redactSecrets(servers)}`, {
      fix: 'start nats-server with JetStream enabled (`nats-server -js`), or set POLYSTORE_NATS_URL / `servers`',
    });
  }
}

/** The JetStream API error code of `err` (`10059` stream not found, `10014` consumer not found), if any. */
export function jetStreamErrorCode(err: unknown): number | undefined {
  return (err as { api_error?: { err_code?: number } } | null)?.api_error?.err_code;
}

const UNREACHABLE = new Set([
  'TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
  'CONNECTION_REFUSED',
  'DISCONNECT',
  '503',
]);

/** Wraps a `nats` error: lost connections and timeouts are `PS_ERR_STORE_UNAVAILABLE`, the rest `PS_ERR_STORE_QUERY`. */
export function natsError(err: unknown, doing: string, fix?: string, who = 'The jetstream log'): PolystoreError {
  const code = (err as { code?: unknown } | null)?.code;
  const unreachable = typeof code === 'string' && UNREACHABLE.has(code);
  return wrapStoreError(
    err,
    unreachable ? 'PS_ERR_STORE_UNAVAILABLE' : 'PS_ERR_STORE_QUERY',
    `${who} could not ${doing}`,
    {
      fix:
        fix ?? (unreachable ? 'check that nats-server is running and reachable' : 'see the cause for the server reply'),
    },
  );
}

/** Runs `fn`, wrapping whatever it throws with {@link natsError}. */
export async function natsCall<R>(doing: string, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    throw natsError(err, doing);
  }
}
