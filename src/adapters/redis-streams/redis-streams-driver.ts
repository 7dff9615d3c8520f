import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type PolystoreError, redactSecrets, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';

/**
 * The `ioredis` client members this adapter calls, declared structurally so
 * the types do not tie you to one ioredis version: every command goes
 * through `call`, which an ioredis `Redis` instance provides.
 */
export interface RedisStreamsClientLike {
  readonly options?: { readonly keyPrefix?: string | undefined };
  call(command: string, args: (string | number)[]): Promise<unknown>;
}

interface OwnedClient extends RedisStreamsClientLike {
  readonly status: string;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (err: unknown) => void): unknown;
}

export interface RedisStreamsConnection {
  readonly client: RedisStreamsClientLike;
  /** Closes the client if the log opened it. */
  readonly release: () => Promise<void>;
}

/** Opens a client from `url` (lazily loading `ioredis`). */
export async function connectRedis(url: string): Promise<RedisStreamsConnection> {
  const driver = await importDriver('ioredis', () => import('ioredis'));
  const client = new driver.Redis(url, { lazyConnect: true }) as unknown as OwnedClient;
  // Without a listener ioredis prints every connection error; callers get coded errors instead.
  let lastError: unknown;
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw redisError(lastError ?? err, `connect to ${redactSecrets(url)}`);
  }
  return {
    client,
    release: async () => {
      if (client.status !== 'ready') return client.disconnect();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** A Lua script from a `.lua` file next to this module, run by SHA with a fallback to its text. */
export interface LuaScript {
  readonly text: string;
  readonly sha: string;
}

/** Read at module load, so a missing file fails at import rather than on first use. */
export function loadLua(fileName: string): LuaScript {
  const text = readFileSync(new URL(`./${fileName}`, import.meta.url), 'utf8');
  return { text, sha: createHash('sha1').update(text).digest('hex') };
}

export async function runLua(
  client: RedisStreamsClientLike,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const rest = [keys.length, ...keys, ...args];
  try {
    return await client.call('EVALSHA', [script.sha, ...rest]);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.call('EVAL', [script.text, ...rest]);
  }
}

/** Server states that a retry can outlive: reported as unavailable so projectors retry. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS)\b/;

/**
 * Wraps a driver error: a lost connection or a transient server state is
 * `PS_ERR_STORE_UNAVAILABLE`; any other server reply (NOGROUP, WRONGTYPE...)
 * is `PS_ERR_STORE_QUERY`.
 */
export function redisError(err: unknown, doing: string): PolystoreError {
  const isReply = (err as { name?: unknown } | null)?.name === 'ReplyError';
  const message = err instanceof Error ? err.message : '';
  const rejected = isReply && !TRANSIENT_REPLY.test(message);
  return wrapStoreError(
    err,
    rejected ? 'PS_ERR_STORE_QUERY' : 'PS_ERR_STORE_UNAVAILABLE',
    `The redis-streams log could not ${doing}`,
    {
      ...(rejected ? { details: { reply: /^[A-Z]+/.exec(message)?.[0] } } : {}),
      fix: rejected
        ? 'the cause holds the server reply; NOGROUP means the stream or its group was deleted'
        : 'check that the redis server is running and reachable; the call can be retried',
    },
  );
}

/** Runs `fn`, wrapping whatever it throws with {@link redisError}. */
export async function redisCall<R>(doing: string, fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    throw redisError(err, doing);
  }
}
