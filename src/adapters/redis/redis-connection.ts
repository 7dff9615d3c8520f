import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { type PolystoreError, wrapStoreError } from '../../errors/index.js';
import { importDriver } from '../../runtime/import-driver.js';
import type { RedisLike, RedisTarget } from './redis-options.js';

/** Read at module load, so a missing file fails at import rather than on the first apply. */
const lua = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
const APPLY_IF_NEWER_LUA = lua('apply-if-newer.lua');
const BEGIN_REBUILD_LUA = lua('begin-rebuild.lua');
const FINISH_REBUILD_LUA = lua('finish-rebuild.lua');
const LIST_HEADERS_LUA = lua('list-headers.lua');
const BEGIN_DIGESTS_LUA = lua('begin-digests.lua');
const COUNT_DIGESTS_LUA = lua('count-digests.lua');
const FINISH_DIGESTS_LUA = lua('finish-digests.lua');

/** The names the scripts are registered under with `defineCommand`. */
export const APPLY_COMMAND = 'polystoreApplyIfNewer';
export const BEGIN_REBUILD_COMMAND = 'polystoreBeginRebuild';
export const FINISH_REBUILD_COMMAND = 'polystoreFinishRebuild';
export const LIST_HEADERS_COMMAND = 'polystoreListHeaders';
export const BEGIN_DIGESTS_COMMAND = 'polystoreBeginDigests';
export const COUNT_DIGESTS_COMMAND = 'polystoreCountDigests';
export const FINISH_DIGESTS_COMMAND = 'polystoreFinishDigests';
/** ioredis adds a `…Buffer` variant of each defined command, whose reply keeps bytes as they are. */
export const LIST_HEADERS_BUFFER = `${LIST_HEADERS_COMMAND}Buffer` as const;

/** Arguments of a script command: key count, keys, then its other arguments. */
type ScriptArgs = (string | number)[];
/** The reply of apply-if-newer.lua: `[applied, skipped, epoch marker]`. */
export type ApplyReply = [applied: number, skipped: number, marker: string];

/** A client or pipeline on which `defineCommand` registered the scripts. */
export type WithApplyCommand<T> = T & {
  [APPLY_COMMAND](...args: ScriptArgs): T extends RedisLike ? Promise<ApplyReply> : T;
  [BEGIN_REBUILD_COMMAND](...args: ScriptArgs): Promise<string>;
  [FINISH_REBUILD_COMMAND](...args: ScriptArgs): Promise<string>;
  /** list-headers.lua, its reply as buffers: `[next cursor, packed keys and headers]`. */
  [LIST_HEADERS_BUFFER](...args: ScriptArgs): Promise<[Buffer, Buffer]>;
  /** begin-digests.lua, count-digests.lua, finish-digests.lua (see redis-digests.ts). */
  [BEGIN_DIGESTS_COMMAND](...args: ScriptArgs): Promise<string>;
  [COUNT_DIGESTS_COMMAND](...args: ScriptArgs): Promise<number>;
  [FINISH_DIGESTS_COMMAND](...args: ScriptArgs): Promise<string>;
};

export interface RedisConnection {
  readonly client: WithApplyCommand<RedisLike>;
  /** The client's own ioredis `keyPrefix`: ioredis adds it to command keys but not to SCAN patterns or replies. */
  readonly clientPrefix: string;
  /** Closes the connection if the store created it; a no-op for an injected client. */
  readonly release: () => Promise<void>;
}

interface OwnedClient extends RedisLike {
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (err: unknown) => void): unknown;
}

/**
 * Connects the store's own client, or checks an injected one with PING, and
 * registers the script. Throws `PS_ERR_STORE_UNAVAILABLE` naming the
 * (redacted) URL when the server cannot be reached.
 */
export async function openConnection(target: RedisTarget): Promise<RedisConnection> {
  if (target.kind === 'client') {
    const { client } = target;
    try {
      await client.ping();
    } catch (err) {
      throw unavailable(err, target.where, 'checking the connection');
    }
    return { client: withCommand(client), clientPrefix: client.options?.keyPrefix ?? '', release: async () => {} };
  }
  const driver = await importDriver('ioredis', () => import('ioredis'));
  const client = new driver.Redis(target.url, target.options as RedisOptions) as unknown as OwnedClient;
  // Without a listener ioredis prints every connection error; they reach callers as coded errors instead.
  let lastError: unknown;
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await client.connect();
  } catch (err) {
    // Stop ioredis reconnecting in the background; the next call opens a fresh client.
    client.disconnect();
    throw unavailable(lastError ?? err, target.where, 'connecting');
  }
  return { client: withCommand(client), clientPrefix: '', release: () => closeOwned(client) };
}

function withCommand(client: RedisLike): WithApplyCommand<RedisLike> {
  client.defineCommand(APPLY_COMMAND, { lua: APPLY_IF_NEWER_LUA });
  client.defineCommand(BEGIN_REBUILD_COMMAND, { lua: BEGIN_REBUILD_LUA });
  client.defineCommand(FINISH_REBUILD_COMMAND, { lua: FINISH_REBUILD_LUA });
  client.defineCommand(LIST_HEADERS_COMMAND, { lua: LIST_HEADERS_LUA, numberOfKeys: 0 });
  client.defineCommand(BEGIN_DIGESTS_COMMAND, { lua: BEGIN_DIGESTS_LUA });
  client.defineCommand(COUNT_DIGESTS_COMMAND, { lua: COUNT_DIGESTS_LUA });
  client.defineCommand(FINISH_DIGESTS_COMMAND, { lua: FINISH_DIGESTS_LUA });
  return client as WithApplyCommand<RedisLike>;
}

/** QUIT lets pending replies arrive first; a client that is not connected is just disconnected. */
async function closeOwned(client: OwnedClient): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * Server replies that describe the server's state rather than the command:
 * retrying later can succeed, so they are `PS_ERR_STORE_UNAVAILABLE` (a
 * projector retries them without dead-lettering).
 */
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM|NOREPLICAS|NOAUTH|WRONGPASS)\b/;

/**
 * Maps a driver error: connection failures (refused, reset, closed, retries
 * exhausted) and transient server states become `PS_ERR_STORE_UNAVAILABLE`;
 * other server replies (e.g. WRONGTYPE) become `PS_ERR_STORE_QUERY`.
 */
export function toStoreError(err: unknown, where: string, action: string): PolystoreError {
  const isReply = (err as { name?: unknown } | null)?.name === 'ReplyError';
  const message = err instanceof Error ? err.message : '';
  if (isReply && !TRANSIENT_REPLY.test(message)) {
    const reply = /^[A-Z]+/.exec(message)?.[0];
    return wrapStoreError(
      err,
      'PS_ERR_STORE_QUERY',
      `The redis server at ${where} rejected a command while ${action}`,
      {
        ...(reply ? { details: { reply } } : {}),
        fix: 'the cause holds the server reply; WRONGTYPE means a key under the prefix was written by another program',
      },
    );
  }
  return unavailable(err, where, action);
}

function unavailable(err: unknown, where: string, action: string): PolystoreError {
  return wrapStoreError(
    err,
    'PS_ERR_STORE_UNAVAILABLE',
    `The redis server at ${where} is unavailable while ${action}`,
    {
      fix: 'check that the server is running and reachable with these credentials; the call can be retried',
    },
  );
}
