import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { PolystoreError, redactSecrets } from '../../errors/index.js';

/** The chainable pipeline members this adapter calls (`ioredis` `Pipeline`), declared structurally. */
export interface RedisPipelineLike {
  getrange(key: string, start: number, end: number): RedisPipelineLike;
  exec(): Promise<[error: Error | null, result: unknown][] | null>;
}

/**
 * The few `ioredis` client members this adapter calls, declared structurally
 * so the types do not tie you to one ioredis version. An `ioredis` `Redis`
 * instance (standalone or Sentinel) satisfies it.
 */
export interface RedisLike {
  readonly status: string;
  readonly options?: { readonly keyPrefix?: string | undefined; readonly host?: string; readonly port?: number };
  get(key: string): Promise<string | null>;
  mget(keys: string[]): Promise<(string | null)[]>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  unlink(...keys: string[]): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  scan(
    cursor: string,
    match: 'MATCH',
    pattern: string,
    count: 'COUNT',
    size: number,
  ): Promise<[cursor: string, keys: string[]]>;
  ping(): Promise<string>;
  /** The server's `INFO` text (read for metrics when the client has it). */
  info?(): Promise<string>;
  pipeline(): RedisPipelineLike;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

/** TLS for a store that creates its own client: `true`, or Node's `tls.connect` options. */
export type RedisTlsOption = boolean | TlsConnectionOptions;

export interface RedisStoreOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, `rediss://...` (TLS) or a
   * Unix socket path. Defaults to the `POLYSTORE_REDIS_URL` environment
   * variable. The store creates, connects (in `ready()`) and closes its client.
   */
  readonly url?: string;
  /**
   * An `ioredis` client you own instead of `url`: the store never connects or
   * closes it. It registers its script commands on it (`polystoreApplyIfNewer`,
   * `polystoreBeginRebuild`, `polystoreFinishRebuild`, `polystoreListHeaders`,
   * `polystoreBeginDigests`, `polystoreCountDigests`, `polystoreFinishDigests`).
   * Redis Cluster is not supported (a batch script touches keys of many slots).
   */
  readonly client?: RedisLike;
  /** Namespace every key of this store lives under. Default `ps:`. */
  readonly keyPrefix?: string;
  /** TLS options; `rediss://` URLs enable TLS already. Only with `url`. */
  readonly tls?: RedisTlsOption;
  /**
   * Other `ioredis` options, passed through unchanged (only with `url`). The
   * store sets `maxRetriesPerRequest: 3` unless you set it (include `null` to
   * queue commands until the server is back): during an outage a call then
   * fails within about a second with `PS_ERR_STORE_UNAVAILABLE`. It also sets
   * `commandTimeout: 2000` unless you set it, so a server that hangs (frozen, or
   * cut off without a reset) fails a call after 2 s instead of never, and
   * `enableOfflineQueue: false`, so while the connection is down a call fails at
   * once (and reads go to the home) rather than waiting for a reconnect.
   */
  readonly redisOptions?: Readonly<Record<string, unknown>>;
  /**
   * Keep bucket digests of each scope once a check has built them (default
   * true): a check then reads the ids of differing buckets only, instead of
   * listing the view. Each apply pays for them (about 2 µs per change on the
   * server, see docs/benchmarks.md, P3); `false` drops a scope's digests at
   * its next apply, and checks list the view.
   */
  readonly digests?: boolean;
}

/** How the store reaches Redis, after validation. */
export type RedisTarget =
  | {
      readonly kind: 'url';
      readonly url: string;
      readonly where: string;
      readonly options: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'client'; readonly client: RedisLike; readonly where: string };

export interface ValidatedOptions {
  readonly target: RedisTarget;
  readonly keyPrefix: string;
  readonly digests: boolean;
}

export const DEFAULT_KEY_PREFIX = 'ps:';
export const DEFAULT_MAX_RETRIES_PER_REQUEST = 3;
/** Longest wait for one command's reply (a server that hangs, e.g. frozen or cut off without a reset). */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
const MAX_PREFIX_BYTES = 256;
/** Options the store owns; setting them in `redisOptions` would be silently overridden or conflict. */
const RESERVED_OPTIONS: Readonly<Record<string, string>> = {
  keyPrefix: 'use the store option `keyPrefix`',
  lazyConnect: 'the store connects in ready(), never at construction',
  tls: 'use the store option `tls`',
};

/** Validates the store options at construction; throws `PS_ERR_INVALID_CONFIG`. */
export function validateOptions(options: RedisStoreOptions = {}): ValidatedOptions {
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof keyPrefix !== 'string' || keyPrefix.length === 0 || Buffer.byteLength(keyPrefix) > MAX_PREFIX_BYTES) {
    throw invalidConfig(`The redis keyPrefix must be a non-empty string of at most ${MAX_PREFIX_BYTES} bytes`, {
      field: 'keyPrefix',
      fix: 'pass e.g. keyPrefix: "shop:cache:", or omit it for "ps:"',
    });
  }
  const digests = options.digests ?? true;
  if (typeof digests !== 'boolean') {
    throw invalidConfig('The redis option `digests` must be true or false', {
      field: 'digests',
      fix: 'pass digests: false to stop keeping bucket digests, or omit it',
    });
  }
  if (options.client !== undefined) return { keyPrefix, digests, target: clientTarget(options) };
  return { keyPrefix, digests, target: urlTarget(options) };
}

function clientTarget(options: RedisStoreOptions): RedisTarget {
  const { client } = options;
  for (const field of ['url', 'tls', 'redisOptions'] as const) {
    if (options[field] !== undefined) {
      throw invalidConfig(`The redis option \`${field}\` has no effect with an injected client`, {
        field,
        fix: 'configure the client you pass, or pass `url` instead of `client`',
      });
    }
  }
  const shape = client as unknown as Record<string, unknown> | null;
  if (typeof shape?.defineCommand !== 'function' || typeof shape.pipeline !== 'function') {
    throw invalidConfig('The redis `client` is not an ioredis client', {
      field: 'client',
      fix: 'pass an `ioredis` Redis instance, e.g. client: new Redis(url)',
    });
  }
  if (shape.isCluster === true) {
    throw invalidConfig('The redis store does not support Redis Cluster clients yet', {
      field: 'client',
      fix: 'pass a standalone or Sentinel client; a batch script touches keys of many hash slots',
    });
  }
  const host = client?.options?.host;
  const where = host ? `redis://${host}:${client?.options?.port ?? 6379} (injected client)` : 'the injected client';
  return { kind: 'client', client: client as RedisLike, where };
}

function urlTarget(options: RedisStoreOptions): RedisTarget {
  const url = options.url ?? process.env.POLYSTORE_REDIS_URL;
  if (typeof url !== 'string' || url.length === 0) {
    throw invalidConfig('The redis store needs a url or a client', {
      field: 'url',
      fix: 'pass `url` (e.g. redis://127.0.0.1:6379), set POLYSTORE_REDIS_URL, or pass an ioredis `client`',
    });
  }
  const isTlsUrl = checkUrl(url);
  const redisOptions = options.redisOptions ?? {};
  if (typeof redisOptions !== 'object' || redisOptions === null || Array.isArray(redisOptions)) {
    throw invalidConfig('The redis option `redisOptions` must be an object of ioredis options', {
      field: 'redisOptions',
    });
  }
  for (const [name, fix] of Object.entries(RESERVED_OPTIONS)) {
    if (name in redisOptions) {
      throw invalidConfig(`The ioredis option \`${name}\` cannot be set through redisOptions`, {
        field: `redisOptions.${name}`,
        fix,
      });
    }
  }
  const { tls } = options;
  if (tls !== undefined && typeof tls !== 'boolean' && (typeof tls !== 'object' || tls === null)) {
    throw invalidConfig('The redis option `tls` must be a boolean or tls.connect options', { field: 'tls' });
  }
  if (tls === false && isTlsUrl) {
    throw invalidConfig('The redis option `tls: false` contradicts a rediss:// URL', {
      field: 'tls',
      fix: 'use a redis:// URL for a plain connection, or drop `tls: false`',
    });
  }
  const tlsOption = tls === true ? { tls: {} } : typeof tls === 'object' ? { tls } : {};
  const retries =
    'maxRetriesPerRequest' in redisOptions ? {} : { maxRetriesPerRequest: DEFAULT_MAX_RETRIES_PER_REQUEST };
  const timeout = 'commandTimeout' in redisOptions ? {} : { commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS };
  // While disconnected a call fails at once instead of waiting in a queue for a reconnect: reads go
  // to the home meanwhile and projectors retry. (Only after ready() connected: lazyConnect stays.)
  const offline = 'enableOfflineQueue' in redisOptions ? {} : { enableOfflineQueue: false };
  return {
    kind: 'url',
    url,
    where: redactSecrets(url),
    options: { ...retries, ...timeout, ...offline, ...redisOptions, ...tlsOption, lazyConnect: true },
  };
}

/** Accepts redis://, rediss:// and Unix socket paths; returns true for rediss://. */
function checkUrl(url: string): boolean {
  if (url.startsWith('/')) return false;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    // The URL itself is not echoed: a malformed one may hide a password where redaction cannot find it.
    throw invalidConfig('The redis url is not a redis:// or rediss:// URL', {
      field: 'url',
      fix: 'pass e.g. redis://:password@host:6379/0, rediss://host:6380, or a Unix socket path',
    });
  }
  return protocol === 'rediss:';
}

function invalidConfig(message: string, options: { field: string; fix?: string }): PolystoreError {
  return new PolystoreError('PS_ERR_INVALID_CONFIG', message, options);
}
